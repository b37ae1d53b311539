import datetime as dt

import pytest
from django.utils import timezone

from crm.core.errors import DomainError, NotFound
from crm.core.models import CustomField
from crm.customers import selectors, services
from crm.customers.tests.factories import (
    CompanyCategoryFactory,
    CompanyFactory,
    ContactFactory,
    ContactPointFactory,
    EmploymentFactory,
    IndustryFactory,
    SalesChannelFactory,
    SourceFactory,
    TagFactory,
    valid_inn,
)


@pytest.mark.parametrize(
    ("role", "sees_own", "sees_team_mates", "sees_outsiders"),
    [
        ("sales", True, False, False),
        ("head", True, True, False),
        ("admin", True, True, True),
        ("marketer", True, True, True),
        ("service", True, True, True),
        ("readonly", True, True, True),
    ],
)
def test_who_sees_which_companies_and_contacts(
    make_user, team, role, sees_own, sees_team_mates, sees_outsiders
):
    # given
    actor = make_user(role=role, team=team)
    mate = make_user(role="sales", team=team)
    outsider = make_user(role="sales")
    own = CompanyFactory(curator=actor)
    mates = CompanyFactory(curator=mate)
    outsiders = CompanyFactory(curator=outsider)
    own_contact = ContactFactory(curator=actor)
    mates_contact = ContactFactory(curator=mate)
    outsiders_contact = ContactFactory(curator=outsider)
    # when
    companies = set(selectors.company_list(actor=actor))
    contacts = set(selectors.contact_list(actor=actor))
    # then
    assert (own in companies, mates in companies, outsiders in companies) == (
        sees_own,
        sees_team_mates,
        sees_outsiders,
    )
    assert (
        own_contact in contacts,
        mates_contact in contacts,
        outsiders_contact in contacts,
    ) == (sees_own, sees_team_mates, sees_outsiders)


def test_a_hidden_company_and_a_missing_one_are_equally_not_found(
    manager, other_manager
):
    hidden = CompanyFactory(curator=other_manager)
    for company_id in (hidden.pk, 999_999, "abc"):
        with pytest.raises(NotFound):
            selectors.company_get(actor=manager, company_id=company_id)
        with pytest.raises(NotFound):
            selectors.company_card(actor=manager, company_id=company_id)
    with pytest.raises(NotFound):
        selectors.contact_get(
            actor=manager, contact_id=ContactFactory(curator=other_manager).pk
        )


def test_a_company_in_the_trash_is_not_found(manager):
    company = services.company_create(actor=manager, name="Альфа")
    services.company_delete(actor=manager, company=company)
    with pytest.raises(NotFound):
        selectors.company_get(actor=manager, company_id=company.pk)
    assert not selectors.company_list(actor=manager).exists()


def test_company_filters(manager, other_manager):
    # given
    industry, category = IndustryFactory(), CompanyCategoryFactory()
    source, channel = SourceFactory(), SalesChannelFactory()
    vip, key = TagFactory(name="vip"), TagFactory(name="key")
    holding = CompanyFactory(curator=manager, name="Холдинг", relation="partner")
    CompanyFactory(
        curator=manager,
        name="Альфа",
        industry=industry,
        category=category,
        region="Москва",
        tags=[vip, key],
        parent=holding,
    )
    CompanyFactory(
        curator=manager,
        name="Бета",
        source=source,
        sales_channel=channel,
        email="b@beta.ru",
        tags=[key],
    )
    c = CompanyFactory(curator=manager, name="Гамма")
    ContactPointFactory(company=c, kind="phone", value="+74951234567")

    def names(**filters):
        return {x.name for x in selectors.company_list(actor=manager, filters=filters)}

    # then
    assert names(industry=industry) == {"Альфа"}
    assert names(industry=industry.pk) == {"Альфа"}
    assert names(category=category.pk) == {"Альфа"}
    assert names(source=source.pk) == {"Бета"}
    assert names(sales_channel=channel) == {"Бета"}
    assert names(region="Москва") == {"Альфа"}
    assert names(relation="partner") == {"Холдинг"}
    assert names(parent=holding.pk) == {"Альфа"}
    assert names(tags=[vip.pk]) == {"Альфа"}
    assert names(tags=[vip.pk, key.pk]) == {"Альфа", "Бета"}  # any of, no duplicates
    assert len(selectors.company_list(actor=manager, filters={"tags": [vip, key]})) == 2
    assert names(has_email=True) == {"Бета"}
    assert names(has_phone=True) == {"Гамма"}
    assert names(has_phone=False) == {"Холдинг", "Альфа", "Бета"}
    assert names(curator=manager.pk) == {"Холдинг", "Альфа", "Бета", "Гамма"}
    assert names(curator=other_manager.pk) == set()


def test_created_from_and_to_are_whole_days_in_the_users_zone(manager):
    old = CompanyFactory(curator=manager, name="Старая")
    old.created_at = timezone.now() - dt.timedelta(days=10)
    old.save()
    CompanyFactory(curator=manager, name="Новая")
    today = timezone.localdate()

    def names(**filters):
        return {x.name for x in selectors.company_list(actor=manager, filters=filters)}

    assert names(created_from=today) == {"Новая"}
    assert names(created_to=today - dt.timedelta(days=5)) == {"Старая"}
    assert names(created_from=today, created_to=today) == {"Новая"}


