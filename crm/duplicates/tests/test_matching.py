"""The matching engine on plain rows: each rule, the thresholds and blocking."""

import datetime as dt

import pytest

from crm.duplicates.matching import find_pairs
from crm.duplicates.matching import normalise as n
from crm.duplicates.matching.companies import prepare as firm
from crm.duplicates.matching.companies import score as firm_score
from crm.duplicates.matching.contacts import prepare as person
from crm.duplicates.matching.contacts import score as person_score


def contact(pk, last, first, middle="", birth=None, email="", phone="", address=""):
    return person((pk, last, first, middle, birth, email, phone, address))


def company(pk, name, inn="", kpp="", email="", phone="", address=""):
    return firm((pk, name, inn, kpp, email, phone, address, ""))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Сергей", "Sergey"),
        ("Сергей", "Sergei"),
        ("Юрий", "Yury"),
        ("Щукин", "Shchukin"),
        ("Пётр", "Pyotr"),
        ("Наталья", "Natalia"),
        ("Алексей", "Alexey"),
        ("Михаил", "Mikhail"),
        ("Королёв", "Korolyov"),
    ],
)
def test_skeleton_makes_transliterations_equal(a, b):
    assert n.skeleton(a) == n.skeleton(b)


def test_company_words_strip_legal_forms_in_both_languages():
    assert n.company_words('ООО "Ромашка"') == n.company_words("Romashka LLC")
    assert n.company_words("Общество с ограниченной ответственностью «Ромашка»") == [
        "romashka"
    ]


def test_phone_key_gives_e164_for_russian_numbers():
    assert n.phone_key("8 (916) 123-45-67") == "+79161234567"
    assert n.phone_key("+7 916 123 45 67") == "+79161234567"


def test_score_finds_a_typo_in_the_name_with_the_same_email():
    # given two spellings one letter apart and one e-mail written differently
    a = contact(1, "Иванов", "Сергей", email="s.ivanov@mail.ru")
    b = contact(2, "Иваонв", "Сергей", email=" S.Ivanov@mail.ru")
    # when
    verdict = person_score(a, b)
    # then
    assert verdict.decision == "duplicate"
    assert "name_typo" in verdict.reasons
    assert "same_email" in verdict.reasons


def test_score_finds_cyrillic_and_latin_spellings_of_one_person():
    a = contact(1, "Иванов", "Сергей", phone="+79161234567")
    b = contact(2, "Ivanov", "Sergey", phone="8 916 123-45-67")
    verdict = person_score(a, b)
    assert verdict.decision == "duplicate"
    assert "name_transliterated" in verdict.reasons


def test_score_finds_latin_to_cyrillic_with_another_transliteration():
    a = contact(1, "Ivanov", "Sergei", birth=dt.date(1980, 5, 1))
    b = contact(2, "Иванов", "Сергей", birth=dt.date(1980, 5, 1))
    verdict = person_score(a, b)
    assert verdict.decision == "duplicate"
    assert "same_birth_date" in verdict.reasons


def test_score_finds_first_and_last_name_swapped():
    a = contact(1, "Иванов", "Сергей", email="ivanov@example.com")
    b = contact(2, "Сергей", "Иванов", email="ivanov@example.com")
    verdict = person_score(a, b)
    assert verdict.decision == "duplicate"
    assert "names_swapped" in verdict.reasons


def test_score_drops_namesakes_with_different_birth_dates():
    a = contact(1, "Иванов", "Сергей", birth=dt.date(1980, 5, 1))
    b = contact(2, "Иванов", "Сергей", birth=dt.date(1991, 2, 3))
    assert person_score(a, b) is None


def test_score_lowers_a_pair_with_different_birth_dates():
    same = person_score(
        contact(1, "Иванов", "Сергей", email="s@x.ru", birth=dt.date(1980, 5, 1)),
        contact(2, "Иванов", "Сергей", email="s@x.ru", birth=dt.date(1980, 5, 1)),
    )
    different = person_score(
        contact(1, "Иванов", "Сергей", email="s@x.ru", birth=dt.date(1980, 5, 1)),
        contact(2, "Иванов", "Сергей", email="s@x.ru", birth=dt.date(1990, 5, 1)),
    )
    assert different is None or different.score < same.score - 0.3


def test_score_leaves_out_the_same_name_alone():
    verdict = person_score(
        contact(1, "Иванов", "Сергей"), contact(2, "Иванов", "Сергей")
    )
    assert verdict is None


