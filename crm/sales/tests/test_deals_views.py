"""Pages of deals: the board, the list, the card with its composition, the forms,
the approvals page, and what deals add to client cards and the global search."""

import re
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.customers.tests.factories import CompanyFactory, ContactFactory
from crm.sales.models import (
    ApprovalRequest,
    ApprovalStatus,
    Deal,
    DealParticipant,
    DealStatus,
    LostReason,
    StageKind,
)
from crm.sales.services.deals import deal_line_add, deal_move_stage
from crm.sales.tests.factories import DealFactory, PriceListFactory, default_pipeline
from crm.sales.tests.factories_deals import (
    make_deal,
    open_stages,
    priced_product,
    stage,
)

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


def _queries(client, url) -> int:
    client.get(url)  # warm: caches of visibility rules and content types
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


# --- the board --------------------------------------------------------------------------


def test_the_board_shows_only_the_users_deals_with_counts_and_sums(
    signed_in, manager, other_manager
):
    # given
    first, second = open_stages()[:2]
    mine = make_deal(manager, title="Моя сделка", amount="1000.50")
    make_deal(manager, title="Вторая моя", amount="2000")
    deal_move_stage(actor=manager, deal=mine, stage=second)
    make_deal(other_manager, title="Чужая сделка", amount="99999")
    # when
    response = signed_in.get(f"/deals/board/{default_pipeline().pk}/")
    # then
    html = response.content.decode()
    assert "Моя сделка" in html
    assert "Вторая моя" in html
    assert "Чужая сделка" not in html
    header = re.search(
        rf'id="column-header-{first.pk}".*?</header>', html, re.DOTALL
    ).group(0)
    assert ">1</span>" in header
    assert "2,000.00 RUB" in header
    assert f'data-move-url="/deals/{mine.pk}/move/"' in html


def test_the_board_follows_the_users_language_for_money(client, make_user):
    user = make_user(role="sales", language="ru")
    make_deal(user, amount="1234567.5")
    client.force_login(user)
    html = client.get(f"/deals/board/{default_pipeline().pk}/").content.decode()
    assert "1\xa0234\xa0567,50 RUB" in html


def test_the_board_costs_the_same_queries_for_few_and_many_deals(
    signed_in, manager, django_assert_max_num_queries
):
    url = f"/deals/board/{default_pipeline().pk}/"
    DealFactory.create_batch(3, owner=manager)
    few = _queries(signed_in, url)
    DealFactory.create_batch(60, owner=manager)
    many = _queries(signed_in, url)
    assert many == few
    with django_assert_max_num_queries(12):
        signed_in.get(url)


def test_a_board_column_shows_50_cards_and_the_rest_on_demand(signed_in, manager):
    # given
    pipeline = default_pipeline()
    first = open_stages(pipeline)[0]
    DealFactory.create_batch(53, owner=manager)
    # when
    html = signed_in.get(f"/deals/board/{pipeline.pk}/").content.decode()
    # then
    assert html.count('class="card deal-card') == 50
    assert "Show 3 more" in html
    more = signed_in.get(
        f"/deals/board/{pipeline.pk}/stages/{first.pk}/?offset=50", **HTMX
    )
    assert more.content.decode().count('class="card deal-card') == 3


def test_the_board_redirects_to_the_default_pipeline(signed_in):
    response = signed_in.get("/deals/board/")
    assert response.url == f"/deals/board/{default_pipeline().pk}/"


def test_a_move_on_the_board_answers_with_both_column_headers(signed_in, manager):
    # given
    deal = make_deal(manager, amount="500")
    first, second = open_stages()[:2]
    # when
    response = signed_in.post(
        f"/deals/{deal.pk}/move/", {"stage": second.pk, "board": "1"}, **HTMX
    )
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="column-header-{first.pk}" hx-swap-oob="true"' in html
    assert f'id="column-header-{second.pk}" hx-swap-oob="true"' in html
    deal.refresh_from_db()
    assert deal.stage == second
    assert deal.stage_changes.count() == 2


