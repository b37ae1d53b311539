"""Company matching on plain rows: legal forms, sites, branches, groups, namesakes."""

import pytest

from crm.duplicates.matching import find_pairs
from crm.duplicates.matching import normalise as n
from crm.duplicates.matching.companies import COLUMNS, linkable, prepare, score


def firm(pk, name, **fields):
    values = {"id": pk, "name": name, **fields}
    return prepare(tuple(values.get(column, "") for column in COLUMNS))


def row(pk, name, **fields):
    values = {"id": pk, "name": name, **fields}
    return tuple(values.get(column, "") for column in COLUMNS)


@pytest.mark.parametrize(
    "spelling",
    [
        'ООО "Ромашка"',
        "ООО «Ромашка»",
        "«Ромашка», ООО",
        "Ромашка ООО",
        "Общество с ограниченной ответственностью Ромашка",
        "ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ «РОМАШКА»",
        "Romashka LLC",
        'OOO "Romashka"',
        "Ромашка",
    ],
)
def test_company_words_drop_the_legal_form_however_written(spelling):
    assert n.company_words(spelling) == ["romashka"]


def test_company_words_drop_latin_forms_of_non_profits():
    assert n.company_words("ANO Optima") == n.company_words("АНО «Оптима»")


@pytest.mark.parametrize(
    ("written", "domain"),
    [
        ("https://romashka.ru", "romashka.ru"),
        ("http://www.Romashka.ru/contacts", "romashka.ru"),
        ("www.romashka.ru", "romashka.ru"),
        ("romashka.ru/", "romashka.ru"),
        ("romashka.ru:8080", "romashka.ru"),
        ("", ""),
        ("нет", ""),
    ],
)
def test_site_domain_reads_an_address_as_people_write_it(written, domain):
    assert n.site_domain(written) == domain


def test_email_domain_ignores_mail_providers():
    assert n.email_domain(" Info@Romashka.RU ") == "romashka.ru"
    assert n.email_domain("romashka@mail.ru") == ""
    assert n.email_domain("romashka@gmail.com") == ""


def test_rows_without_a_site_column_are_still_read():
    # given a row of the eight columns that callers without a site build
    short = (1, "ООО «Ромашка»", "", "", "info@romashka.ru", "", "", "")
    # when
    prepared = prepare(short)
    # then
    assert prepared.domains == frozenset({"romashka.ru"})


def test_a_copy_without_inn_sharing_the_site_is_a_duplicate():
    a = firm(1, "ООО «Ромашка»", inn="7707083893", website="https://romashka.ru")
    b = firm(2, "Ромашка, ООО", website="www.romashka.ru/")
    verdict = score(a, b)
    assert verdict.decision == "duplicate"
    assert "same_website" in verdict.reasons


def test_a_mailbox_at_the_company_domain_counts_as_the_site():
    a = firm(1, "ООО «Ромашка»", website="https://romashka.ru")
    b = firm(2, 'ООО "Ромашка"', email="sales@romashka.ru")
    assert score(a, b).decision == "duplicate"


def test_a_mailbox_at_a_mail_provider_is_no_shared_domain():
    a = firm(1, "ООО «Ромашка»", email="romashka@mail.ru")
    b = firm(2, "ООО «Ромашка»", email="romashka2@mail.ru")
    verdict = score(a, b)
    assert verdict is None or verdict.decision == "possible"
    assert verdict is None or "same_website" not in verdict.reasons


def test_a_typo_next_to_a_letter_of_two_latin_ones_is_still_a_typo():
    # «Престиж» → «Престж»: one letter in Cyrillic, three as skeletons
    a = firm(1, "ООО «Престиж»", email="sales@prestizh.ru")
    b = firm(2, "ООО «ПРЕСТЖ»", email="sales@prestizh.ru")
    verdict = score(a, b)
    assert verdict.decision == "duplicate"
    assert "name_typo" in verdict.reasons


def test_a_transliterated_name_with_the_same_phone_is_a_duplicate():
    a = firm(1, "ООО «Вектор Плюс»", phone="+74951234567")
    b = firm(2, "Vektor Plyus LLC", phone="8 (495) 123-45-67")
    verdict = score(a, b)
    assert verdict.decision == "duplicate"
    assert "name_transliterated" in verdict.reasons


def test_the_same_inn_under_another_name_is_worth_a_look():
    # a brand and the legal name of one organisation
    a = firm(1, "Пятёрочка", inn="7825706086")
    b = firm(2, "ООО «Агроторг»", inn="7825706086")
    verdict = score(a, b)
    assert verdict.decision == "possible"
    assert "same_inn" in verdict.reasons


