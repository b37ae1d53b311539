from crm.imports.entities.companies import COMPANY_FIELDS
from crm.imports.entities.contacts import CONTACT_FIELDS
from crm.imports.fields import guess_mapping, mapping_from_headers, mapping_to_headers


def test_guess_mapping_reads_russian_headers():
    headers = ["Фамилия", "Имя", "Отчество", "E-mail", "Телефон", "Компания", "Что-то"]
    assert guess_mapping(CONTACT_FIELDS, headers) == {
        "0": "last_name",
        "1": "first_name",
        "2": "middle_name",
        "3": "email",
        "4": "phone",
        "5": "company",
    }


def test_guess_mapping_reads_english_titles_and_field_names():
    headers = ["Name", "INN", "kpp", "legal_address", "Web site", "Curator"]
    assert guess_mapping(COMPANY_FIELDS, headers) == {
        "0": "name",
        "1": "inn",
        "2": "kpp",
        "3": "legal_address",
        "4": "website",
        "5": "curator",
    }


def test_guess_mapping_gives_a_field_to_the_first_column_only():
    assert guess_mapping(COMPANY_FIELDS, ["Наименование", "Название"]) == {"0": "name"}


def test_templates_map_by_header_whatever_the_column_order():
    saved = mapping_to_headers({"0": "name", "1": "inn"}, ["Контрагент", "ИНН"])
    assert saved == {"Контрагент": "name", "ИНН": "inn"}
    assert mapping_from_headers(
        saved, ["инн", "Другое", "КОНТРАГЕНТ"], COMPANY_FIELDS
    ) == {
        "0": "inn",
        "2": "name",
    }
