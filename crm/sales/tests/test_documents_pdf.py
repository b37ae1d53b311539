"""PDF of documents: Cyrillic text that can be extracted, Russian formats, the
amount in words."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from crm.sales.services.documents import (
    document_pdf,
    invoice_issue,
    order_issue,
    pdf_filename,
    proposal_issue,
)
from crm.sales.services.documents.formats import (
    amount_in_words,
    ru_date,
    ru_money,
    ru_quantity,
)
from crm.sales.tests.factories_documents import (
    OwnCompanyFactory,
    add_line,
    deal_with_lines,
)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("122000", "Сто двадцать две тысячи рублей 00 копеек"),
        ("1.01", "Один рубль 01 копейка"),
        ("21.22", "Двадцать один рубль 22 копейки"),
        ("2.05", "Два рубля 05 копеек"),
        (
            "1234567.89",
            "Один миллион двести тридцать четыре тысячи пятьсот шестьдесят семь "
            "рублей 89 копеек",
        ),
        ("0.5", "Ноль рублей 50 копеек"),
    ],
)
def test_the_amount_in_words(amount, words):
    assert amount_in_words(Decimal(amount)) == words


def test_the_amount_in_words_of_other_currencies():
    assert amount_in_words(Decimal("5.50"), "USD") == "Пять долларов 50 центов"
    assert amount_in_words(Decimal("3"), "CNY") == "Три CNY 00"


def test_russian_number_and_date_formats():
    assert ru_money(Decimal("1234567.891")) == "1 234 567,89"
    assert ru_money(Decimal("5")) == "5,00"
    assert ru_money(Decimal("-1000")) == "-1 000,00"
    assert ru_quantity(Decimal("1.500")) == "1,5"
    assert ru_quantity(Decimal("12000.000")) == "12 000"
    assert ru_date(dt.date(2025, 3, 5)) == "5 марта 2025 г."


def test_an_invoice_pdf_is_a_russian_invoice_with_cyrillic_text(manager):
    # given
    OwnCompanyFactory()
    deal = deal_with_lines(manager, company_name="ООО «Ромашка-Юг»")
    invoice = invoice_issue(
        actor=manager,
        deal=deal,
        date=dt.date(2025, 3, 5),
        due_date=dt.date(2025, 3, 12),
    )
    # when
    data = document_pdf(invoice)
    # then
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert "Счёт на оплату № 1 от 5 марта 2025 г." in text
    for expected in (
        "ПАО СБЕРБАНК г. Москва",
        "БИК",
        "044525225",
        "30101810400000000225",
        "Получатель",
        "Поставщик",
        "Покупатель",
        "ООО «Ромашка-Юг»",
        "Станок токарный",
        "Монтаж и пусконаладка",
        "Товары (работы, услуги)",
        "Кол-во",
        "100 000,00",
        "Итого: 122 000,00",
        "В том числе НДС 22 %: 22 000,00",
        "Всего к оплате: 122 000,00",
        "Всего наименований 2, на сумму 122 000,00 руб.",
        "Сто двадцать две тысячи рублей 00 копеек",
        "Оплатить не позднее 12 марта 2025 г.",
        "Руководитель",
        "Бухгалтер",
        "Иванов И. И.",
    ):
        assert expected in text, expected


def test_the_pdf_keeps_the_requisites_of_the_issue(manager):
    OwnCompanyFactory()
    deal = deal_with_lines(manager, company_name="ООО «Старое имя»")
    invoice = invoice_issue(actor=manager, deal=deal)
    deal.company.name = "ООО «Новое имя»"
    deal.company.save()

    text = pdf_text(document_pdf(invoice))

    assert "ООО «Старое имя»" in text
    assert "Новое имя" not in text


def test_vat_on_top_and_without_vat(manager):
    # given: prices without VAT (VAT added on top), and a supplier without VAT
    OwnCompanyFactory(is_vat_payer=True)
    deal = deal_with_lines(manager)
    deal.lines.all().delete()
    add_line(deal, "Фреза", quantity="2", price="1000.00")
    line = deal.lines.get()
    line.net_amount, line.vat_amount, line.total_amount = (
        Decimal("2000.00"),
        Decimal("440.00"),
        Decimal("2440.00"),
    )
    line.save()
    text = pdf_text(document_pdf(order_issue(actor=manager, deal=deal)))
    assert "Итого: 2 000,00" in text
    assert "НДС 22 %: 440,00" in text
    assert "В том числе" not in text
    assert "Две тысячи четыреста сорок рублей 00 копеек" in text


def test_a_proposal_and_an_order_pdf(manager):
    OwnCompanyFactory()
    deal = deal_with_lines(manager)
    add_line(deal, "Резец", quantity="10", price="100.00", discount="5")
    proposal = proposal_issue(actor=manager, deal=deal, date=dt.date(2025, 6, 2))
    order = order_issue(actor=manager, deal=deal, date=dt.date(2025, 6, 3))

    proposal_text = pdf_text(document_pdf(proposal))
    assert "Коммерческое предложение № 1 от 2 июня 2025 г." in proposal_text
    assert "Кому: ООО «Альфа», Смирнова Мария" in proposal_text
    assert "Скидка" in proposal_text
    assert "5 %" in proposal_text
    assert "Предложение действительно до 2 июля 2025 г." in proposal_text

    order_text = pdf_text(document_pdf(order))
    assert "Заказ покупателя № 1 от 3 июня 2025 г." in order_text
    assert "Резец" in order_text
    assert "Сто двадцать две тысячи девятьсот пятьдесят рублей 00 копеек" in order_text
    assert pdf_filename(order) == "Заказ_1_от_03.06.2025.pdf"


def test_a_long_invoice_continues_on_the_next_page(manager):
    OwnCompanyFactory()
    deal = deal_with_lines(manager)
    for number in range(60):
        add_line(deal, f"Позиция номер {number} с длинным названием " * 2, price="10")

    reader = PdfReader(
        io.BytesIO(document_pdf(invoice_issue(actor=manager, deal=deal)))
    )

    assert len(reader.pages) >= 2
    last = reader.pages[-1].extract_text()
    assert "Товары (работы, услуги)" in last  # the headings repeat
    assert "Всего наименований 62" in "".join(p.extract_text() for p in reader.pages)
