import datetime as dt

import pytest
from django.utils import timezone

from crm.accounts.models import Team
from crm.activities.models import Task, TaskStatus
from crm.activities.services import task_complete, task_reopen, task_update
from crm.core.errors import DomainError, Forbidden
from crm.core.models import AuditEntry, Notification
from crm.sales.models import (
    DealPlanStep,
    DealStatus,
    PlanStepStatus,
    SalesModel,
    SalesModelStep,
)
from crm.sales.services.playbooks import (
    deal_apply_model,
    plan_step_add,
    plan_step_set_status,
    sales_model_create,
    sales_model_delete,
    sales_model_step_add,
    sales_model_step_move,
    sales_model_steps_reorder,
    sales_model_update,
)
from crm.sales.tests.factories import DealFactory, PipelineFactory
from crm.sales.tests.factories_playbooks import (
    SalesModelFactory,
    SalesModelStepFactory,
)

START = dt.date(2025, 3, 3)


@pytest.fixture
def head(make_user, team):
    user = make_user(role="head", team=team, first_name="Нина", last_name="Главная")
    Team.objects.filter(pk=team.pk).update(head=user)
    return user


@pytest.fixture
def lawyers(make_user):
    department = Team.objects.create(name="Юридический отдел")
    lawyer = make_user(role="service", team=department, last_name="Юристова")
    department.head = lawyer
    department.save()
    return department


@pytest.fixture
def model(lawyers):
    model = SalesModelFactory(name="Поставка оборудования")
    SalesModelStepFactory(model=model, position=1, title="Звонок", offset_days=0)
    SalesModelStepFactory(
        model=model,
        position=2,
        title="Коммерческое предложение",
        offset_days=3,
        responsible_role="head",
        description="Согласовать скидку",
    )
    SalesModelStepFactory(
        model=model,
        position=3,
        title="Договор",
        offset_days=10,
        responsible_team=lawyers,
        is_required=False,
    )
    return model


# --- applying a model -----------------------------------------------------------------


def test_applying_a_model_plans_each_step_with_deadline_responsible_and_task(
    manager, head, lawyers, model
):
    deal = DealFactory(owner=manager, title="Станки для «Зари»")

    steps = deal_apply_model(actor=manager, deal=deal, model=model, start=START)

    plan = list(DealPlanStep.objects.filter(deal=deal).order_by("position"))
    assert [s.pk for s in steps] == [s.pk for s in plan]
    assert [s.title for s in plan] == ["Звонок", "Коммерческое предложение", "Договор"]
    assert [s.due_date for s in plan] == [
        START,
        START + dt.timedelta(days=3),
        START + dt.timedelta(days=10),
    ]
    assert [s.started_on for s in plan] == [START] * 3
    # No role or department: the owner; role "head": the head of the owner's team;
    # a department: its head.
    assert [s.responsible for s in plan] == [manager, head, lawyers.head]
    assert [s.is_required for s in plan] == [True, True, False]
    assert all(s.status == PlanStepStatus.PLANNED for s in plan)
    tasks = [Task.objects.get(pk=s.task_id) for s in plan]
    assert [t.title for t in tasks] == [
        "Звонок — Станки для «Зари»",
        "Коммерческое предложение — Станки для «Зари»",
        "Договор — Станки для «Зари»",
    ]
    assert [t.assignee for t in tasks] == [manager, head, lawyers.head]
    assert all(t.company_id == deal.company_id for t in tasks)
    assert tasks[1].description == "Согласовать скидку"
    due = timezone.localtime(tasks[1].due_at)
    assert (due.date(), due.hour) == (START + dt.timedelta(days=3), 18)
    # The staff of other departments hear of their tasks.
    assert Notification.objects.filter(user=lawyers.head).count() == 1


