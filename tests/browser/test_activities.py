"""The card's activity panels and "my day" in a real browser (htmx, CSS, uploads)."""

import datetime as dt

import pytest
from django.utils import timezone

from crm.activities.models import Activity, Task, TaskStatus
from crm.activities.tests.factories import CompanyFactory, TaskFactory

pytestmark = pytest.mark.browser


def test_complete_a_task_on_my_day_with_one_click(page, sign_in, manager):
    task = TaskFactory(
        assignee=manager,
        title="Позвонить в «Ромашку»",
        due_at=timezone.now() - dt.timedelta(days=1),
    )
    sign_in(manager)

    page.goto("/my-day/")
    page.click(f"#task-row-{task.pk} button")

    page.wait_for_selector(f"#task-row-{task.pk} .bi-arrow-counterclockwise")
    assert page.url.endswith("/my-day/")
    assert Task.objects.get(pk=task.pk).status == TaskStatus.DONE


def test_log_upload_and_add_a_task_on_a_card_without_reloading(page, sign_in, manager):
    company = CompanyFactory(curator=manager, name="ООО «Ромашка»")
    key = f"company-{company.pk}"
    sign_in(manager)
    page.goto(f"/companies/{company.pk}/")
    page.evaluate("window.notReloaded = true")

    # Each kind shows its own fields.
    assert not page.is_visible("#log_location")
    page.click(f"label[for=kind-meeting-{key}]")
    assert page.is_visible("#log_location")

    page.click(f"label[for=kind-note-{key}]")
    page.fill("#log_body", "Любит чай с чабрецом")
    page.click(f"#log-form-{key} button[type=submit]")
    page.wait_for_selector(f"#timeline-{key} >> text=Любит чай с чабрецом")

    page.click(f"label[for=kind-file-{key}]")
    page.set_input_files(
        "#upload_file",
        files=[{"name": "прайс.txt", "mimeType": "text/plain", "buffer": b"100"}],
    )
    page.click(f"#log-forms-{key} .upload-form button[type=submit]")
    page.wait_for_selector(f"#timeline-{key} >> text=прайс.txt")

    page.click(f"#tasks-panel-{key} summary")
    page.fill("#quick_task_title", "Выслать договор")
    page.click(f"#tasks-panel-{key} form button[type=submit]")
    page.wait_for_selector(f"#tasks-panel-{key} >> text=Выслать договор")
    page.wait_for_selector(f"#timeline-{key} >> text=Выслать договор")

    assert page.evaluate("window.notReloaded") is True
    assert Activity.objects.filter(company=company).count() == 2
    assert Task.objects.get().company == company
