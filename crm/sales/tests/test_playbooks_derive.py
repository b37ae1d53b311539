import datetime as dt
from decimal import Decimal

import pytest

from crm.core.errors import DomainError, Forbidden
from crm.sales.models import PlanStepStatus, SalesModel
from crm.sales.services.playbooks import (
    sales_model_create_from_proposal,
    sales_model_derive,
)
from crm.sales.tests.factories import PipelineFactory, default_pipeline
from crm.sales.tests.factories_playbooks import (
    DealPlanStepFactory,
    at,
    closed_deal,
    stage_of,
)

D = dt.date(2025, 2, 3)


def day(n: int) -> dt.date:
    return D + dt.timedelta(days=n)


def _won_with_plan(owner, steps, *, won=True, pipeline=None):
    """A deal won on day 20 whose plan started on D, with done steps (title, day)."""
    fields = {"pipeline": pipeline} if pipeline else {}
    deal = closed_deal(
        owner=owner, won=won, created=at(D), closed=at(day(20)), **fields
    )
    for position, (title, done_on) in enumerate(steps, start=1):
        DealPlanStepFactory(
            deal=deal,
            responsible=owner,
            title=title,
            position=position,
            started_on=D,
            due_date=day(done_on),
            status=PlanStepStatus.DONE,
            # 15:00 in Moscow: the day's fraction must not round up.
            completed_at=at(day(done_on), hour=15),
        )
    return deal


@pytest.fixture
def history(manager, other_manager):
    """Four won deals of the default pipeline: three with plans, one without."""
    pipeline = default_pipeline()
    _won_with_plan(manager, [("Звонок", 1), ("КП", 5), ("Договор", 10)])
    _won_with_plan(manager, [("звонок ", 2), ("КП", 7), ("Договор.", 12)])
    third = _won_with_plan(other_manager, [("Звонок", 1), ("КП", 4)])
    DealPlanStepFactory(
        deal=third,
        responsible=other_manager,
        title="Выставка",
        status=PlanStepStatus.SKIPPED,
    )
    closed_deal(
        owner=manager,
        won=True,
        created=at(D),
        closed=at(day(15)),
        path=[
            (stage_of(pipeline, position=2), at(day(3))),
            (stage_of(pipeline, position=4), at(day(9))),
        ],
    )
    # Neither a lost deal nor a deal of another pipeline teaches anything.
    _won_with_plan(manager, [("Звонок", 30), ("Отказ клиента", 31)], won=False)
    _won_with_plan(manager, [("Тендер", 3)], pipeline=PipelineFactory())
    return pipeline


def test_derive_proposes_steps_with_share_median_and_order(admin_user, history):
    proposal = sales_model_derive(actor=admin_user, pipeline=history)

    assert (proposal.deals, proposal.deals_with_plans) == (4, 3)
    rows = [
        (s.title, s.source, s.deals, s.share, s.median_days, s.offset_days)
        for s in proposal.steps
    ]
    assert rows == [
        ("Первичный контакт", "stage", 1, Decimal("0.250"), Decimal("0.0"), 0),
        ("Звонок", "plan", 3, Decimal("0.750"), Decimal("1.0"), 1),
        ("Коммерческое предложение", "stage", 1, Decimal("0.250"), Decimal("3.0"), 3),
        ("КП", "plan", 3, Decimal("0.750"), Decimal("5.0"), 5),
        ("Договор и счёт", "stage", 1, Decimal("0.250"), Decimal("9.0"), 9),
        ("Договор", "plan", 2, Decimal("0.500"), Decimal("11.0"), 11),
    ]
    suggested = [s.title for s in proposal.steps if s.suggested]
    assert suggested == ["Звонок", "КП", "Договор"]
    assert not any(s.required for s in proposal.steps)


def test_derive_counts_only_deals_won_since_a_day(admin_user, history):
    proposal = sales_model_derive(actor=admin_user, pipeline=history, since=day(16))

    assert proposal.deals == 3
    assert [s.title for s in proposal.steps] == ["Звонок", "КП", "Договор"]


def test_derive_learns_only_from_deals_the_actor_may_see(other_manager, history):
    proposal = sales_model_derive(actor=other_manager, pipeline=history)

    assert (proposal.deals, proposal.deals_with_plans) == (1, 1)
    assert [(s.title, s.share) for s in proposal.steps] == [
        ("Звонок", Decimal("1.000")),
        ("КП", Decimal("1.000")),
    ]
    assert all(s.required for s in proposal.steps)


def test_derive_without_won_deals_proposes_nothing(admin_user):
    proposal = sales_model_derive(actor=admin_user, pipeline=PipelineFactory())

    assert proposal.deals == 0
    assert proposal.steps == []


def test_derive_stays_within_a_few_queries(
    admin_user, history, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        sales_model_derive(actor=admin_user, pipeline=history)


def test_a_head_saves_the_kept_steps_as_a_model_ordered_by_deadline(
    make_user, team, history
):
    head = make_user(role="head", team=team)

    model = sales_model_create_from_proposal(
        actor=head,
        pipeline=history,
        name="Как мы продаём",
        steps=[
            {"title": "Договор", "offset_days": 11, "is_required": False},
            {"title": "Первый звонок", "offset_days": 1, "is_required": True},
            {"title": "КП", "offset_days": "5"},
        ],
    )

    assert model.derived_from_deals == 4
    assert model.pipeline == history
    assert [
        (s.title, s.offset_days, s.is_required)
        for s in model.steps.order_by("position")
    ] == [("Первый звонок", 1, True), ("КП", 5, True), ("Договор", 11, False)]


def test_saving_a_proposal_checks_each_row_and_saves_nothing_on_error(
    admin_user, history
):
    with pytest.raises(DomainError) as error:
        sales_model_create_from_proposal(
            actor=admin_user,
            pipeline=history,
            name="Модель",
            steps=[
                {"title": "Звонок", "offset_days": 1},
                {"title": "", "offset_days": -3},
            ],
        )

    assert set(error.value.all_errors) == {"steps.1.title", "steps.1.offset_days"}
    assert not SalesModel.objects.exists()


def test_saving_needs_won_deals_and_a_step(admin_user, history):
    with pytest.raises(DomainError) as error:
        sales_model_create_from_proposal(
            actor=admin_user, pipeline=PipelineFactory(), name="Пусто", steps=[{}]
        )
    assert error.value.field == "pipeline"

    with pytest.raises(DomainError) as error:
        sales_model_create_from_proposal(
            actor=admin_user, pipeline=history, name="Пусто", steps=[]
        )
    assert error.value.field == "steps"


def test_a_sales_manager_may_not_save_a_proposal(manager, history):
    with pytest.raises(Forbidden):
        sales_model_create_from_proposal(
            actor=manager, pipeline=history, name="Моя", steps=[{"title": "Звонок"}]
        )