def test_a_role_step_goes_to_the_owner_when_they_have_the_role(
    manager, other_manager, make_user
):
    other_team = Team.objects.create(name="Другой отдел")
    make_user(role="sales", team=other_team)
    model = SalesModelFactory()
    SalesModelStepFactory(model=model, responsible_role="sales")
    deal = DealFactory(owner=manager)

    [step] = deal_apply_model(actor=manager, deal=deal, model=model)

    assert step.responsible == manager


def test_a_role_step_prefers_a_user_of_the_owners_team(manager, team, make_user):
    make_user(role="marketer", last_name="Чужой")  # no team, created first
    teammate = make_user(role="marketer", team=team, last_name="Свой")
    model = SalesModelFactory()
    SalesModelStepFactory(model=model, responsible_role="marketer")
    deal = DealFactory(owner=manager)

    [step] = deal_apply_model(actor=manager, deal=deal, model=model)

    assert step.responsible == teammate


def test_a_department_without_head_gives_the_step_to_its_first_active_member(
    manager, make_user
):
    department = Team.objects.create(name="Склад")
    make_user(role="service", team=department, is_active=False)
    storekeeper = make_user(role="service", team=department)
    model = SalesModelFactory()
    SalesModelStepFactory(model=model, responsible_team=department)
    deal = DealFactory(owner=manager)

    [step] = deal_apply_model(actor=manager, deal=deal, model=model)

    assert step.responsible == storekeeper


def test_applying_the_same_model_twice_is_refused_and_adds_nothing(manager, model):
    deal = DealFactory(owner=manager)
    deal_apply_model(actor=manager, deal=deal, model=model, start=START)

    with pytest.raises(DomainError) as error:
        deal_apply_model(actor=manager, deal=deal, model=model)

    assert error.value.field == "model_id"
    assert DealPlanStep.objects.filter(deal=deal).count() == 3
    assert Task.objects.count() == 3


def test_applying_again_adds_only_the_steps_the_model_gained(manager, model):
    deal = DealFactory(owner=manager)
    deal_apply_model(actor=manager, deal=deal, model=model, start=START)
    SalesModelStepFactory(model=model, position=4, title="Оплата", offset_days=20)

    added = deal_apply_model(actor=manager, deal=deal, model=model, start=START)

    assert [s.title for s in added] == ["Оплата"]
    assert added[0].position == 4
    assert DealPlanStep.objects.filter(deal=deal).count() == 4


def test_a_model_of_another_pipeline_is_refused(manager, model):
    model.pipeline = PipelineFactory()
    model.save()
    deal = DealFactory(owner=manager)

    with pytest.raises(DomainError) as error:
        deal_apply_model(actor=manager, deal=deal, model=model)

    assert error.value.field == "model_id"
    assert not DealPlanStep.objects.exists()


def test_a_closed_deal_gets_no_plan(manager, model):
    deal = DealFactory(owner=manager, status=DealStatus.WON)

    with pytest.raises(DomainError):
        deal_apply_model(actor=manager, deal=deal, model=model)

    assert not Task.objects.exists()


def test_someone_elses_deal_cannot_be_planned(manager, other_manager, model):
    deal = DealFactory(owner=other_manager)

    with pytest.raises(Forbidden):
        deal_apply_model(actor=manager, deal=deal, model=model)

    assert not DealPlanStep.objects.exists()


def test_a_bad_start_date_names_the_field(manager, model):
    deal = DealFactory(owner=manager)

    with pytest.raises(DomainError) as error:
        deal_apply_model(actor=manager, deal=deal, model=model, start="завтра")

    assert error.value.field == "start"
    assert not DealPlanStep.objects.exists()


def test_a_step_added_by_hand_gets_a_task_for_the_owner(manager):
    deal = DealFactory(owner=manager)

    step = plan_step_add(
        actor=manager, deal=deal, title="Демонстрация", due_date="2025-04-01"
    )

    assert step.responsible == manager
    assert step.due_date == dt.date(2025, 4, 1)
    assert step.model_step is None
    assert not step.is_required
    assert step.task.title.startswith("Демонстрация — ")
    assert AuditEntry.objects.filter(object_id=deal.pk, changes__has_key="plan_steps")


