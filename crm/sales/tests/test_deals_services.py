"""Services of deals: opening, changing, composition lines, participants, stage moves
and their history."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from crm.activities.models import Activity
from crm.core.errors import Conflict, DomainError, Forbidden, NotFound
from crm.core.models import AuditEntry
from crm.customers.tests.factories import (
    CompanyFactory,
    ContactFactory,
    EmploymentFactory,
)
from crm.sales.models import (
    Deal,
    DealLine,
    DealParticipant,
    DealStageChange,
    DealStatus,
    LostReason,
    PriceList,
    StageKind,
)
from crm.sales.selectors.deals import deal_get, stage_history
from crm.sales.services.deals import (
    deal_create,
    deal_delete,
    deal_line_add,
    deal_line_remove,
    deal_line_update,
    deal_lines_set,
    deal_move_stage,
    deal_participant_add,
    deal_participant_remove,
    deal_update,
)
from crm.sales.tests.factories import (
    PipelineFactory,
    PriceListFactory,
    default_pipeline,
)
from crm.sales.tests.factories_deals import (
    make_deal,
    open_stages,
    priced_product,
    retail,
    stage,
)


def _error_fields(error: DomainError) -> set:
    return set(error.all_errors)


# --- opening a deal -----------------------------------------------------------------------


def test_a_new_deal_takes_the_defaults(manager):
    # given
    company = CompanyFactory(curator=manager)
    # when
    deal = deal_create(actor=manager, title="Поставка станков", company=company)
    # then
    pipeline = default_pipeline()
    first = open_stages(pipeline)[0]
    assert deal.owner == manager
    assert deal.pipeline == pipeline
    assert deal.stage == first
    assert deal.probability == first.probability
    assert deal.status == DealStatus.OPEN
    assert deal.price_list == retail()
    assert deal.currency == "RUB"
    assert deal.amount == D("0")
    change = DealStageChange.objects.get(deal=deal)
    assert change.from_stage is None
    assert change.to_stage == first
    assert change.changed_by == manager
    assert AuditEntry.objects.filter(object_id=deal.pk, action="create").exists()
    note = Activity.objects.get(company=company)
    assert "Поставка станков" in note.subject


def test_a_client_may_have_several_open_deals(manager):
    company = CompanyFactory(curator=manager)
    make_deal(manager, company=company, title="Станки")
    make_deal(manager, company=company, title="Сервис")
    assert Deal.objects.filter(company=company, status="open").count() == 2


def test_a_company_the_actor_cannot_see_is_not_found(manager, other_manager):
    hidden = CompanyFactory(curator=other_manager)
    with pytest.raises(NotFound):
        deal_create(actor=manager, title="Чужой клиент", company=hidden)
    assert not Deal.all_objects.exists()


def test_a_deal_needs_a_client_and_a_title(manager):
    with pytest.raises(DomainError) as error:
        deal_create(actor=manager, title="  ")
    assert _error_fields(error.value) == {"title", "company"}


def test_a_contact_alone_brings_their_main_company(manager):
    company = CompanyFactory(curator=manager)
    contact = ContactFactory(curator=manager)
    EmploymentFactory(contact=contact, company=company, is_primary=True)
    deal = deal_create(actor=manager, title="Лично", contact=contact)
    assert deal.company == company


def test_a_sales_manager_cannot_open_a_deal_for_someone_else(manager, other_manager):
    company = CompanyFactory(curator=manager)
    with pytest.raises(DomainError) as error:
        deal_create(
            actor=manager, title="Подарок", company=company, owner=other_manager
        )
    assert error.value.field == "owner"


def test_a_price_list_in_another_currency_than_the_deal_is_refused(manager):
    dollars = PriceListFactory(currency="USD")
    company = CompanyFactory(curator=manager)
    with pytest.raises(DomainError) as error:
        deal_create(
            actor=manager,
            title="Экспорт",
            company=company,
            price_list=dollars,
            currency="RUB",
        )
    assert error.value.field == "price_list"
    assert "USD" in error.value.message
    assert not Deal.all_objects.exists()


def test_the_deal_takes_the_currency_of_its_price_list(manager):
    dollars = PriceListFactory(currency="USD")
    deal = make_deal(manager, price_list=dollars)
    assert deal.currency == "USD"


def test_a_deal_opened_with_lines_has_their_total(manager):
    # given
    machine = priced_product("1220.00")
    service = priced_product("500.00", rate=None)
    # when
    deal = make_deal(
        manager,
        lines=[
            {"product": machine, "quantity": "2"},
            {"product": service.pk, "quantity": 1, "discount_percent": "10"},
        ],
    )
    # then
    lines = list(deal.lines.order_by("position"))
    assert [line.total_amount for line in lines] == [D("2440.00"), D("450.00")]
    assert [line.vat_amount for line in lines] == [D("440.00"), D("0.00")]
    assert lines[0].name == machine.name
    assert lines[0].unit == "шт"
    deal.refresh_from_db()
    assert deal.amount == D("2890.00")


def test_bad_lines_of_a_new_deal_are_named_and_nothing_is_saved(manager):
    product = priced_product()
    with pytest.raises(DomainError) as error:
        make_deal(
            manager,
            lines=[
                {"product": product, "quantity": 1},
                {"product": product, "quantity": "-2"},
                {"product": product, "quantity": 1, "discount_percent": "120"},
            ],
        )
    assert _error_fields(error.value) == {
        "lines.1.quantity",
        "lines.2.discount_percent",
    }
    assert not Deal.all_objects.exists()
    assert not DealLine.objects.exists()


# --- lines ----------------------------------------------------------------------------------


def test_a_line_takes_its_price_from_the_deals_price_list(manager):
    deal = make_deal(manager)
    product = priced_product("1220.00")
    line = deal_line_add(actor=manager, deal=deal, product=product, quantity="3")
    assert line.price == D("1220.00")
    assert (line.net_amount, line.vat_amount, line.total_amount) == (
        D("3000.00"),
        D("660.00"),
        D("3660.00"),
    )
    deal.refresh_from_db()
    assert deal.amount == D("3660.00")


def test_a_typed_price_wins_over_the_price_list(manager):
    deal = make_deal(manager)
    product = priced_product("1220.00")
    line = deal_line_add(
        actor=manager, deal=deal, product=product, quantity=1, price="1000"
    )
    assert line.total_amount == D("1000.00")


def test_an_item_without_a_price_in_the_list_needs_a_typed_price(manager):
    deal = make_deal(manager)
    unpriced = priced_product("1.00", price_list=PriceListFactory())
    with pytest.raises(DomainError) as error:
        deal_line_add(actor=manager, deal=deal, product=unpriced, quantity=1)
    assert error.value.field == "price"
    assert "enter a price" in error.value.message
    assert not deal.lines.exists()


@pytest.mark.parametrize("quantity", ["0", "-1", "-0.001"])
def test_zero_or_negative_quantities_are_refused_and_nothing_changes(manager, quantity):
    # given
    deal = make_deal(manager, lines=[{"product": priced_product(), "quantity": 1}])
    deal.refresh_from_db()
    version, amount = deal.version, deal.amount
    # when
    with pytest.raises(DomainError) as error:
        deal_line_add(
            actor=manager, deal=deal, product=priced_product(), quantity=quantity
        )
    # then
    assert error.value.field == "quantity"
    assert "greater than zero" in error.value.message
    deal.refresh_from_db()
    assert (deal.version, deal.amount, deal.lines.count()) == (version, amount, 1)


@pytest.mark.parametrize(
    ("discount", "field"), [("100.01", "discount_percent"), ("-5", "discount_percent")]
)
def test_discounts_outside_0_to_100_are_refused(manager, discount, field):
    deal = make_deal(manager)
    with pytest.raises(DomainError) as error:
        deal_line_add(
            actor=manager,
            deal=deal,
            product=priced_product(),
            quantity=1,
            discount_percent=discount,
        )
    assert error.value.field == field
    assert "0 to 100" in error.value.message
    assert not deal.lines.exists()


def test_a_price_list_in_another_currency_for_a_line_is_refused(manager):
    # given: a rouble deal and a dollar price list
    deal = make_deal(manager)
    dollars = PriceListFactory(currency="USD")
    product = priced_product("10.00", price_list=dollars)
    # when
    with pytest.raises(DomainError) as error:
        deal_line_add(
            actor=manager, deal=deal, product=product, quantity=1, price_list=dollars
        )
    # then
    assert error.value.field == "price_list"
    assert "USD" in error.value.message
    assert "RUB" in error.value.message
    assert not deal.lines.exists()


def test_lines_replaced_at_once_name_the_failing_line(manager):
    deal = make_deal(manager, lines=[{"product": priced_product(), "quantity": 1}])
    with pytest.raises(DomainError) as error:
        deal_lines_set(
            actor=manager,
            deal=deal,
            lines=[
                {"product": priced_product(), "quantity": 2},
                {"name": "Монтаж", "quantity": 1, "price": "-10"},
                {"name": "Доставка", "quantity": "0", "price": "10"},
            ],
        )
    assert _error_fields(error.value) == {"lines.1.price", "lines.2.quantity"}
    assert deal.lines.count() == 1


def test_changing_and_removing_lines_recomputes_the_deal(manager):
    # given
    product = priced_product("1220.00")
    deal = make_deal(manager, lines=[{"product": product, "quantity": 1}])
    line = deal.lines.get()
    # when
    deal_line_update(actor=manager, deal=deal, line=line, quantity="2")
    # then
    deal.refresh_from_db()
    assert deal.amount == D("2440.00")
    # when
    deal_line_remove(actor=manager, deal=deal, line=line)
    # then
    deal.refresh_from_db()
    assert deal.amount == D("0")
    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Deal), object_id=deal.pk
    )
    assert any("lines" in entry.changes for entry in entries)


def test_a_free_line_takes_the_default_vat_rate(manager):
    deal = make_deal(manager)
    line = deal_line_add(
        actor=manager, deal=deal, name="Монтаж", quantity="1", price="122"
    )
    assert line.vat_rate == D("22")
    assert line.vat_amount == D("22.00")


def test_vat_on_top_when_the_price_list_says_so(manager):
    net_list = PriceListFactory(prices_include_vat=False)
    product = priced_product("1000.00", price_list=net_list, rate=D("10"))
    deal = make_deal(manager, price_list=net_list)
    line = deal_line_add(actor=manager, deal=deal, product=product, quantity=1)
    assert (line.net_amount, line.vat_amount, line.total_amount) == (
        D("1000.00"),
        D("100.00"),
        D("1100.00"),
    )


def test_a_new_price_list_recomputes_the_lines_vat(manager):
    product = priced_product("1000.00")
    deal = make_deal(manager, lines=[{"product": product, "quantity": 1}])
    deal.refresh_from_db()
    deal_update(
        actor=manager,
        deal=deal,
        price_list=PriceListFactory(prices_include_vat=False),
    )
    deal.refresh_from_db()
    assert deal.amount == D("1220.00")


# --- changing a deal ------------------------------------------------------------------------


def test_a_stale_version_is_refused_and_the_first_save_stays(manager):
    deal = make_deal(manager)
    first = deal_get(actor=manager, deal_id=deal.pk)
    second = deal_get(actor=manager, deal_id=deal.pk)
    deal_update(actor=manager, deal=first, version=first.version, title="Первый")
    with pytest.raises(Conflict):
        deal_update(actor=manager, deal=second, version=second.version, title="Второй")
    assert Deal.objects.get(pk=deal.pk).title == "Первый"


def test_the_amount_is_typed_only_without_lines(manager):
    deal = make_deal(manager, amount="150000")
    assert deal.amount == D("150000")
    deal_line_add(actor=manager, deal=deal, product=priced_product("10"), quantity=1)
    deal.refresh_from_db()
    with pytest.raises(DomainError) as error:
        deal_update(actor=manager, deal=deal, amount="999")
    assert error.value.field == "amount"


def test_the_currency_cannot_change_under_priced_lines(manager):
    deal = make_deal(manager, lines=[{"product": priced_product(), "quantity": 1}])
    deal.refresh_from_db()
    with pytest.raises(DomainError) as error:
        deal_update(actor=manager, deal=deal, currency="USD")
    assert error.value.field == "currency"


def test_someone_elses_deal_cannot_be_changed(manager, other_manager):
    deal = make_deal(other_manager)
    with pytest.raises(Forbidden):
        deal_update(actor=manager, deal=deal, title="Моё")
    with pytest.raises(NotFound):
        deal_get(actor=manager, deal_id=deal.pk)


def test_a_deleted_deal_goes_to_the_trash(manager):
    deal = make_deal(manager)
    deal_delete(actor=manager, deal=deal)
    assert Deal.all_objects.get(pk=deal.pk).deleted_at is not None
    with pytest.raises(NotFound):
        deal_get(actor=manager, deal_id=deal.pk)


def test_a_new_pipeline_puts_the_deal_in_its_first_open_stage(manager):
    deal = make_deal(manager)
    tenders = PipelineFactory(name="Тендеры")
    deal_update(actor=manager, deal=deal, pipeline=tenders)
    deal.refresh_from_db()
    assert deal.pipeline == tenders
    assert deal.stage == open_stages(tenders)[0]
    assert deal.stage_changes.count() == 2


# --- stage moves --------------------------------------------------------------------------


def test_a_move_records_the_history_and_follows_the_stage(manager):
    # given
    deal = make_deal(manager)
    before = deal.stage
    target = open_stages()[2]
    # when
    deal_move_stage(actor=manager, deal=deal, stage=target)
    # then
    deal.refresh_from_db()
    assert deal.stage == target
    assert deal.probability == target.probability
    assert deal.status == DealStatus.OPEN
    change = deal.stage_changes.order_by("-changed_at", "-id").first()
    assert (change.from_stage, change.to_stage, change.changed_by) == (
        before,
        target,
        manager,
    )
    assert deal.stage_changed_at == change.changed_at


def test_time_in_each_stage_comes_from_the_history(manager):
    # given: created ten days ago, moved four days ago
    deal = make_deal(manager)
    deal_move_stage(actor=manager, deal=deal, stage=open_stages()[1])
    now = timezone.now()
    first, second = deal.stage_changes.order_by("id")
    DealStageChange.objects.filter(pk=first.pk).update(
        changed_at=now - dt.timedelta(days=10)
    )
    DealStageChange.objects.filter(pk=second.pk).update(
        changed_at=now - dt.timedelta(days=4, hours=3)
    )
    deal = Deal.objects.prefetch_related("stage_changes").get(pk=deal.pk)
    # when
    spans = stage_history(deal, now=now)
    # then
    assert [span.duration for span in spans] == [
        dt.timedelta(days=5, hours=21),
        dt.timedelta(days=4, hours=3),
    ]
    assert [span.is_current for span in spans] == [False, True]


def test_a_stage_of_another_pipeline_is_refused(manager):
    deal = make_deal(manager)
    other = open_stages(PipelineFactory())[1]
    with pytest.raises(DomainError) as error:
        deal_move_stage(actor=manager, deal=deal, stage=other)
    assert error.value.field == "stage"


def test_lost_without_a_reason_is_refused(manager):
    deal = make_deal(manager)
    with pytest.raises(DomainError) as error:
        deal_move_stage(actor=manager, deal=deal, stage=stage(StageKind.LOST))
    assert error.value.field == "lost_reason"
    deal.refresh_from_db()
    assert deal.status == DealStatus.OPEN
    assert deal.stage_changes.count() == 1


def test_lost_with_a_reason_closes_the_deal(manager):
    deal = make_deal(manager)
    reason = LostReason.objects.first()
    deal_move_stage(
        actor=manager,
        deal=deal,
        stage=stage(StageKind.LOST),
        lost_reason=reason,
        lost_comment="Дорого",
    )
    deal.refresh_from_db()
    assert deal.status == DealStatus.LOST
    assert deal.probability == 0
    assert deal.closed_at is not None
    assert (deal.lost_reason, deal.lost_comment) == (reason, "Дорого")


def test_won_sets_the_close_time_and_notes_it_on_the_timeline(manager):
    deal = make_deal(manager)
    deal_move_stage(actor=manager, deal=deal, stage=stage(StageKind.WON))
    deal.refresh_from_db()
    assert (deal.status, deal.probability) == (DealStatus.WON, 100)
    assert deal.closed_at is not None
    assert (
        Activity.objects.filter(
            company=deal.company, subject__contains=deal.title
        ).count()
        == 2
    )


@pytest.mark.parametrize("closed", [StageKind.WON, StageKind.LOST])
def test_a_closed_deal_moved_back_without_the_right_is_refused(manager, closed):
    # given
    deal = make_deal(manager)
    deal_move_stage(
        actor=manager,
        deal=deal,
        stage=stage(closed),
        lost_reason=LostReason.objects.first(),
    )
    # when
    with pytest.raises(Forbidden) as error:
        deal_move_stage(actor=manager, deal=deal, stage=open_stages()[0])
    # then
    assert "administrator or a head of department" in str(error.value.message)
    deal.refresh_from_db()
    assert deal.status == closed


@pytest.mark.parametrize("role", ["head", "admin"])
def test_heads_and_administrators_may_reopen(make_user, team, manager, role):
    # given
    reopener = make_user(role=role, team=team)
    deal = make_deal(manager)
    deal_move_stage(actor=manager, deal=deal, stage=stage(StageKind.WON))
    # when
    deal_move_stage(actor=reopener, deal=deal, stage=open_stages()[3])
    # then
    deal.refresh_from_db()
    assert deal.status == DealStatus.OPEN
    assert deal.closed_at is None
    assert deal.stage_changes.last().changed_by == reopener


# --- participants ---------------------------------------------------------------------------


def test_participants_on_both_sides_and_a_partner(manager, other_manager):
    # given
    deal = make_deal(manager)
    client = ContactFactory(curator=manager)
    partner_company = CompanyFactory(curator=manager, relation="partner")
    partner = ContactFactory(curator=manager)
    # when
    deal_participant_add(
        actor=manager, deal=deal, side="client", contact=client, role="ЛПР"
    )
    deal_participant_add(
        actor=manager, deal=deal, side="ours", user=other_manager, role="Инженер"
    )
    deal_participant_add(
        actor=manager,
        deal=deal,
        side="partner",
        contact_id=partner.pk,
        company_id=partner_company.pk,
        role="Интегратор",
    )
    # then
    sides = dict(DealParticipant.objects.filter(deal=deal).values_list("side", "role"))
    assert sides == {"client": "ЛПР", "ours": "Инженер", "partner": "Интегратор"}
    with pytest.raises(DomainError) as error:
        deal_participant_add(actor=manager, deal=deal, side="client", contact=client)
    assert error.value.field == "contact"
    participant = deal.participants.get(side="ours")
    deal_participant_remove(actor=manager, deal=deal, participant=participant)
    assert deal.participants.count() == 2


def test_a_participant_the_actor_cannot_see_is_not_found(manager, other_manager):
    deal = make_deal(manager)
    hidden = ContactFactory(curator=other_manager)
    with pytest.raises(NotFound):
        deal_participant_add(actor=manager, deal=deal, side="client", contact=hidden)


def test_each_side_names_its_missing_person(manager):
    deal = make_deal(manager)
    with pytest.raises(DomainError) as error:
        deal_participant_add(actor=manager, deal=deal, side="ours")
    assert error.value.field == "user"
    with pytest.raises(DomainError) as error:
        deal_participant_add(
            actor=manager,
            deal=deal,
            side="partner",
            contact=ContactFactory(curator=manager),
        )
    assert error.value.field == "company"


def test_the_default_price_list_is_the_migrations_rouble_list(db):
    # Guards the assumption of these tests about the reference data.
    assert PriceList.objects.get(is_default=True).currency == "RUB"
