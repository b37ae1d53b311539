"""Who sees which documents: they follow their deal (own / team / all per role)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from crm.sales.selectors.documents import (
    deal_documents,
    document_get,
    document_list,
    payment_list,
    sale_list,
)
from crm.sales.services.documents import (
    invoice_issue,
    order_issue,
    payment_record,
    proposal_issue,
    sale_record,
)
from crm.sales.tests.factories_documents import OwnCompanyFactory, deal_with_lines


@pytest.fixture
def documents(manager, make_user):
    """A deal of `manager` (team «Отдел продаж») with each kind of document."""
    OwnCompanyFactory()
    deal = deal_with_lines(manager)
    invoice = invoice_issue(actor=manager, deal=deal)
    payment_record(actor=manager, invoice=invoice, amount="10")
    order = order_issue(actor=manager, deal=deal)
    sale_record(actor=manager, order=order)
    proposal_issue(actor=manager, deal=deal)
    return deal


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("owner", True),
        ("team_mate", False),
        ("head_of_team", True),
        ("head_elsewhere", False),
        ("admin", True),
        ("readonly", True),
        ("marketer", False),
    ],
)
def test_documents_follow_the_visibility_of_their_deal(
    documents, manager, other_manager, make_user, team, who, sees
):
    from crm.accounts.models import Team

    actors = {
        "owner": manager,
        "team_mate": other_manager,
        "head_of_team": make_user(role="head", team=team),
        "head_elsewhere": make_user(
            role="head", team=Team.objects.create(name="Сервис")
        ),
        "admin": make_user(role="admin"),
        "readonly": make_user(role="readonly"),
        "marketer": make_user(role="marketer"),
    }
    actor = actors[who]
    expected = 1 if sees else 0

    for kind in ("proposal", "order", "invoice"):
        assert document_list(actor=actor, kind=kind).count() == expected, kind
    assert sale_list(actor=actor).count() == expected


def test_a_hidden_document_is_as_missing_as_a_deleted_one(documents, other_manager):
    from crm.core.errors import NotFound

    invoice = documents.invoices.get()
    with pytest.raises(NotFound):
        document_get(actor=other_manager, kind="invoice", document_id=invoice.pk)
    with pytest.raises(NotFound):
        document_get(actor=other_manager, kind="invoice", document_id="abc")
    with pytest.raises(NotFound):
        payment_list(actor=other_manager, invoice_id=invoice.pk)


def test_documents_of_a_deal_in_the_trash_are_hidden(documents, manager):
    documents.deleted_at = timezone.now()
    documents.save()
    for kind in ("proposal", "order", "invoice"):
        assert not document_list(actor=manager, kind=kind).exists()
    assert not sale_list(actor=manager).exists()


def test_the_deal_panel_reads_in_a_few_queries(
    documents, manager, django_assert_max_num_queries
):
    for _ in range(3):
        invoice_issue(actor=manager, deal=documents)
    with django_assert_max_num_queries(4):
        data = deal_documents(actor=manager, deal=documents)
        [str(i.company) for i in data["invoices"]]
    assert len(data["invoices"]) == 4
    assert len(data["orders"]) == 1
    assert len(data["proposals"]) == 1
