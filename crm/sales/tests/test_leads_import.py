import pytest

from crm.core.errors import DomainError, Forbidden
from crm.core.models import Notification
from crm.customers.tests.factories import SourceFactory, valid_inn
from crm.sales.models import Lead
from crm.sales.services.lead_import import lead_import, parse_lead_csv
from crm.sales.tests.factories_leads import AssignmentRuleFactory, csv_text


@pytest.fixture
def exhibition(db):
    return SourceFactory(name_en="Exhibition", name_ru="Выставка")


def test_a_good_file_is_imported_whole(manager, exhibition):
    # given
    content = csv_text(
        [
            "Насосы",
            "ООО «Ромашка»",
            valid_inn(1),
            "Иванов",
            "Пётр",
            "petr@romashka.ru",
            "+7 916 123-45-67",
            "Тула",
            "Выставка",
        ],
        ["Кабель", "АО «Вектор»", "", "Сидорова", "Анна", "", "", "Омск", "exhibition"],
    )
    # when
    result = lead_import(actor=manager, content=content)
    # then
    assert len(result.leads) == 2
    first = Lead.objects.get(company_name="ООО «Ромашка»")
    assert first.phone == "+79161234567"
    assert first.source == exhibition
    assert first.owner == manager
    assert first.created_by == manager
    assert Lead.objects.get(company_name="АО «Вектор»").source == exhibition


def test_bad_rows_are_reported_by_number_and_field_and_nothing_is_imported(
    manager, exhibition
):
    # given: row 3 has a bad e-mail and an unknown source, row 4 a bad INN
    content = csv_text(
        ["Насосы", "Ромашка", "", "Иванов", "Пётр", "", "", "", ""],
        ["Кабель", "Вектор", "", "", "", "not-an-email", "", "", "Радио"],
        ["Трубы", "Сталь", "1234567890", "", "", "", "", "", ""],
        ["", "", "", "", "", "", "", "", ""],  # an empty row is skipped
    )
    # when
    with pytest.raises(DomainError) as caught:
        lead_import(actor=manager, content=content)
    # then
    errors = caught.value.all_errors
    assert set(errors) == {"rows.3.email", "rows.3.source", "rows.4.inn"}
    assert "Радио" in str(errors["rows.3.source"][0])
    assert not Lead.objects.exists()


def test_a_dry_run_checks_without_importing(manager):
    result = lead_import(
        actor=manager, content=csv_text(["Насосы"] + [""] * 8), dry_run=True
    )
    assert len(result.rows) == 1
    assert result.rows[0].number == 2
    assert not Lead.objects.exists()


def test_russian_headers_commas_and_windows_1251(manager):
    content = "Потребность,Компания,Фамилия,Имя,Телефон\nНасосы,Ромашка,Иванов,Пётр,89161234567\n"
    lead_import(actor=manager, content=content.encode("cp1251"))
    lead = Lead.objects.get()
    assert lead.title == "Насосы"
    assert lead.last_name == "Иванов"
    assert lead.phone == "+79161234567"


def test_an_unknown_column_is_refused_not_dropped(manager):
    with pytest.raises(DomainError) as caught:
        parse_lead_csv("title;colour\nНасосы;red\n")
    assert "colour" in str(caught.value.all_errors["rows.1"][0])


def test_empty_file_and_no_rows(manager):
    with pytest.raises(DomainError) as caught:
        parse_lead_csv(b"")
    assert caught.value.field == "file"
    with pytest.raises(DomainError):
        parse_lead_csv("title;company\n")


def test_imported_leads_go_through_the_rules_and_each_curator_hears_once(
    make_user, manager
):
    from crm.accounts.models import Team

    team = Team.objects.create(name="Входящие")
    first = make_user(team=team)
    second = make_user(team=team)
    AssignmentRuleFactory(team=team)
    rows = [[f"Заявка {n}"] + [""] * 8 for n in range(4)]
    lead_import(actor=manager, content=csv_text(*rows))
    owners = list(Lead.objects.order_by("pk").values_list("owner", flat=True))
    assert owners == [first.pk, second.pk, first.pk, second.pk]
    assert Notification.objects.filter(user=first).count() == 1
    assert "2" in Notification.objects.get(user=first).title


def test_readonly_may_not_import(make_user):
    with pytest.raises(Forbidden):
        lead_import(
            actor=make_user(role="readonly"), content=csv_text(["x"] + [""] * 8)
        )