def test_a_refused_move_on_the_board_says_why(signed_in, manager):
    deal = make_deal(manager)
    lost = stage(StageKind.LOST)
    response = signed_in.post(
        f"/deals/{deal.pk}/move/", {"stage": lost.pk, "board": "1"}, **HTMX
    )
    assert response.status_code == 422
    assert response.content.decode() == "Choose the reason the deal was lost."
    deal.refresh_from_db()
    assert deal.stage != lost


def test_reopening_on_the_board_without_the_right_is_refused_with_a_message(
    signed_in, manager
):
    deal = make_deal(manager)
    deal_move_stage(actor=manager, deal=deal, stage=stage(StageKind.WON))
    response = signed_in.post(
        f"/deals/{deal.pk}/move/", {"stage": open_stages()[0].pk, "board": "1"}, **HTMX
    )
    assert response.status_code == 403
    assert "head of department" in response.content.decode()
    deal.refresh_from_db()
    assert deal.status == DealStatus.WON


def test_someone_elses_deal_cannot_be_moved(signed_in, other_manager):
    deal = make_deal(other_manager)
    response = signed_in.post(
        f"/deals/{deal.pk}/move/", {"stage": open_stages()[1].pk, "board": "1"}, **HTMX
    )
    assert response.status_code == 404