def test_score_calls_the_same_full_name_with_patronymic_possible():
    verdict = person_score(
        contact(1, "Иванов", "Сергей", "Петрович"),
        contact(2, "Иванов", "Сергей", "Петрович"),
    )
    assert verdict.decision == "possible"


def test_score_keeps_apart_two_common_first_names_a_letter_apart():
    verdict = person_score(
        contact(1, "Исаева", "Алина", birth=dt.date(1990, 2, 28)),
        contact(2, "Исаева", "Галина", birth=dt.date(1990, 2, 28)),
    )
    assert verdict is None or verdict.decision == "possible"


def test_score_lowers_namesakes_whose_phones_and_emails_differ():
    verdict = person_score(
        contact(
            1,
            "Иванов",
            "Сергей",
            birth=dt.date(1980, 1, 1),
            phone="+79161111111",
            email="a@x.ru",
        ),
        contact(
            2,
            "Иванов",
            "Сергей",
            birth=dt.date(1980, 1, 1),
            phone="+79162222222",
            email="b@y.ru",
        ),
    )
    assert verdict.decision == "possible"
    assert "different_phones" in verdict.reasons


def test_find_pairs_links_two_copies_through_the_original():
    # given two copies that share nothing but the name, each sharing something
    # with the original
    rows = [
        (1, "Котов", "Станислав", "", None, "kotov@mail.ru", "+79647058884", ""),
        (2, "Kotov", "Stanislav", "", None, "", "+79647058884", ""),
        (3, "Котов", "Стaнислав", "", None, "KOTOV@mail.ru", "", ""),
    ]
    pairs = {(c.a, c.b): c for c in find_pairs("contact", rows)}
    assert pairs[(2, 3)].decision == "duplicate"
    assert "linked_through_another" in pairs[(2, 3)].reasons


def test_score_ignores_relatives_sharing_a_phone():
    a = contact(1, "Иванов", "Сергей", phone="+79161234567")
    b = contact(2, "Иванова", "Мария", phone="+79161234567")
    assert person_score(a, b) is None


def test_score_matches_companies_with_and_without_legal_form():
    a = company(1, 'ООО "Ромашка"', phone="+74951234567")
    b = company(2, "Romashka LLC", phone="+7 495 123-45-67")
    verdict = firm_score(a, b)
    assert verdict.decision == "duplicate"
    assert "name_transliterated" in verdict.reasons


def test_score_calls_the_same_company_name_alone_possible():
    verdict = firm_score(company(1, 'ООО "Ромашка"'), company(2, "Romashka LLC"))
    assert verdict.decision == "possible"


def test_score_calls_one_inn_a_duplicate():
    verdict = firm_score(
        company(1, "Ромашка", inn="7701234567"),
        company(2, "ООО «Ромашка»", inn="7701234567"),
    )
    assert verdict.decision == "duplicate"
    assert "same_inn" in verdict.reasons


def test_score_calls_branches_with_different_kpp_possible():
    verdict = firm_score(
        company(1, "Ромашка", inn="7701234567", kpp="770101001"),
        company(2, "Ромашка", inn="7701234567", kpp="771001001"),
    )
    assert verdict.decision == "possible"
    assert "different_kpp" in verdict.reasons


def test_score_keeps_apart_companies_with_different_inn():
    verdict = firm_score(
        company(1, "Ромашка", inn="7701234567"), company(2, "Ромашка", inn="7702345678")
    )
    assert verdict is None


def test_find_pairs_blocking_does_not_miss_the_planted_duplicates():
    # given a small base with a planted duplicate of each kind among namesakes
    rows = [
        (i, f"Фамилия{i}", "Имя", "", None, f"p{i}@example.com", "", "")
        for i in range(1, 60)
    ]
    rows += [
        (101, "Кузнецов", "Дмитрий", "", None, "kuz@example.com", "", ""),
        (102, "Кузнецоф", "Дмитрий", "", None, "KUZ@example.com", "", ""),
        (103, "Смирнова", "Ольга", "", dt.date(1985, 1, 2), "", "", ""),
        (104, "Smirnova", "Olga", "", dt.date(1985, 1, 2), "", "", ""),
        (105, "Попов", "Андрей", "", None, "", "+79031112233", ""),
        (106, "Андрей", "Попов", "", None, "", "+79031112233", ""),
    ]
    # when
    pairs = {(c.a, c.b): c for c in find_pairs("contact", rows)}
    # then
    assert pairs[(101, 102)].decision == "duplicate"
    assert pairs[(103, 104)].decision == "duplicate"
    assert pairs[(105, 106)].decision == "duplicate"
    assert not [k for k, c in pairs.items() if c.decision == "duplicate" and k[0] < 100]
