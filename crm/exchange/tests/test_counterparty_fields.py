"""What a 1C counterparty brings besides its name and INN: ОКПО, ОГРН, addresses
given as parts, the region, the web site and the postal address — and ОКПО back."""

from crm.customers.models import Company
from crm.customers.tests.factories import CompanyFactory
from crm.exchange.services.export import counterparties_xml
from crm.exchange.tests.factories import commerceml, counterparty

OGRN = "1027700132195"


def _counterparties(*items: str) -> bytes:
    return commerceml("<Контрагенты>" + "".join(items) + "</Контрагенты>")


def _with(okpo: str = "00032537", extra: str = "") -> str:
    return counterparty(extra=extra).replace("<ОКПО/>", f"<ОКПО>{okpo}</ОКПО>")


def test_okpo_and_ogrn_are_taken(admin_user, import_file):
    run = import_file(admin_user, _counterparties(_with(extra=f"<ОГРН>{OGRN}</ОГРН>")))

    company = Company.objects.get()
    assert run.errors == []
    assert company.okpo == "00032537"
    assert company.ogrn == OGRN
    assert company.full_name.startswith("Общество с ограниченной ответственностью")
    assert company.phone
    assert company.email == "info@romashka.example"


def test_a_counterparty_with_a_wrong_okpo_is_refused_with_the_reason(
    admin_user, import_file
):
    run = import_file(admin_user, _counterparties(_with(okpo="00032538")))

    assert not Company.objects.exists()
    assert run.stats["counterparty"]["refused"] == 1
    assert "okpo" in run.errors[0]["message"]


def test_an_address_given_only_as_parts_is_written_out_and_fills_the_region(
    admin_user, import_file
):
    address = (
        "<Адрес><Представление> , , </Представление>"
        + "".join(
            f"<АдресноеПоле><Тип>{kind}</Тип><Значение>{value}</Значение></АдресноеПоле>"
            for kind, value in (
                ("Почтовый индекс", "426000"),
                ("Регион", "Удмуртская Респ"),
                ("Город", "Ижевск г"),
                ("Улица", "Пушкинская ул"),
                ("Дом", "10"),
            )
        )
        + "</Адрес>"
    )
    item = counterparty(extra=address)

    import_file(admin_user, _counterparties(item))

    company = Company.objects.get()
    assert (
        company.actual_address == "426000, Удмуртская Респ, Ижевск г, Пушкинская ул, 10"
    )
    assert company.region == "Удмуртская Респ"


def test_1c_fills_a_blank_region_but_never_replaces_a_chosen_one(
    admin_user, import_file
):
    CompanyFactory(inn="7707083893", kpp="770701001", region="Москва и область")
    region = (
        "<Адрес><АдресноеПоле><Тип>Регион</Тип><Значение>Москва г</Значение>"
        "</АдресноеПоле></Адрес>"
    )

    run = import_file(admin_user, _counterparties(counterparty(extra=region)))

    assert run.errors == []
    assert Company.objects.get().region == "Москва и область"


def test_a_web_site_and_a_postal_address_among_the_contacts_are_taken(
    admin_user, import_file
):
    item = counterparty().replace(
        "</Контакты>",
        "<Контакт><Тип>Веб сайт</Тип><Значение>romashka.example</Значение></Контакт>"
        "<Контакт><Тип>Почта</Тип><Значение>101000, Москва, а/я 15</Значение>"
        "</Контакт></Контакты>",
    )

    import_file(admin_user, _counterparties(item))

    company = Company.objects.get()
    assert company.website == "https://romashka.example"
    assert company.postal_address == "101000, Москва, а/я 15"
    assert company.email == "info@romashka.example"


def test_a_person_named_only_by_parts_is_imported(admin_user, import_file):
    person = (
        "<Контрагент><Ид>p-9</Ид><Фамилия>Иванов</Фамилия><Имя>Пётр</Имя>"
        "<Отчество>Сергеевич</Отчество><ИНН>500100732259</ИНН></Контрагент>"
    )

    import_file(admin_user, _counterparties(person))

    assert Company.objects.get().name == "Иванов Пётр Сергеевич"


def test_a_reimport_with_okpo_changes_nothing(admin_user, import_file):
    content = _counterparties(_with(extra=f"<ОГРН>{OGRN}</ОГРН>"))
    import_file(admin_user, content)
    version = Company.objects.get().version

    again = import_file(admin_user, content)

    assert again.stats["counterparty"]["unchanged"] == 1
    assert Company.objects.get().version == version


def test_the_export_writes_the_okpo_after_the_kpp_and_nothing_when_blank(admin_user):
    CompanyFactory(name="С ОКПО", inn="7707083893", kpp="770701001", okpo="00032537")
    CompanyFactory(name="Без ОКПО", okpo="")

    exported = "".join(counterparties_xml(actor=admin_user))

    assert "<КПП>770701001</КПП><ОКПО>00032537</ОКПО>" in exported
    assert exported.count("<ОКПО>") == 1
    assert "<ОКПО/>" not in exported


def test_an_exported_okpo_comes_back_to_the_same_company(admin_user, import_file):
    CompanyFactory(
        name="С ОКПО",
        full_name="ООО «С ОКПО»",
        inn="7707083893",
        kpp="770701001",
        okpo="00032537",
    )
    exported = "".join(counterparties_xml(actor=admin_user)).encode()

    run = import_file(admin_user, exported)

    assert run.stats["counterparty"] == {
        "created": 0,
        "updated": 0,
        "unchanged": 1,
        "refused": 0,
    }
