import datetime as dt

import pytest
from django.utils import timezone

from crm.accounts.models import Team
from crm.core.errors import DomainError, NotFound
from crm.core.models import Notification
from crm.sales import tasks
from crm.sales.models import DealStatus, PlanStepStatus
from crm.sales.selectors.playbooks import (
    PlanState,
    deal_plan,
    plan_overview,
    plan_step_get,
    plan_step_state,
)
from crm.sales.services.playbooks import plan_step_overdue_notices_send
from crm.sales.tests.factories import DealFactory
from crm.sales.tests.factories_playbooks import DealPlanStepFactory

TODAY = dt.date(2025, 3, 10)


def day(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


@pytest.fixture
def plans(manager, other_manager):
    """Steps in every state on the manager's deals, and one on a colleague's."""
    soon = DealFactory(owner=manager, title="Сделка А", expected_close_date=day(30))
    early = DealFactory(owner=manager, title="Сделка Б", expected_close_date=day(5))
    won = DealFactory(owner=manager, title="Выиграна", status=DealStatus.WON)
    theirs = DealFactory(owner=other_manager, title="Чужая")
    make = DealPlanStepFactory
    return {
        "overdue": make(deal=soon, responsible=manager, due_date=day(-1)),
        "due_soon": make(
            deal=soon,
            responsible=manager,
            due_date=day(3),
            status=PlanStepStatus.IN_PROGRESS,
        ),
        "fine": make(deal=soon, responsible=manager, due_date=day(4)),
        "after_close": make(deal=early, responsible=manager, due_date=day(6)),
        "done": make(
            deal=soon,
            responsible=manager,
            due_date=day(-5),
            status=PlanStepStatus.DONE,
        ),
        "closed_deal": make(deal=won, responsible=manager, due_date=day(-5)),
        "theirs": make(deal=theirs, responsible=other_manager, due_date=day(-2)),
        "mine_on_theirs": make(deal=theirs, responsible=manager, due_date=day(1)),
    }


def _ids(overview) -> set[int]:
    return {step.pk for step in overview.steps}


def test_the_overview_classifies_open_steps_of_open_deals(manager, plans):
    overview = plan_overview(actor=manager, today=TODAY)

    assert overview.counts == {"overdue": 1, "at_risk": 3, "fine": 1}
    assert _ids(overview) == {
        plans["overdue"].pk,
        plans["due_soon"].pk,
        plans["after_close"].pk,
        plans["mine_on_theirs"].pk,
    }
    states = {step.pk: step.state for step in overview.steps}
    assert states[plans["overdue"].pk] == PlanState.OVERDUE
    assert states[plans["due_soon"].pk] == PlanState.AT_RISK
    assert states[plans["after_close"].pk] == PlanState.AT_RISK


def test_the_at_risk_window_is_a_filter(manager, plans):
    overview = plan_overview(actor=manager, today=TODAY, filters={"days": 5})

    assert overview.counts == {"overdue": 1, "at_risk": 4, "fine": 0}


def test_one_state_can_be_listed(manager, plans):
    overview = plan_overview(actor=manager, today=TODAY, filters={"state": "fine"})

    assert _ids(overview) == {plans["fine"].pk}


def test_the_python_rule_agrees_with_the_overview(manager, plans):
    overview = plan_overview(
        actor=manager, today=TODAY, filters={"state": None, "days": 3}
    )

    for step in overview.steps:
        assert plan_step_state(step, deal=step.deal, today=TODAY) == step.state
    assert plan_step_state(plans["done"], deal=plans["done"].deal, today=TODAY) == ""


def test_a_head_sees_the_teams_steps_and_filters_by_manager(
    make_user, team, manager, other_manager, plans
):
    head = make_user(role="head", team=team)

    everything = plan_overview(actor=head, today=TODAY)
    theirs = plan_overview(
        actor=head, today=TODAY, filters={"manager": other_manager.pk}
    )

    assert plans["theirs"].pk in _ids(everything)
    assert everything.counts["overdue"] == 2
    assert _ids(theirs) == {plans["theirs"].pk, plans["mine_on_theirs"].pk}


def test_filters_by_team_pipeline_and_responsible(admin_user, manager, plans):
    elsewhere = Team.objects.create(name="Филиал")

    by_team = plan_overview(actor=admin_user, today=TODAY, filters={"team": elsewhere})
    by_pipeline = plan_overview(
        actor=admin_user,
        today=TODAY,
        filters={"pipeline": plans["overdue"].deal.pipeline_id},
    )
    by_responsible = plan_overview(
        actor=admin_user,
        today=TODAY,
        filters={"responsible": manager.pk, "group": "responsible"},
    )

    assert by_team.counts == {"overdue": 0, "at_risk": 0, "fine": 0}
    assert by_pipeline.counts["overdue"] == 2
    assert plans["theirs"].pk not in _ids(by_responsible)


def test_bad_filters_name_the_field(manager):
    for filters, name in (
        ({"days": "много"}, "days"),
        ({"state": "late"}, "state"),
        ({"group": "stage"}, "group"),
        ({"team": "x"}, "team"),
    ):
        with pytest.raises(DomainError) as error:
            plan_overview(actor=manager, filters=filters)
        assert error.value.field == name


def test_a_responsible_sees_their_step_but_not_the_deals_plan(
    manager, other_manager, plans
):
    step = plan_step_get(actor=manager, step_id=plans["mine_on_theirs"].pk)

    assert step.deal.title == "Чужая"
    with pytest.raises(NotFound):
        plan_step_get(actor=manager, step_id=plans["theirs"].pk)
    with pytest.raises(NotFound):
        deal_plan(actor=manager, deal=plans["theirs"].deal)


def test_the_overview_stays_within_a_few_queries(
    admin_user, plans, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        overview = plan_overview(actor=admin_user, today=TODAY)
        rows = [(s.deal.owner, s.responsible, s.deal.pipeline) for s in overview.steps]

    assert len(rows) == 5


# --- the daily notice -----------------------------------------------------------------


@pytest.fixture
def overdue_today(manager, other_manager):
    today = timezone.localdate()
    deal = DealFactory(owner=manager)
    for days in (1, 2):
        DealPlanStepFactory(
            deal=deal, responsible=manager, due_date=today - dt.timedelta(days=days)
        )
    DealPlanStepFactory(deal=deal, responsible=other_manager, due_date=today)
    DealPlanStepFactory(
        deal=deal,
        responsible=other_manager,
        due_date=today - dt.timedelta(days=3),
        status=PlanStepStatus.SKIPPED,
    )
    return today


def test_each_responsible_hears_of_their_overdue_steps_once_a_day(
    manager, overdue_today, smtp_sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sent = plan_step_overdue_notices_send(today=overdue_today)
    with django_capture_on_commit_callbacks(execute=True):
        again = tasks.playbooks.plan_step_overdue_notices_deliver.call_local()

    assert (sent, again) == (1, 0)
    notice = Notification.objects.get()
    assert notice.user == manager
    assert notice.title == "2 steps of deal plans are overdue."
    assert notice.url.startswith("/playbooks/overview/?")
    assert f"responsible={manager.pk}" in notice.url
    assert len(smtp_sink.messages) == 1
    assert smtp_sink.messages[0]["to"] == [manager.email]


def test_the_next_day_brings_a_new_notice(manager, overdue_today):
    plan_step_overdue_notices_send(today=overdue_today)
    Notification.objects.update(created_at=timezone.now() - dt.timedelta(days=1))

    sent = plan_step_overdue_notices_send(today=overdue_today)

    assert sent == 1
    assert Notification.objects.filter(user=manager).count() == 2


def test_the_notice_job_runs_once_a_day():
    job = tasks.playbooks.plan_step_overdue_notices_deliver.task_class()
    midnight = dt.datetime(2025, 3, 10)

    runs = [
        minute
        for minute in range(24 * 60)
        if job.validate_datetime(midnight + dt.timedelta(minutes=minute))
    ]

    assert len(runs) == 1
