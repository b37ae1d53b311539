"""Reads of deals with visibility applied once: who sees which deals on every list
(list, board, search, client panel, approvals), table-driven by role."""

import pytest

from crm.core.errors import NotFound
from crm.customers.tests.factories import CompanyFactory
from crm.sales.models import ApprovalRequest
from crm.sales.selectors.deals import (
    approval_list,
    client_deals,
    deal_board,
    deal_get,
    deal_list,
    deal_search,
)
from crm.sales.services.deals import deal_create, deal_line_add
from crm.sales.tests.factories import default_pipeline
from crm.sales.tests.factories_deals import make_deal, priced_product


@pytest.fixture
def people(make_user, team, manager, other_manager, admin_user):
    """A sales team (two managers and their head), an outsider, an administrator
    and a read-only user."""
    head = make_user(role="head", team=team)
    team.head = head
    team.save()
    return {
        "manager": manager,
        "other_manager": other_manager,
        "head": head,
        "outsider": make_user(role="sales"),
        "admin": admin_user,
        "readonly": make_user(role="readonly"),
    }


@pytest.fixture
def deals(people):
    company = CompanyFactory(curator=people["manager"])
    return {
        "manager": make_deal(people["manager"], title="Альфа станки", company=company),
        "other_manager": make_deal(people["other_manager"], title="Бета станки"),
        "outsider": make_deal(people["outsider"], title="Гамма станки"),
    }


SEES = {
    "manager": {"manager"},
    "other_manager": {"other_manager"},
    "head": {"manager", "other_manager"},
    "outsider": {"outsider"},
    "admin": {"manager", "other_manager", "outsider"},
    "readonly": {"manager", "other_manager", "outsider"},
}


def _owners(found, deals) -> set:
    by_pk = {deal.pk: owner for owner, deal in deals.items()}
    return {by_pk[deal.pk] for deal in found}


@pytest.mark.parametrize("who", sorted(SEES))
def test_each_role_sees_its_deals_on_every_list(people, deals, who):
    actor = people[who]
    assert _owners(deal_list(actor=actor), deals) == SEES[who]
    board = deal_board(actor=actor, pipeline=default_pipeline())
    cards = [card for column in board.columns for card in column.cards]
    assert _owners(cards, deals) == SEES[who]
    assert sum(column.count for column in board.columns) == len(SEES[who])
    assert _owners(deal_search(actor=actor, query="станки"), deals) == SEES[who]
    for owner, deal in deals.items():
        if owner in SEES[who]:
            assert deal_get(actor=actor, deal_id=deal.pk) == deal
        else:
            with pytest.raises(NotFound):
                deal_get(actor=actor, deal_id=deal.pk)


def test_a_client_panel_lists_only_visible_open_deals(people, deals):
    company = deals["manager"].company
    deal_create(
        actor=people["head"],
        owner=people["other_manager"],
        title="Тоже для клиента",
        company=company,
    )
    found, count = client_deals(
        actor=people["manager"], entity="company", client=company
    )
    assert [d.title for d in found] == ["Альфа станки"]
    assert count == 1
    found, count = client_deals(actor=people["head"], entity="company", client=company)
    assert count == 2


def test_approvals_are_seen_by_the_approver_the_requester_and_who_sees_the_deal(
    people, deals
):
    deal_line_add(
        actor=people["manager"],
        deal=deals["manager"],
        product=priced_product(),
        quantity=1,
        discount_percent="30",
    )
    approval = ApprovalRequest.objects.get()
    assert list(approval_list(actor=people["head"], filters={"awaiting_me": True})) == [
        approval
    ]
    assert list(approval_list(actor=people["manager"])) == [approval]
    assert not approval_list(actor=people["other_manager"]).exists()
    assert not approval_list(
        actor=people["manager"], filters={"awaiting_me": True}
    ).exists()


def test_the_board_sums_per_currency(people):
    manager = people["manager"]
    make_deal(manager, amount="100")
    make_deal(manager, amount="250.50")
    board = deal_board(actor=manager, pipeline=default_pipeline())
    first = board.columns[0]
    assert first.count == 2
    assert str(first.sums["RUB"]) == "350.50"
