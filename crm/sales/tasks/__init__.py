"""Background jobs of sales (Huey imports this module of every app)."""

from crm.sales.tasks import analytics, documents, playbooks  # noqa: F401
