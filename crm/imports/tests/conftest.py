import io

import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def csv_file():
    """An uploaded file from text: `csv_file("a;b\\n1;2", encoding="cp1251")`."""

    def make(text: str, *, name: str = "data.csv", encoding: str = "utf-8"):
        handle = io.BytesIO(text.encode(encoding))
        handle.name = name
        return handle

    return make


@pytest.fixture
def run_job(django_capture_on_commit_callbacks):
    """Start a dry run or an import and run its background job at once."""
    from crm.imports.services import import_start

    def run(*, actor, job, dry_run=False):
        with django_capture_on_commit_callbacks(execute=True):
            import_start(actor=actor, job=job, dry_run=dry_run)
        job.refresh_from_db()
        return job

    return run