def test_custom_field_filters(manager):
    CustomField.objects.create(
        entity="contact", key="vip", label_en="VIP", label_ru="VIP", kind="boolean"
    )
    CustomField.objects.create(
        entity="contact", key="hobby", label_en="Hobby", label_ru="Хобби", kind="text"
    )
    ContactFactory(curator=manager, first_name="Да", custom_fields={"vip": True})
    ContactFactory(
        curator=manager,
        first_name="Нет",
        custom_fields={"vip": False, "hobby": "Шахматы"},
    )

    def names(**custom):
        return {
            x.first_name
            for x in selectors.contact_list(actor=manager, filters={"custom": custom})
        }

    assert names(vip="1") == {"Да"}
    assert names(vip="0") == {"Нет"}
    assert names(hobby="Шахм") == {"Нет"}
    with pytest.raises(DomainError) as caught:
        names(unknown="x")
    assert caught.value.field == "custom_fields.unknown"


def test_search_by_name_email_phone_and_inn(manager):
    # given
    company = services.company_create(
        actor=manager,
        name="ООО «Ромашка»",
        inn=valid_inn(77),
        email="info@romashka.ru",
        phone="+7 916 123-45-67",
        phones=[{"label": "склад", "value": "+7 495 765 43 21"}],
    )
    services.company_create(actor=manager, name="Лютик")

    def found(query):
        return [
            c.pk for c in selectors.company_list(actor=manager, filters={"q": query})
        ]

    # then
    assert found("ромаш") == [company.pk]
    assert found("Ромашка ООО") == [company.pk]
    assert found("info@romashka") == [company.pk]
    assert found("+7 916 123 45") == [company.pk]
    assert found("916 123 45 67") == [company.pk]
    assert found("495 765") == [company.pk]
    assert found(company.inn) == [company.pk]
    assert found("василёк") == []


def test_search_text_follows_changes(manager):
    company = services.company_create(actor=manager, name="Ромашка")
    services.company_update(actor=manager, company=company, name="Василёк")
    assert not selectors.company_list(actor=manager, filters={"q": "ромашка"}).exists()
    assert selectors.company_list(actor=manager, filters={"q": "василек"}).exists()


def test_global_search_helpers_return_few_sorted_hits(manager, other_manager):
    for name in ("Ромашка Б", "Ромашка А", "Ромашка В"):
        services.company_create(actor=manager, name=name)
    CompanyFactory(curator=other_manager, name="Ромашка Чужая")
    hits = selectors.company_search(actor=manager, query="ромашка", limit=2)
    assert len(hits) == 2
    assert hits == sorted(hits, key=lambda c: c.name)
    assert all(c.curator_id == manager.pk for c in hits)
    assert selectors.company_search(actor=manager, query="р", limit=5) == []


def test_contact_list_carries_places_of_work_in_visible_companies_only(
    manager, other_manager
):
    contact = ContactFactory(curator=manager)
    EmploymentFactory(
        contact=contact, company=CompanyFactory(curator=manager, name="A")
    )
    EmploymentFactory(
        contact=contact,
        company=CompanyFactory(curator=other_manager, name="B"),
        is_primary=False,
    )
    [row] = selectors.contact_list(actor=manager)
    assert [e.company.name for e in row.card_employments] == ["A"]


def test_contact_list_filters_by_company(manager):
    company = CompanyFactory(curator=manager)
    inside = ContactFactory(curator=manager)
    ContactFactory(curator=manager)
    EmploymentFactory(contact=inside, company=company)
    assert list(
        selectors.contact_list(actor=manager, filters={"company": company.pk})
    ) == [inside]


def test_company_card_leaves_out_hidden_contacts_branches_and_parent(
    manager, other_manager
):
    parent = CompanyFactory(curator=other_manager)
    company = CompanyFactory(curator=manager, parent=parent)
    CompanyFactory(curator=other_manager, parent=company)
    visible_branch = CompanyFactory(curator=manager, parent=company)
    EmploymentFactory(company=company, contact=ContactFactory(curator=other_manager))
    shown = EmploymentFactory(company=company, contact=ContactFactory(curator=manager))
    card = selectors.company_card(actor=manager, company_id=company.pk)
    assert card.card_parent is None
    assert card.card_branches == [visible_branch]
    assert card.card_employments == [shown]


def test_tag_and_reference_lists(manager, admin_user):
    TagFactory(name="Ключевой")
    TagFactory(name="vip")
    assert [t.name for t in selectors.tag_list(actor=manager, q="клю")] == ["Ключевой"]
    assert [t.name for t in selectors.tag_list(actor=manager, q="VI")] == ["vip"]
    active = services.reference_item_create(
        actor=admin_user, kind="sources", name_en="Web"
    )
    retired = services.reference_item_create(
        actor=admin_user, kind="sources", name_en="Fair"
    )
    services.reference_item_deactivate(actor=admin_user, item=retired)
    assert list(selectors.reference_item_list(actor=manager, kind="sources")) == [
        active
    ]
    assert set(
        selectors.reference_item_list(
            actor=manager, kind="sources", include_inactive=True
        )
    ) == {active, retired}
    with pytest.raises(NotFound):
        selectors.reference_item_list(actor=manager, kind="nonsense")


def test_tag_usage_counts(manager):
    tag = TagFactory()
    CompanyFactory(curator=manager, tags=[tag])
    CompanyFactory(curator=manager, tags=[tag])
    ContactFactory(curator=manager, tags=[tag])
    row = selectors.tag_usage_list(actor=manager).get(pk=tag.pk)
    assert (row.company_count, row.contact_count) == (2, 1)
