import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.accounts.models import Team
from crm.activities.models import Task, TaskStatus
from crm.sales.models import DealPlanStep, PlanStepStatus, SalesModel
from crm.sales.services.playbooks import deal_apply_model
from crm.sales.tests.factories import DealFactory, default_pipeline
from crm.sales.tests.factories_playbooks import (
    DealPlanStepFactory,
    SalesModelFactory,
    SalesModelStepFactory,
    at,
    closed_deal,
)

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def head(make_user, team):
    return make_user(role="head", team=team, last_name="Главная")


@pytest.fixture
def model():
    model = SalesModelFactory(name="Поставка оборудования")
    for position, (title, offset, required) in enumerate(
        [
            ("Звонок", 0, True),
            ("Коммерческое предложение", 3, True),
            ("Визит", 5, False),
        ],
        start=1,
    ):
        SalesModelStepFactory(
            model=model,
            position=position,
            title=title,
            offset_days=offset,
            is_required=required,
        )
    return model


def _titles(model):
    return list(model.steps.order_by("position").values_list("title", flat=True))


# --- models ---------------------------------------------------------------------------


def test_the_list_of_models_shows_them_to_everyone_but_offers_changes_to_heads(
    client, manager, head, model, django_assert_max_num_queries
):
    SalesModelFactory(name="Старая модель", is_active=False)
    client.force_login(manager)

    with django_assert_max_num_queries(8):
        response = client.get("/playbooks/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Поставка оборудования" in page
    assert "Старая модель" in page
    assert "/playbooks/new/" not in page
    client.force_login(head)
    assert "/playbooks/new/" in client.get("/playbooks/").content.decode()


def test_the_navigation_offers_sales_models_and_analytics(client, manager):
    client.force_login(manager)

    page = client.get("/playbooks/").content.decode()

    assert 'href="/playbooks/"' in page
    assert 'href="/analytics/"' in page


def test_a_head_creates_a_model_and_adds_a_step(client, head):
    client.force_login(head)

    response = client.post("/playbooks/new/", {"name": "Тендер", "pipeline": ""})

    model = SalesModel.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/playbooks/{model.pk}/"
    response = client.post(
        f"/playbooks/{model.pk}/steps/",
        {
            "title": "Заявка на участие",
            "responsible_role": "head",
            "offset_days": "2",
            "is_required": "on",
        },
    )
    assert response.status_code == 302
    step = model.steps.get()
    assert (step.title, step.responsible_role, step.offset_days) == (
        "Заявка на участие",
        "head",
        2,
    )


def test_a_step_with_a_role_and_a_department_is_refused_on_the_form(
    client, head, model
):
    department = Team.objects.create(name="Юристы")
    client.force_login(head)

    response = client.post(
        f"/playbooks/{model.pk}/steps/",
        {
            "title": "Проверка",
            "responsible_role": "head",
            "responsible_team": department.pk,
            "offset_days": "1",
        },
    )

    assert response.status_code == 422
    assert "Choose a role or a department, not both." in response.content.decode()
    assert model.steps.count() == 3


def test_a_sales_manager_cannot_open_the_model_forms(client, manager, model):
    client.force_login(manager)

    assert client.get("/playbooks/new/").status_code == 403
    assert (
        client.post(f"/playbooks/{model.pk}/steps/", {"title": "x"}).status_code == 403
    )
    assert client.get("/playbooks/derive/").status_code == 403


def test_the_model_card_lists_steps_with_reorder_controls(
    client, head, model, django_assert_max_num_queries
):
    client.force_login(head)

    with django_assert_max_num_queries(10):
        response = client.get(f"/playbooks/{model.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert page.index("Звонок") < page.index("Коммерческое предложение")
    assert 'hx-trigger="end"' in page
    assert "Sortable.min.js" in page


def test_dragging_saves_the_order_and_answers_the_rows(client, head, model):
    first, second, third = model.steps.order_by("position")
    client.force_login(head)

    response = client.post(
        f"/playbooks/{model.pk}/steps/order/",
        {"step": [third.pk, first.pk, second.pk]},
        **HTMX,
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<form id="model-steps"')
    assert page.index("Визит") < page.index("Звонок")
    assert _titles(model) == ["Визит", "Звонок", "Коммерческое предложение"]


def test_the_arrows_move_a_step(client, head, model):
    second = model.steps.get(position=2)
    client.force_login(head)

    response = client.post(f"/playbooks/steps/{second.pk}/move/", {"direction": "up"})

    assert response.status_code == 302
    assert _titles(model) == ["Коммерческое предложение", "Звонок", "Визит"]


def test_editing_and_removing_a_step(client, head, model):
    step = model.steps.get(position=3)
    client.force_login(head)

    assert client.get(f"/playbooks/steps/{step.pk}/edit/").status_code == 200
    client.post(
        f"/playbooks/steps/{step.pk}/edit/",
        {"title": "Визит к клиенту", "offset_days": "7"},
    )
    step.refresh_from_db()
    assert (step.title, step.offset_days, step.is_required) == (
        "Визит к клиенту",
        7,
        False,
    )
    client.post(f"/playbooks/steps/{step.pk}/delete/")
    assert _titles(model) == ["Звонок", "Коммерческое предложение"]


def test_deactivating_and_deleting_a_model(client, head, manager, model):
    client.force_login(head)

    client.post(f"/playbooks/{model.pk}/active/")
    model.refresh_from_db()
    assert not model.is_active

    client.post(f"/playbooks/{model.pk}/edit/", {"name": "Поставка 2"})
    model.refresh_from_db()
    assert model.name == "Поставка 2"

    response = client.post(f"/playbooks/{model.pk}/delete/")
    assert response["Location"] == "/playbooks/"
    assert not SalesModel.objects.exists()


# --- the plan panel on the deal's card ------------------------------------------------


def test_the_deal_card_shows_the_plan_panel_with_the_models_to_apply(
    client, manager, model
):
    deal = DealFactory(owner=manager)
    client.force_login(manager)

    page = client.get(f"/deals/{deal.pk}/").content.decode()

    assert 'id="deal-plan"' in page
    assert "No plan yet." in page
    assert "Поставка оборудования" in page
    assert f'action="/deals/{deal.pk}/plan/apply/"' in page


def test_applying_a_model_from_the_card_answers_the_panel(client, manager, model):
    deal = DealFactory(owner=manager, title="Станки")
    client.force_login(manager)

    response = client.post(
        f"/deals/{deal.pk}/plan/apply/",
        {"model": model.pk, "start": "2025-03-03"},
        **HTMX,
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<section class="card mb-3" id="deal-plan">')
    assert "Коммерческое предложение" in page
    assert DealPlanStep.objects.filter(deal=deal).count() == 3


def test_the_plan_panel_takes_the_same_queries_for_any_number_of_steps(
    client, manager, model, django_assert_max_num_queries
):
    deal = DealFactory(owner=manager)
    step = deal_apply_model(actor=manager, deal=deal, model=model)[0]
    client.force_login(manager)
    url = f"/plan-steps/{step.pk}/status/"
    with CaptureQueriesContext(connection) as three_steps:
        client.post(url, {"status": "in_progress"}, **HTMX)
    for n in range(5):
        DealPlanStepFactory(deal=deal, responsible=manager, title=f"Ещё {n}")

    with django_assert_max_num_queries(len(three_steps)):
        response = client.post(url, {"status": "planned"}, **HTMX)

    assert response.content.decode().count('id="plan-step-') == 8


def test_applying_twice_from_the_card_shows_the_refusal(client, manager, model):
    deal = DealFactory(owner=manager)
    deal_apply_model(actor=manager, deal=deal, model=model)
    client.force_login(manager)

    response = client.post(
        f"/deals/{deal.pk}/plan/apply/",
        {"model": model.pk, "start": "2025-03-03"},
        **HTMX,
    )

    assert "is already applied to this deal" in response.content.decode()
    assert DealPlanStep.objects.filter(deal=deal).count() == 3


def test_adding_a_step_by_hand_from_the_card(client, manager):
    deal = DealFactory(owner=manager)
    client.force_login(manager)

    response = client.post(
        f"/deals/{deal.pk}/plan/steps/",
        {"title": "Демонстрация", "due_date": "2025-04-01", "responsible": manager.pk},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/deals/{deal.pk}/"
    step = DealPlanStep.objects.get(deal=deal)
    assert step.title == "Демонстрация"
    assert step.task.assignee == manager


def test_marking_a_step_done_from_the_card_completes_its_task(client, manager, model):
    deal = DealFactory(owner=manager)
    step = deal_apply_model(actor=manager, deal=deal, model=model)[0]
    client.force_login(manager)

    response = client.post(f"/plan-steps/{step.pk}/status/", {"status": "done"}, **HTMX)

    assert response.status_code == 200
    assert f'id="plan-step-{step.pk}" data-status="done"' in response.content.decode()
    assert Task.objects.get(pk=step.task_id).status == TaskStatus.DONE


def test_skipping_a_required_step_from_the_card_shows_why_not(client, manager, model):
    deal = DealFactory(owner=manager)
    step = deal_apply_model(actor=manager, deal=deal, model=model)[0]
    client.force_login(manager)

    response = client.post(
        f"/plan-steps/{step.pk}/status/", {"status": "skipped"}, **HTMX
    )

    assert "is required: it cannot be skipped" in response.content.decode()
    step.refresh_from_db()
    assert step.status == PlanStepStatus.PLANNED


def test_a_hidden_deals_plan_cannot_be_touched(client, manager, other_manager, model):
    deal = DealFactory(owner=other_manager)
    client.force_login(manager)

    response = client.post(
        f"/deals/{deal.pk}/plan/apply/", {"model": model.pk, "start": "2025-03-03"}
    )

    assert response.status_code == 404
    assert not DealPlanStep.objects.exists()


# --- overview ---------------------------------------------------------------------------


def test_the_overview_lists_overdue_and_at_risk_steps_with_counts(
    client, manager, other_manager, django_assert_max_num_queries
):
    today = timezone.localdate()
    deal = DealFactory(owner=manager, title="Сделка А")
    DealPlanStepFactory(
        deal=deal,
        responsible=manager,
        title="Просрочен",
        due_date=today - dt.timedelta(days=2),
    )
    DealPlanStepFactory(deal=deal, responsible=manager, title="Скоро", due_date=today)
    DealPlanStepFactory(
        deal=deal,
        responsible=manager,
        title="Нескоро",
        due_date=today + dt.timedelta(days=30),
    )
    theirs = DealFactory(owner=other_manager, title="Чужая сделка")
    DealPlanStepFactory(
        deal=theirs, responsible=other_manager, title="Чужой шаг", due_date=today
    )
    client.force_login(manager)

    with django_assert_max_num_queries(12):
        response = client.get("/playbooks/overview/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Просрочен" in page
    assert "Скоро" in page
    assert "Нескоро" not in page
    assert "Чужой шаг" not in page
    assert 'data-state="overdue"' in page
    counts = client.get("/playbooks/overview/?state=fine&group=responsible").content
    assert "Нескоро" in counts.decode()


def test_the_overview_names_a_bad_filter(client, manager):
    client.force_login(manager)

    response = client.get("/playbooks/overview/?days=-4")

    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()


# --- derive -----------------------------------------------------------------------------


def test_a_head_derives_a_model_reviews_and_saves_it(client, head, manager):
    pipeline = default_pipeline()
    for _n in range(2):
        deal = closed_deal(
            owner=manager,
            won=True,
            created=at(dt.date(2025, 2, 3)),
            closed=at(dt.date(2025, 2, 20)),
        )
        DealPlanStepFactory(
            deal=deal,
            responsible=manager,
            title="Встреча",
            started_on=dt.date(2025, 2, 3),
            status=PlanStepStatus.DONE,
            completed_at=at(dt.date(2025, 2, 7)),
        )
    client.force_login(head)

    page = client.get(f"/playbooks/derive/?pipeline={pipeline.pk}").content.decode()

    assert "Встреча" in page
    assert 'name="steps-0-offset_days" value="4"' in page
    response = client.post(
        "/playbooks/derive/",
        {
            "pipeline": pipeline.pk,
            "steps-TOTAL_FORMS": "1",
            "steps-INITIAL_FORMS": "1",
            "steps-0-keep": "on",
            "steps-0-title": "Встреча с клиентом",
            "steps-0-offset_days": "5",
            "steps-0-is_required": "on",
            "name": "Наш путь",
        },
    )

    model = SalesModel.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/playbooks/{model.pk}/"
    assert model.derived_from_deals == 2
    assert [(s.title, s.offset_days) for s in model.steps.all()] == [
        ("Встреча с клиентом", 5)
    ]


def test_saving_a_proposal_without_kept_steps_is_refused(client, head, manager):
    pipeline = default_pipeline()
    closed_deal(
        owner=manager,
        won=True,
        created=at(dt.date(2025, 2, 3)),
        closed=at(dt.date(2025, 2, 20)),
    )
    client.force_login(head)

    response = client.post(
        "/playbooks/derive/",
        {
            "pipeline": pipeline.pk,
            "steps-TOTAL_FORMS": "1",
            "steps-INITIAL_FORMS": "1",
            "steps-0-title": "Первичный контакт",
            "steps-0-offset_days": "0",
            "name": "Пустая",
        },
    )

    assert response.status_code == 200
    assert "Keep at least one step." in response.content.decode()
    assert not SalesModel.objects.exists()


def test_heads_find_derive_a_model_from_the_tabs(client, head, manager):
    client.force_login(head)
    assert (
        'href="/playbooks/derive/"'
        in client.get("/playbooks/overview/").content.decode()
    )

    client.force_login(manager)
    assert 'href="/playbooks/derive/"' not in client.get("/playbooks/").content.decode()