def test_a_head_office_and_its_branch_stay_possible_whatever_they_share():
    head = firm(
        1,
        "ООО «Ромашка»",
        inn="7707083893",
        kpp="770701001",
        website="https://romashka.ru",
        phone="+74951234567",
    )
    branch = firm(
        2,
        "ООО «Ромашка»",
        inn="7707083893",
        kpp="165543001",
        website="https://romashka.ru",
        phone="+74951234567",
    )
    verdict = score(head, branch)
    assert verdict.decision == "possible"
    assert "different_kpp" in verdict.reasons


def test_a_branch_kpp_against_none_may_be_a_branch():
    copy = firm(1, "Ромашка", inn="7707083893")
    branch = firm(2, "ООО «Ромашка»", inn="7707083893", kpp="165543001")
    verdict = score(copy, branch)
    assert verdict.decision == "possible"
    assert "different_kpp" in verdict.reasons


def test_a_head_office_kpp_against_none_is_the_same_organisation():
    copy = firm(1, "Ромашка", inn="7707083893")
    head = firm(2, "ООО «Ромашка»", inn="7707083893", kpp="770701001")
    assert score(copy, head).decision == "duplicate"


def test_a_branch_sharing_only_the_head_office_site_is_no_copy_of_it():
    # a copy of the head office typed without the INN shares the site with a branch
    copy = firm(1, "Ромашка, ООО", website="romashka.ru")
    branch = firm(
        2,
        "ООО «Ромашка»",
        inn="7707083893",
        kpp="165543001",
        website="https://romashka.ru",
        phone="+78432000000",
    )
    assert score(copy, branch).decision == "possible"


def test_companies_of_one_group_are_not_duplicates():
    # «Вектор Строй» and «Вектор Трейд» share the group's site and switchboard
    a = firm(1, "ООО «Вектор Строй»", website="https://vektor.ru", phone="+74951234567")
    b = firm(2, "ООО «Вектор Трейд»", email="info@vektor.ru", phone="+74951234567")
    assert score(a, b).decision == "possible"


def test_a_word_more_is_no_typo():
    a = firm(1, "ООО «Гидрологистика»", website="https://gidro.ru")
    b = firm(2, "ООО «Гидрологистика Регион»", website="https://gidro.ru")
    verdict = score(a, b)
    assert verdict is None or verdict.decision == "possible"


def test_namesakes_in_another_city_are_left_alone():
    a = firm(1, "ООО «Ромашка»", phone="+74951234567", email="info@romashka.ru")
    b = firm(2, "ООО «Ромашка»", phone="+78432765432", email="romashka@mail.ru")
    assert score(a, b) is None


def test_another_street_with_the_same_house_number_is_another_address():
    a = firm(1, "ООО «Ромашка»", legal_address="г. Москва, ул. Мира, д. 11")
    b = firm(2, "ООО «Ромашка»", legal_address="г. Москва, ул. Тверская, д. 11")
    c = firm(3, "ООО «Ромашка»", legal_address="Москва г, Мира ул, дом 11")
    assert "similar_address" not in score(a, b).reasons
    assert "similar_address" in score(a, c).reasons


def test_the_same_name_and_address_alone_stay_possible():
    a = firm(1, "ООО «Ромашка»", legal_address="г. Москва, ул. Мира, д. 11")
    b = firm(2, "Ромашка", legal_address="г. Москва, ул. Мира, д. 11")
    assert score(a, b).decision == "possible"


def test_linkable_refuses_a_branch_and_another_domain():
    head = firm(1, "Ромашка", inn="7707083893", kpp="770701001")
    branch = firm(2, "Ромашка", inn="7707083893", kpp="165543001")
    other_site = firm(3, "Ромашка", website="https://romashka-kazan.ru")
    site = firm(4, "Ромашка", website="https://romashka.ru")
    assert not linkable(head, branch)
    assert not linkable(other_site, site)
    assert linkable(head, site)


def test_find_pairs_keeps_a_branch_out_of_the_copies_of_its_head_office():
    # given a head office, its branch, and two copies of the head office: one with
    # the INN, one with the site only
    rows = [
        row(
            1,
            "ООО «Ромашка»",
            inn="7707083893",
            kpp="770701001",
            website="https://romashka.ru",
            phone="+74951234567",
        ),
        row(
            2,
            "ООО «Ромашка» (Казань)",
            inn="7707083893",
            kpp="165543001",
            website="https://romashka.ru",
            phone="+78432000000",
        ),
        row(3, "Ромашка ООО", inn="7707083893"),
        row(4, "Romashka LLC", website="www.romashka.ru", phone="8 495 123-45-67"),
    ]
    # when
    pairs = {(c.a, c.b): c.decision for c in find_pairs("company", rows, workers=1)}
    # then
    assert pairs[(1, 3)] == "duplicate"
    assert pairs[(1, 4)] == "duplicate"
    assert pairs[(3, 4)] == "duplicate"  # through the head office
    assert pairs.get((1, 2)) != "duplicate"
    assert all(pairs.get((2, b)) != "duplicate" for b in (3, 4))
