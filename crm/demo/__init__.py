"""Demo data: a realistic Russian-language customer base, loaded in bulk.

`generate()` adds any number of contacts (a million in minutes) with companies, a
year of timeline and tasks; `first_run()` prepares an empty installation: an
administrator with a generated password, demo users of every role and a small
dataset.
"""

from crm.demo.dataset import generate
from crm.demo.onboarding import first_run

__all__ = ["first_run", "generate"]
