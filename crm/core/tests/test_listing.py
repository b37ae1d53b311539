from django.test import RequestFactory

from crm.core import listing
from crm.core.listing import Column, ListPage, ListSpec
from crm.customers.models import Company

SPEC = ListSpec(
    key="companies",
    title="Companies",
    columns=[Column("name", "Name", lambda c: c.name, sort="name")],
    default_columns=["name"],
    default_sort="name",
)


def page_of(user, query=""):
    request = RequestFactory().get(f"/companies/?{query}")
    request.user = user
    return ListPage(request, SPEC, Company.objects.all())


def test_a_long_list_counts_only_up_to_the_limit(monkeypatch, admin_user):
    monkeypatch.setattr(listing, "COUNT_LIMIT", 5)
    Company.objects.bulk_create(Company(name=f"Компания {i:02}") for i in range(8))

    page = page_of(admin_user)

    assert page.page.paginator.count == 5
    assert page.page.paginator.capped is True
    assert [c.name for c, _cells in page.rows][:2] == ["Компания 00", "Компания 01"]


def test_a_short_list_is_counted_exactly(monkeypatch, admin_user):
    monkeypatch.setattr(listing, "COUNT_LIMIT", 5)
    Company.objects.bulk_create(Company(name=f"Компания {i}") for i in range(3))

    page = page_of(admin_user, "sort=-name&page_size=50")

    assert page.page.paginator.count == 3
    assert page.page.paginator.capped is False
    assert [c.name for c, _cells in page.rows] == [
        "Компания 2",
        "Компания 1",
        "Компания 0",
    ]


def test_unknown_sort_and_page_fall_back_to_the_defaults(admin_user):
    Company.objects.create(name="Б")
    Company.objects.create(name="А")

    page = page_of(admin_user, "sort=password&page=99&cols=secret")

    assert page.sort == "name"
    assert page.page.number == 1
    assert page.column_keys == ["name"]