def test_a_step_added_by_hand_without_title_or_deadline_names_both(manager):
    deal = DealFactory(owner=manager)

    with pytest.raises(DomainError) as error:
        plan_step_add(actor=manager, deal=deal, title=" ", due_date="")

    assert set(error.value.all_errors) == {"title", "due_date"}
    assert not Task.objects.exists()


# --- statuses, and the task in step ---------------------------------------------------


def test_completing_a_step_completes_its_task(manager, model):
    deal = DealFactory(owner=manager)
    step = deal_apply_model(actor=manager, deal=deal, model=model)[0]

    plan_step_set_status(actor=manager, step=step, status="done")

    step.refresh_from_db()
    assert step.status == PlanStepStatus.DONE
    assert step.completed_at is not None
    assert Task.objects.get(pk=step.task_id).status == TaskStatus.DONE


def test_skipping_a_required_step_is_refused_and_changes_nothing(manager, model):
    deal = DealFactory(owner=manager)
    step = deal_apply_model(actor=manager, deal=deal, model=model)[0]

    with pytest.raises(DomainError) as error:
        plan_step_set_status(actor=manager, step=step, status="skipped")

    assert error.value.field == "status"
    assert "required" in str(error.value.message)
    step.refresh_from_db()
    assert step.status == PlanStepStatus.PLANNED
    assert Task.objects.get(pk=step.task_id).status == TaskStatus.OPEN


def test_skipping_an_optional_step_cancels_its_task(manager, model):
    deal = DealFactory(owner=manager)
    optional = deal_apply_model(actor=manager, deal=deal, model=model)[2]

    plan_step_set_status(actor=manager, step=optional, status="skipped")

    assert Task.objects.get(pk=optional.task_id).status == TaskStatus.CANCELLED


def test_completing_the_task_completes_the_step_and_reopening_reopens_it(
    manager, model
):
    deal = DealFactory(owner=manager)
    step = deal_apply_model(actor=manager, deal=deal, model=model)[0]
    task = Task.objects.get(pk=step.task_id)

    task_complete(actor=manager, task=task)
    step.refresh_from_db()
    assert step.status == PlanStepStatus.DONE

    task_reopen(actor=manager, task=task)
    step.refresh_from_db()
    assert step.status == PlanStepStatus.PLANNED
    assert step.completed_at is None

    task_update(actor=manager, task=task, status="in_progress")
    step.refresh_from_db()
    assert step.status == PlanStepStatus.IN_PROGRESS


def test_cancelling_the_task_of_a_required_step_is_refused(manager, model):
    deal = DealFactory(owner=manager)
    step = deal_apply_model(actor=manager, deal=deal, model=model)[0]
    task = Task.objects.get(pk=step.task_id)

    with pytest.raises(DomainError) as error:
        task_update(actor=manager, task=task, status="cancelled")

    assert error.value.field == "status"
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_the_responsible_from_another_department_may_complete_their_step(
    manager, lawyers, model
):
    deal = DealFactory(owner=manager)
    contract = deal_apply_model(actor=manager, deal=deal, model=model)[2]

    plan_step_set_status(actor=lawyers.head, step=contract, status="done")

    contract.refresh_from_db()
    assert contract.status == PlanStepStatus.DONE


def test_a_stranger_may_not_change_a_step(manager, other_manager, model):
    deal = DealFactory(owner=manager)
    step = deal_apply_model(actor=manager, deal=deal, model=model)[0]

    with pytest.raises(Forbidden):
        plan_step_set_status(actor=other_manager, step=step, status="done")


def test_an_unknown_status_names_the_field(manager, model):
    deal = DealFactory(owner=manager)
    step = deal_apply_model(actor=manager, deal=deal, model=model)[0]

    with pytest.raises(DomainError) as error:
        plan_step_set_status(actor=manager, step=step, status="almost")

    assert error.value.field == "status"


# --- editing models ----------------------------------------------------------------------