def test_the_cards_move_form_loses_a_deal_with_a_reason(signed_in, manager):
    deal = make_deal(manager)
    reason = LostReason.objects.first()
    response = signed_in.post(
        f"/deals/{deal.pk}/move/",
        {
            "stage": stage(StageKind.LOST).pk,
            "lost_reason": reason.pk,
            "lost_comment": "Ушли к конкуренту",
            "version": deal.version,
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"/deals/{deal.pk}/"
    deal.refresh_from_db()
    assert deal.status == DealStatus.LOST
    assert "Ушли к конкуренту" in response.content.decode()


# --- the list ---------------------------------------------------------------------------


def test_the_list_filters_and_never_shows_hidden_deals(
    signed_in, manager, other_manager
):
    make_deal(manager, title="Маленькая", amount="100")
    make_deal(manager, title="Большая", amount="100000")
    make_deal(other_manager, title="Чужая", amount="100000")
    html = signed_in.get("/deals/?amount_min=1000&status=open").content.decode()
    assert "Большая" in html
    assert "Маленькая" not in html
    assert "Чужая" not in html


def test_the_list_costs_the_same_queries_for_few_and_many_deals(
    signed_in, manager, django_assert_max_num_queries
):
    DealFactory.create_batch(2, owner=manager)
    few = _queries(signed_in, "/deals/")
    DealFactory.create_batch(40, owner=manager)
    assert _queries(signed_in, "/deals/") == few
    with django_assert_max_num_queries(15):
        signed_in.get("/deals/")


# --- the card ---------------------------------------------------------------------------


def test_the_card_shows_the_composition_with_totals_and_history(signed_in, manager):
    deal = make_deal(
        manager, lines=[{"product": priced_product("1220.00"), "quantity": 2}]
    )
    deal_move_stage(actor=manager, deal=deal, stage=open_stages()[1])
    html = signed_in.get(f"/deals/{deal.pk}/").content.decode()
    assert 'id="deal-total">2,440.00 RUB' in html
    assert 'id="deal-total-vat">440.00 RUB' in html
    assert 'id="deal-stage-history"' in html
    assert open_stages()[1].name in html


def test_the_card_costs_the_same_queries_with_many_lines(
    signed_in, manager, django_assert_max_num_queries
):
    deal = make_deal(manager, lines=[{"product": priced_product(), "quantity": 1}])
    few = _queries(signed_in, f"/deals/{deal.pk}/")
    for _ in range(15):
        deal_line_add(actor=manager, deal=deal, product=priced_product(), quantity=1)
    assert _queries(signed_in, f"/deals/{deal.pk}/") == few
    with django_assert_max_num_queries(40):
        signed_in.get(f"/deals/{deal.pk}/")


def test_someone_elses_deal_is_404_on_every_page(signed_in, other_manager):
    deal = make_deal(other_manager)
    for url in (
        f"/deals/{deal.pk}/",
        f"/deals/{deal.pk}/edit/",
        f"/deals/{deal.pk}/delete/",
        f"/deals/{deal.pk}/lines/",
    ):
        assert signed_in.get(url).status_code == 404


def test_a_line_is_added_with_htmx_and_the_totals_follow(signed_in, manager):
    deal = make_deal(manager)
    product = priced_product("1220.00")
    response = signed_in.post(
        f"/deals/{deal.pk}/lines/",
        {"line-product": product.pk, "line-quantity": "3", "line-discount_percent": ""},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert product.name in html
    assert 'id="deal-total">3,660.00 RUB' in html
    assert 'id="deal-amount" hx-swap-oob="true">3,660.00 RUB' in html
    deal.refresh_from_db()
    assert deal.amount == D("3660.00")


def test_a_negative_quantity_is_shown_on_its_field_and_nothing_is_saved(
    signed_in, manager
):
    deal = make_deal(manager)
    response = signed_in.post(
        f"/deals/{deal.pk}/lines/",
        {"line-product": priced_product().pk, "line-quantity": "-1"},
        **HTMX,
    )
    html = response.content.decode()
    assert "Enter a quantity greater than zero." in html
    assert 'aria-invalid="true"' in html
    assert not deal.lines.exists()


def test_a_line_is_edited_in_place_and_removed(signed_in, manager):
    deal = make_deal(manager, lines=[{"product": priced_product(), "quantity": 1}])
    line = deal.lines.get()
    edit = signed_in.get(f"/deals/{deal.pk}/lines/{line.pk}/", **HTMX)
    assert 'id="line-edit-form"' in edit.content.decode()
    response = signed_in.post(
        f"/deals/{deal.pk}/lines/{line.pk}/",
        {
            f"line-{line.pk}-quantity": "4",
            f"line-{line.pk}-price": "100",
            f"line-{line.pk}-discount_percent": "0",
        },
        **HTMX,
    )
    assert response.status_code == 200, response.content.decode()
    line.refresh_from_db()
    assert (line.quantity, line.total_amount) == (D("4"), D("400.00"))
    signed_in.post(f"/deals/{deal.pk}/lines/{line.pk}/delete/", **HTMX)
    assert not deal.lines.exists()


def test_participants_are_added_on_the_card(signed_in, manager, other_manager):
    deal = make_deal(manager)
    contact = ContactFactory(curator=manager)
    signed_in.post(
        f"/deals/{deal.pk}/participants/",
        {
            "participant-side": "client",
            "participant-contact": contact.pk,
            "participant-role": "ЛПР",
        },
        **HTMX,
    )
    response = signed_in.post(
        f"/deals/{deal.pk}/participants/",
        {"participant-side": "ours", "participant-user": other_manager.pk},
        **HTMX,
    )
    assert other_manager.last_name in response.content.decode()
    assert DealParticipant.objects.filter(deal=deal).count() == 2


# --- forms ------------------------------------------------------------------------------


def test_a_deal_is_opened_from_a_company_card(signed_in, manager):
    company = CompanyFactory(curator=manager, name="ООО «Ромашка»")
    page = signed_in.get(f"/companies/{company.pk}/").content.decode()
    assert f"/deals/new/?company={company.pk}" in page
    form = signed_in.get(f"/deals/new/?company={company.pk}").content.decode()
    assert "ООО «Ромашка»" in form
    response = signed_in.post(
        "/deals/new/",
        {
            "title": "Поставка для Ромашки",
            "company": company.pk,
            "owner": manager.pk,
            "pipeline": default_pipeline().pk,
            "currency": "RUB",
            "amount": "250000",
        },
    )
    deal = Deal.objects.get(title="Поставка для Ромашки")
    assert response.url == f"/deals/{deal.pk}/"
    assert deal.company == company
    assert deal.amount == D("250000")
    card = signed_in.get(f"/companies/{company.pk}/").content.decode()
    assert "Поставка для Ромашки" in card


def test_a_contact_card_lists_their_deals(signed_in, manager):
    contact = ContactFactory(curator=manager)
    make_deal(manager, contact=contact, title="Частный заказ")
    html = signed_in.get(f"/contacts/{contact.pk}/").content.decode()
    assert "Частный заказ" in html


def test_a_stale_edit_is_refused_above_the_form(signed_in, manager):
    deal = make_deal(manager)
    data = {
        "title": "Новое имя",
        "company": deal.company_id,
        "owner": manager.pk,
        "pipeline": deal.pipeline_id,
        "currency": "RUB",
        "version": deal.version - 1 if deal.version > 1 else 0,
    }
    response = signed_in.post(f"/deals/{deal.pk}/edit/", data)
    assert response.status_code == 200
    assert "Someone else saved this record" in response.content.decode()
    assert Deal.objects.get(pk=deal.pk).title != "Новое имя"


def test_a_deal_is_moved_to_the_trash(signed_in, manager):
    deal = make_deal(manager)
    response = signed_in.post(f"/deals/{deal.pk}/delete/")
    assert response.url == "/deals/"
    assert Deal.all_objects.get(pk=deal.pk).deleted_at is not None


# --- search and approvals -----------------------------------------------------------------


def test_the_global_search_finds_the_users_deals_only(
    signed_in, manager, other_manager
):
    make_deal(manager, title="Турбина для ТЭЦ")
    make_deal(other_manager, title="Турбина для ГЭС")
    html = signed_in.get("/search/?q=турбина").content.decode()
    assert "Турбина для ТЭЦ" in html
    assert "Турбина для ГЭС" not in html


def test_the_approver_decides_on_the_approvals_page(client, manager, make_user, team):
    # given
    head = make_user(role="head", team=team)
    team.head = head
    team.save()
    deal = make_deal(manager, title="Скидочная")
    deal_line_add(
        actor=manager,
        deal=deal,
        product=priced_product(),
        quantity=1,
        discount_percent="20",
    )
    approval = ApprovalRequest.objects.get(deal=deal)
    client.force_login(head)
    # when
    page = client.get("/approvals/").content.decode()
    response = client.post(
        f"/approvals/{approval.pk}/decide/",
        {"decision-decision": "reject", "decision-comment": "Не больше 15 %"},
    )
    # then
    assert "Скидочная" in page
    assert response.url == f"/deals/{deal.pk}/"
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.REJECTED
    client.force_login(manager)
    card = client.get(f"/deals/{deal.pk}/").content.decode()
    assert "Не больше 15 %" in card
    assert "Ask for approval again" in card


def test_after_a_rejection_the_manager_asks_again_from_the_card(
    signed_in, manager, make_user, team
):
    head = make_user(role="head", team=team)
    team.head = head
    team.save()
    deal = make_deal(manager)
    deal_line_add(
        actor=manager,
        deal=deal,
        product=priced_product(),
        quantity=1,
        discount_percent="20",
    )
    first = ApprovalRequest.objects.get(deal=deal)
    first.status = ApprovalStatus.REJECTED
    first.decision_comment = "Нет"
    first.save()
    response = signed_in.post(
        f"/deals/{deal.pk}/approvals/request/",
        {"approval-comment": "Клиент берёт годовой объём"},
    )
    assert response.url == f"/deals/{deal.pk}/#deal-approvals"
    again = ApprovalRequest.objects.get(deal=deal, status=ApprovalStatus.PENDING)
    assert again.comment == "Клиент берёт годовой объём"
    assert again.approver == head


def test_the_product_picker_offers_products_with_the_deals_price(signed_in, manager):
    deal = make_deal(manager)
    priced_product("1220.00", name="Станок токарный")
    priced_product("10.00", name="Ключ гаечный")
    response = signed_in.get(
        f"/deals/{deal.pk}/products/", {"line-product_lookup": "станок"}
    )
    html = response.content.decode()
    assert "Станок токарный" in html
    assert "1,220.00 RUB" in html
    assert "Ключ гаечный" not in html


def test_the_form_takes_the_currency_of_the_chosen_price_list(signed_in, manager):
    dollars = PriceListFactory(currency="USD", name="Экспорт")
    company = CompanyFactory(curator=manager)
    signed_in.post(
        "/deals/new/",
        {
            "title": "Экспортная поставка",
            "company": company.pk,
            "owner": manager.pk,
            "pipeline": default_pipeline().pk,
            "price_list": dollars.pk,
            "currency": "RUB",
        },
    )
    assert Deal.objects.get(title="Экспортная поставка").currency == "USD"
