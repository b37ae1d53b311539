import datetime as dt

import pytest
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


def _fields(response) -> set[str]:
    return {".".join(map(str, e["loc"][1:])) for e in response.json()["detail"]}


@pytest.fixture
def head(make_user, team):
    return make_user(role="head", team=team)


@pytest.fixture
def model():
    model = SalesModelFactory(name="Поставка")
    SalesModelStepFactory(model=model, position=1, title="Звонок", offset_days=1)
    SalesModelStepFactory(
        model=model, position=2, title="КП", offset_days=4, is_required=False
    )
    return model


# --- sales models -----------------------------------------------------------------------


def test_create_read_and_list_a_model_with_steps(api_client, head):
    lawyers = Team.objects.create(name="Юристы")
    api = api_client(head)

    response = api.post(
        "/sales-models",
        {
            "name": "Тендер",
            "pipeline_id": default_pipeline().pk,
            "steps": [
                {"title": "Заявка", "offset_days": 0, "responsible_role": "sales"},
                {
                    "title": "Проверка договора",
                    "offset_days": 5,
                    "responsible_team_id": lawyers.pk,
                    "is_required": False,
                },
            ],
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "Тендер"
    assert [(s["title"], s["position"]) for s in body["steps"]] == [
        ("Заявка", 1),
        ("Проверка договора", 2),
    ]
    assert body["steps"][1]["responsible_team_id"] == lawyers.pk
    assert api.get(f"/sales-models/{body['id']}").json() == body
    listed = api.get("/sales-models").json()
    assert listed["count"] == 1
    assert listed["items"][0]["step_count"] == 2


def test_a_bad_model_is_422_naming_each_field(api_client, head):
    response = api_client(head).post(
        "/sales-models",
        {
            "name": "Модель",
            "steps": [{"title": "Звонок", "offset_days": 99999}, {"title": ""}],
        },
    )

    assert response.status_code == 422
    assert _fields(response) == {"steps.0.offset_days", "steps.1.title"}
    assert not SalesModel.objects.exists()


def test_an_unknown_role_is_422(api_client, head):
    response = api_client(head).post(
        "/sales-models",
        {"name": "Модель", "steps": [{"title": "Звонок", "responsible_role": "boss"}]},
    )

    assert response.status_code == 422
    assert not SalesModel.objects.exists()


def test_a_sales_manager_may_read_but_not_create_models(api_client, manager, model):
    api = api_client(manager)

    assert api.get("/sales-models").json()["count"] == 1
    assert api.post("/sales-models", {"name": "Моя"}).status_code == 403


def test_patch_replaces_the_steps_and_changes_fields(api_client, head, model):
    first, second = model.steps.order_by("position")

    response = api_client(head).patch(
        f"/sales-models/{model.pk}",
        {
            "is_active": False,
            "steps": [
                {"id": second.pk, "title": "Коммерческое предложение"},
                {"title": "Счёт", "offset_days": 9},
            ],
        },
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["is_active"] is False
    assert body["name"] == "Поставка"
    assert [(s["id"], s["title"]) for s in body["steps"]][0] == (
        second.pk,
        "Коммерческое предложение",
    )
    assert [s["title"] for s in body["steps"]] == ["Коммерческое предложение", "Счёт"]
    assert not model.steps.filter(pk=first.pk).exists()


def test_delete_a_model(api_client, head, manager, model):
    api = api_client(head)
    applied = SalesModelFactory()
    SalesModelStepFactory(model=applied)
    deal_apply_model(actor=manager, deal=DealFactory(owner=manager), model=applied)

    assert api.delete(f"/sales-models/{model.pk}").status_code == 204
    refused = api.delete(f"/sales-models/{applied.pk}")
    assert refused.status_code == 422
    assert _fields(refused) == {"model"}
    assert api.get(f"/sales-models/{model.pk}").status_code == 404


def test_the_list_of_models_stays_within_a_few_queries(
    api_client, manager, django_assert_max_num_queries
):
    for _n in range(5):
        SalesModelStepFactory()
    api = api_client(manager)

    with django_assert_max_num_queries(5):
        response = api.get("/sales-models")

    assert response.json()["count"] == 5


# --- plans ------------------------------------------------------------------------------


def test_apply_a_model_and_read_the_plan(api_client, manager, model):
    deal = DealFactory(owner=manager)
    api = api_client(manager)

    response = api.post(
        f"/deals/{deal.pk}/apply-model", {"model_id": model.pk, "start": "2025-03-03"}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["deal_id"] == deal.pk
    assert [(s["title"], s["due_date"], s["status"]) for s in body["steps"]] == [
        ("Звонок", "2025-03-04", "planned"),
        ("КП", "2025-03-07", "planned"),
    ]
    assert body["steps"][0]["responsible_id"] == manager.pk
    assert Task.objects.filter(pk=body["steps"][0]["task_id"]).exists()
    assert api.get(f"/deals/{deal.pk}/plan").json() == body


def test_applying_twice_is_422_and_adds_nothing(api_client, manager, model):
    deal = DealFactory(owner=manager)
    api = api_client(manager)
    api.post(f"/deals/{deal.pk}/apply-model", {"model_id": model.pk})

    again = api.post(f"/deals/{deal.pk}/apply-model", {"model_id": model.pk})

    assert again.status_code == 422
    assert _fields(again) == {"model_id"}
    assert DealPlanStep.objects.count() == 2


def test_a_bad_start_is_422(api_client, manager, model):
    deal = DealFactory(owner=manager)

    response = api_client(manager).post(
        f"/deals/{deal.pk}/apply-model", {"model_id": model.pk, "start": "скоро"}
    )

    assert response.status_code == 422
    assert any(name.endswith("start") for name in _fields(response))


def test_a_hidden_deal_is_404(api_client, manager, other_manager, model):
    deal = DealFactory(owner=other_manager)
    api = api_client(manager)

    assert api.get(f"/deals/{deal.pk}/plan").status_code == 404
    response = api.post(f"/deals/{deal.pk}/apply-model", {"model_id": model.pk})
    assert response.status_code == 404


def test_add_a_step_and_change_statuses(api_client, manager, model):
    deal = DealFactory(owner=manager)
    api = api_client(manager)
    required = deal_apply_model(actor=manager, deal=deal, model=model)[0]

    added = api.post(
        f"/deals/{deal.pk}/plan",
        {"title": "Демонстрация", "due_date": "2025-04-01", "is_required": True},
    )
    assert added.status_code == 201, added.content
    assert added.json()["position"] == 3

    done = api.patch(f"/plan-steps/{required.pk}", {"status": "done"})
    assert done.status_code == 200
    assert done.json()["status"] == "done"
    assert Task.objects.get(pk=required.task_id).status == TaskStatus.DONE

    skipped = api.patch(f"/plan-steps/{added.json()['id']}", {"status": "skipped"})
    assert skipped.status_code == 422
    assert _fields(skipped) == {"status"}
    assert DealPlanStep.objects.get(pk=added.json()["id"]).status == "planned"


def test_completing_the_task_through_the_api_completes_the_step(
    api_client, manager, model
):
    deal = DealFactory(owner=manager)
    step = deal_apply_model(actor=manager, deal=deal, model=model)[0]

    response = api_client(manager).patch(f"/tasks/{step.task_id}", {"status": "done"})

    assert response.status_code == 200
    step.refresh_from_db()
    assert step.status == PlanStepStatus.DONE


def test_the_overview_endpoint(api_client, manager, other_manager):
    today = timezone.localdate()
    deal = DealFactory(owner=manager, title="Сделка")
    late = DealPlanStepFactory(
        deal=deal, responsible=manager, due_date=today - dt.timedelta(days=1)
    )
    DealPlanStepFactory(
        deal=deal, responsible=manager, due_date=today + dt.timedelta(days=20)
    )
    DealPlanStepFactory(
        deal=DealFactory(owner=other_manager),
        responsible=other_manager,
        due_date=today - dt.timedelta(days=1),
    )

    body = api_client(manager).get("/plan-steps/overview").json()

    assert (body["overdue"], body["at_risk"], body["fine"]) == (1, 0, 1)
    assert [(i["id"], i["state"], i["deal_title"]) for i in body["items"]] == [
        (late.pk, "overdue", "Сделка")
    ]
    bad = api_client(manager).get("/plan-steps/overview", {"state": "soon"})
    assert bad.status_code == 422


# --- derive -----------------------------------------------------------------------------


def test_propose_and_save_a_model_from_won_deals(api_client, head, manager):
    pipeline = default_pipeline()
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
        completed_at=at(dt.date(2025, 2, 9)),
    )
    api = api_client(head)

    proposal = api.get("/sales-models/proposal", {"pipeline": pipeline.pk})

    assert proposal.status_code == 200, proposal.content
    body = proposal.json()
    assert (body["deals"], body["deals_with_plans"]) == (1, 1)
    assert [(s["title"], s["offset_days"], s["share"]) for s in body["steps"]] == [
        ("Встреча", 6, "1.000")
    ]
    saved = api.post(
        "/sales-models/proposal",
        {
            "name": "Из побед",
            "pipeline_id": pipeline.pk,
            "steps": [{"title": "Встреча", "offset_days": 6}],
        },
    )
    assert saved.status_code == 201, saved.content
    assert saved.json()["derived_from_deals"] == 1
    assert api.get("/sales-models/proposal", {"pipeline": 999999}).status_code == 404


# --- the contract -----------------------------------------------------------------------


def test_the_openapi_schema_lists_the_playbook_operations(api_client, manager):
    schema = api_client(manager).get("/openapi.json").json()

    operations = {
        op["operationId"]: path
        for path, methods in schema["paths"].items()
        for op in methods.values()
    }
    assert operations["sales_model_list"] == "/api/v1/sales-models"
    assert operations["sales_model_create"] == "/api/v1/sales-models"
    assert operations["sales_model_get"] == "/api/v1/sales-models/{model_id}"
    assert operations["sales_model_update"] == "/api/v1/sales-models/{model_id}"
    assert operations["sales_model_delete"] == "/api/v1/sales-models/{model_id}"
    assert operations["sales_model_derive"] == "/api/v1/sales-models/proposal"
    assert operations["deal_apply_model"] == "/api/v1/deals/{deal_id}/apply-model"
    assert operations["deal_plan"] == "/api/v1/deals/{deal_id}/plan"
    assert operations["plan_step_set_status"] == "/api/v1/plan-steps/{step_id}"
    assert operations["plan_overview"] == "/api/v1/plan-steps/overview"