def test_a_head_creates_a_model_with_steps_in_order(head, lawyers):
    model = sales_model_create(
        actor=head,
        name="Тендер",
        steps=[
            {"title": "Заявка", "offset_days": 0},
            {"title": "Проверка", "responsible_team": lawyers.pk, "offset_days": "5"},
        ],
    )

    steps = list(model.steps.order_by("position"))
    assert [(s.title, s.position, s.offset_days) for s in steps] == [
        ("Заявка", 1, 0),
        ("Проверка", 2, 5),
    ]
    assert steps[1].responsible_team == lawyers
    assert model.created_by == head


def test_a_sales_manager_may_not_create_models(manager):
    with pytest.raises(Forbidden):
        sales_model_create(actor=manager, name="Моя модель")

    assert not SalesModel.objects.exists()


def test_bad_steps_are_all_named_and_nothing_is_saved(admin_user):
    with pytest.raises(DomainError) as error:
        sales_model_create(
            actor=admin_user,
            name="",
            steps=[
                {"title": "Звонок", "offset_days": -1},
                {"title": "", "responsible_role": "boss"},
            ],
        )

    assert set(error.value.all_errors) == {
        "name",
        "steps.0.offset_days",
        "steps.1.title",
        "steps.1.responsible_role",
    }
    assert not SalesModel.objects.exists()
    assert not SalesModelStep.objects.exists()


def test_a_step_cannot_name_a_role_and_a_department(admin_user, lawyers):
    model = SalesModelFactory()

    with pytest.raises(DomainError) as error:
        sales_model_step_add(
            actor=admin_user,
            model=model,
            title="Проверка",
            responsible_role="head",
            responsible_team=lawyers,
        )

    assert error.value.field == "responsible_team"


def test_updating_with_steps_keeps_changes_adds_and_removes(admin_user, model):
    first, second, third = model.steps.order_by("position")

    sales_model_update(
        actor=admin_user,
        model=model,
        name="Поставка (новая)",
        steps=[
            {"id": third.pk, "title": "Договор и счёт"},
            {"title": "Оплата", "offset_days": 15},
            {"id": first.pk},
        ],
    )

    steps = list(model.steps.order_by("position"))
    assert [(s.title, s.position) for s in steps] == [
        ("Договор и счёт", 1),
        ("Оплата", 2),
        ("Звонок", 3),
    ]
    assert steps[0].pk == third.pk
    assert not SalesModelStep.objects.filter(pk=second.pk).exists()
    model.refresh_from_db()
    assert model.name == "Поставка (новая)"


def test_steps_are_reordered_and_moved(admin_user, model):
    first, second, third = model.steps.order_by("position")

    sales_model_steps_reorder(
        actor=admin_user, model=model, step_ids=[third.pk, first.pk, second.pk]
    )
    assert list(model.steps.order_by("position").values_list("pk", flat=True)) == [
        third.pk,
        first.pk,
        second.pk,
    ]

    sales_model_step_move(actor=admin_user, step=second, direction="up")
    assert list(model.steps.order_by("position").values_list("pk", flat=True)) == [
        third.pk,
        second.pk,
        first.pk,
    ]


def test_reordering_must_name_every_step_once(admin_user, model):
    first, second, _third = model.steps.order_by("position")

    with pytest.raises(DomainError) as error:
        sales_model_steps_reorder(
            actor=admin_user, model=model, step_ids=[first.pk, second.pk]
        )

    assert error.value.field == "steps"


def test_an_applied_model_is_not_deleted(admin_user, manager, model):
    deal_apply_model(actor=manager, deal=DealFactory(owner=manager), model=model)

    with pytest.raises(DomainError):
        sales_model_delete(actor=admin_user, model=model)

    assert SalesModel.objects.filter(pk=model.pk).exists()


def test_a_model_never_applied_is_deleted(admin_user, model):
    sales_model_delete(actor=admin_user, model=model)

    assert not SalesModel.objects.filter(pk=model.pk).exists()
    assert not SalesModelStep.objects.exists()
