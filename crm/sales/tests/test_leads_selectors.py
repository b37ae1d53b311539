import pytest

from crm.customers.tests.factories import (
    CompanyFactory,
    ContactFactory,
    ContactPointFactory,
    LegalFormFactory,
    valid_inn,
)
from crm.sales.selectors.leads import (
    lead_list,
    lead_similar,
    normalise_company_name,
)
from crm.sales.tests.factories import LeadFactory


def _names(matches):
    return [m.obj.name if hasattr(m.obj, "name") else m.obj.full_name for m in matches]


def test_names_are_compared_without_legal_forms_quotes_and_case():
    assert normalise_company_name("ООО «Ромашка»") == "ромашка"
    assert normalise_company_name(
        'Общество с ограниченной ответственностью "Ромашка"'
    ) == ("ромашка")
    assert normalise_company_name("Romashka LLC") == "romashka"
    assert normalise_company_name("АО  Ёлка-Палка") == "елка палка"


def test_similar_company_by_inn_email_phone_and_close_name(manager):
    # given
    inn = valid_inn(7)
    by_inn = CompanyFactory(curator=manager, name="Совсем другое имя", inn=inn)
    by_email = CompanyFactory(
        curator=manager, name="Альфа", inn="", email="info@romashka.ru"
    )
    by_point = CompanyFactory(curator=manager, name="Бета", inn="")
    ContactPointFactory(company=by_point, kind="phone", value="+79161234567")
    by_name = CompanyFactory(curator=manager, name="Ромашкa", inn="")  # a Latin "a"
    close = CompanyFactory(curator=manager, name='ЗАО "Ромашка"', inn="")
    CompanyFactory(curator=manager, name="Ромб", inn="")  # not close
    lead = LeadFactory(
        owner=manager,
        company_name="ООО «Ромашка»",
        inn=inn,
        email="info@romashka.ru",
        phone="+79161234567",
    )
    # when
    similar = lead_similar(actor=manager, lead=lead)
    # then
    found = {m.obj.pk: m.reasons for m in similar.companies}
    assert found[by_inn.pk] == ["the same INN"]
    assert found[by_email.pk] == ["the same e-mail"]
    assert found[by_point.pk] == ["the same phone"]
    assert found[close.pk] == ["a similar name (100 %)"]
    assert found[by_name.pk][0].startswith("a similar name")
    assert len(found) == 5


def test_similar_contacts_by_email_phone_and_close_name(manager):
    by_email = ContactFactory(curator=manager, email="Petr@romashka.ru")
    by_phone = ContactFactory(curator=manager, phone="+79161234567")
    by_name = ContactFactory(curator=manager, last_name="Иванов", first_name="Пётр")
    typo = ContactFactory(curator=manager, last_name="Иваноф", first_name="Петр")
    ContactFactory(curator=manager, last_name="Иванов", first_name="Сергей")
    lead = LeadFactory(
        owner=manager,
        last_name="Иванов",
        first_name="Пётр",
        email="petr@romashka.ru",
        phone="+79161234567",
    )
    similar = lead_similar(actor=manager, lead=lead)
    found = {m.obj.pk for m in similar.contacts}
    assert found == {by_email.pk, by_phone.pk, by_name.pk, typo.pk}


def test_similar_records_are_only_those_the_actor_sees(manager, other_manager):
    inn = valid_inn(9)
    CompanyFactory(curator=other_manager, name="Ромашка", inn=inn)
    ContactFactory(curator=other_manager, email="petr@romashka.ru")
    lead = LeadFactory(
        owner=manager, company_name="Ромашка", inn=inn, email="petr@romashka.ru"
    )
    assert not lead_similar(actor=manager, lead=lead)
    assert lead_similar(actor=other_manager, lead=lead)


def test_legal_forms_of_the_settings_are_left_out_too(manager):
    LegalFormFactory(name_ru="Сельскохозяйственный кооператив", short_name="СПК")
    company = CompanyFactory(curator=manager, name="СПК Рассвет", inn="")
    lead = LeadFactory(owner=manager, company_name="Рассвет")
    assert [m.obj for m in lead_similar(actor=manager, lead=lead).companies] == [
        company
    ]


def test_lead_list_filters(manager, make_user):
    # given
    new = LeadFactory(owner=manager, region="Тула", status="new")
    LeadFactory(owner=manager, region="Омск", status="rejected")
    # then
    assert list(lead_list(actor=manager, filters={"status": "new"})) == [new]
    assert list(lead_list(actor=manager, filters={"region": "тула"})) == [new]
    assert list(
        lead_list(actor=manager, filters={"status": ["new"], "q": "лидов"})
    ) == [new]
    admin = make_user(role="admin")
    unassigned = LeadFactory(owner=None)
    assert list(lead_list(actor=admin, filters={"owner": "none"})) == [unassigned]


def test_lead_list_query_count_does_not_grow(manager, django_assert_max_num_queries):
    for _ in range(30):
        LeadFactory(owner=manager)
    # One for the page, one for the visibility rules (cached afterwards).
    with django_assert_max_num_queries(2):
        rows = list(lead_list(actor=manager))
        for lead in rows:
            str(lead.owner), str(lead.source), str(lead.industry)
    assert len(rows) == 30


@pytest.mark.parametrize("role", ["admin", "head"])
def test_heads_and_administrators_see_more(make_user, team, manager, role):
    LeadFactory(owner=manager)
    viewer = make_user(role=role, team=team)
    assert lead_list(actor=viewer).count() == 1


def test_similar_search_costs_the_same_queries_for_many_records(
    manager, django_assert_max_num_queries
):
    for n in range(40):
        company = CompanyFactory(curator=manager, name=f"Ромашка {n}", inn="")
        ContactPointFactory(company=company, kind="email", value=f"x{n}@romashka.ru")
        ContactFactory(curator=manager, last_name="Иванов", first_name=f"Пётр{n}")
    lead = LeadFactory(
        owner=manager,
        company_name="Ромашка",
        inn=valid_inn(1),
        email="x1@romashka.ru",
        phone="+79161234567",
        last_name="Иванов",
        first_name="Пётр",
    )
    with django_assert_max_num_queries(20):
        similar = lead_similar(actor=manager, lead=lead)
    assert similar.companies[0].obj.name == "Ромашка 1"  # e-mail and name
