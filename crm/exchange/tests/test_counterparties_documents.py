"""Import of counterparties and documents (orders and invoices) from 1C."""

from decimal import Decimal

import pytest

from crm.customers.models import Company, Contact
from crm.exchange.models import DocumentLink, RunStatus
from crm.exchange.tests.factories import (
    commerceml,
    counterparty,
    document,
    line,
    representative,
)
from crm.sales.models import Deal, Invoice, InvoiceStatus, Order, OrderStatus
from crm.sales.tests.factories import default_pipeline
from crm.sales.tests.factories_deals import priced_product
from crm.sales.tests.factories_documents import OwnCompanyFactory


@pytest.fixture
def ready_for_documents(db):
    default_pipeline()
    return OwnCompanyFactory()


def _counterparties(*items: str) -> bytes:
    return commerceml("<Контрагенты>" + "".join(items) + "</Контрагенты>")


def test_counterparties_become_companies_with_their_people(admin_user, import_file):
    run = import_file(admin_user, _counterparties(counterparty(extra=representative())))

    company = Company.objects.get()
    assert run.status == RunStatus.DONE
    assert company.name == "ООО «Ромашка»"
    assert company.inn == "7707083893"
    assert company.kpp == "770701001"
    assert company.external_id == "c-1"
    assert company.email == "info@romashka.example"
    assert company.legal_address.startswith("101000")
    person = Contact.objects.get()
    assert person.last_name == "Смирнова"
    assert person.first_name == "Ольга"
    assert person.middle_name == "Петровна"
    assert list(person.companies.all()) == [company]


def test_a_counterparty_is_found_by_inn_and_a_reimport_changes_nothing(
    admin_user, import_file
):
    from crm.customers.tests.factories import CompanyFactory

    mine = CompanyFactory(name="Ромашка", inn="7707083893", kpp="770701001")

    import_file(admin_user, _counterparties(counterparty()))
    mine.refresh_from_db()
    version = mine.version
    again = import_file(admin_user, _counterparties(counterparty()))

    mine.refresh_from_db()
    assert Company.objects.count() == 1
    assert mine.external_id == "c-1"
    assert mine.name == "ООО «Ромашка»"
    assert again.stats["counterparty"]["unchanged"] == 1
    assert mine.version == version


def test_a_counterparty_with_a_bad_inn_is_refused_alone(admin_user, import_file):
    run = import_file(
        admin_user,
        _counterparties(
            counterparty(cid="bad", name="Плохая", inn="1234567890"),
            counterparty(cid="good", name="Хорошая", inn="7707083893"),
        ),
    )

    assert list(Company.objects.values_list("name", flat=True)) == ["Хорошая"]
    assert run.stats["counterparty"]["refused"] == 1
    assert "«Плохая»" in run.errors[0]["record"]
    assert "inn" in run.errors[0]["message"]


def test_an_order_from_1c_becomes_a_deal_and_an_order(
    admin_user, import_file, ready_for_documents
):
    product = priced_product(external_id="p-1", name="Монтаж")

    run = import_file(
        admin_user,
        commerceml(
            document(
                lines=line(pid="p-1") + line(name="Доставка", price="500", quantity="1")
            )
        ),
        "orders.xml",
    )

    assert run.errors == []
    order = Order.objects.get()
    assert order.company.inn == "7707083893"
    assert order.lines.count() == 2
    assert order.lines.first().product == product
    assert order.deal.external_id == "1c:d-1"
    assert order.status == OrderStatus.NEW
    link = DocumentLink.objects.get()
    assert link.order == order
    assert link.number_1c == "ЗК-0001"


def test_a_reimported_order_takes_its_1c_status_and_creates_nothing(
    admin_user, import_file, ready_for_documents
):
    import_file(admin_user, commerceml(document()), "orders.xml")

    run = import_file(
        admin_user,
        commerceml(document(requisites={"Дата отгрузки по 1С": "2026-12-01"})),
        "orders.xml",
    )

    assert run.stats["document"]["updated"] == 1
    assert Order.objects.get().status == OrderStatus.SHIPPED
    assert Deal.objects.count() == 1
    assert Company.objects.count() == 1


def test_an_invoice_paid_in_1c_is_paid_in_the_crm(
    admin_user, import_file, ready_for_documents
):
    import_file(
        admin_user,
        commerceml(document(did="inv-1", operation="Счет на оплату")),
        "orders.xml",
    )

    import_file(
        admin_user,
        commerceml(
            document(
                did="inv-1",
                operation="Счет на оплату",
                requisites={
                    "Дата оплаты по 1С": "2026-12-02",
                    "Номер оплаты по 1С": "77",
                },
            )
        ),
        "orders.xml",
    )

    invoice = Invoice.objects.get()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.payments.get().reference == "77"
    assert invoice.paid_amount == invoice.total_amount
    assert invoice.total_amount == Decimal("3000.00")


def test_a_bad_document_is_refused_whole_and_named(
    admin_user, import_file, ready_for_documents
):
    bad = document(did="d-bad", number="ЗК-9", lines=line(quantity="много"))
    good = document(did="d-good", number="ЗК-10")

    run = import_file(admin_user, commerceml(bad + good), "orders.xml")

    assert run.stats["document"] == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "refused": 1,
    }
    assert "ЗК-9" in run.errors[0]["record"]
    assert "quantity" in run.errors[0]["message"]
    assert Deal.objects.count() == 1
    assert DocumentLink.objects.get().external_id == "d-good"


def test_an_unsupported_operation_is_refused_naming_it(admin_user, import_file):
    run = import_file(
        admin_user, commerceml(document(operation="Возврат товара")), "orders.xml"
    )

    assert "«Возврат товара»" in run.errors[0]["message"]
    assert Deal.objects.count() == 0


def test_a_document_without_our_requisites_is_refused_with_the_reason(
    admin_user, import_file
):
    default_pipeline()

    run = import_file(admin_user, commerceml(document()), "orders.xml")

    assert run.stats["document"]["refused"] == 1
    assert "requisites" in run.errors[0]["message"]
    assert Deal.objects.count() == 0
    assert Company.objects.count() == 0


def test_only_exchange_users_may_import(make_user, import_file):
    from crm.core.errors import Forbidden

    manager = make_user(role="sales")

    with pytest.raises(Forbidden):
        import_file(manager, commerceml(""))


def test_a_line_keeps_the_vat_rate_1c_gave_it(
    admin_user, import_file, ready_for_documents
):
    import_file(admin_user, commerceml(document(lines=line(vat="10"))), "orders.xml")

    order_line = Order.objects.get().lines.get()
    assert order_line.vat_rate == Decimal("10")
    assert order_line.total_amount == Decimal("3000.00")
    assert order_line.vat_amount == Decimal("272.73")
