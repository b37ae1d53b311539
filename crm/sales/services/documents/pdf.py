"""PDF of proposals, orders and invoices, laid out as Russian documents.

fpdf2 with the DejaVu Sans shipped under `static/fonts/dejavu/` (embedded as a subset
with a Unicode map, so Cyrillic prints and can be copied or searched). The invoice
follows the usual «Счёт на оплату»: the bank block, the title, supplier and buyer,
the table of lines, totals with VAT per rate, the amount in words and signatures.
Documents are Russian whatever the user's language.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from crm.core.validation import format_phone
from crm.sales.models import DocumentLine, Invoice, Order, Proposal
from crm.sales.services.documents.common import (
    SalesDocument,
    buyer_requisites,
    supplier_requisites,
)
from crm.sales.services.documents.formats import (
    CURRENCY_SHORT,
    amount_in_words,
    ru_date,
    ru_money,
    ru_percent,
    ru_quantity,
    ru_short_date,
)

# fontTools reports every subsetting step at INFO: one line per table per PDF.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT = "DejaVu"
CENT = Decimal("0.01")
LEFT = 15.0
WIDTH = 180.0
TITLES = {
    "proposal": "Коммерческое предложение",
    "order": "Заказ покупателя",
    "invoice": "Счёт на оплату",
}
FILE_NAMES = {"proposal": "КП", "order": "Заказ", "invoice": "Счёт"}


def font_dir() -> Path:
    return Path(settings.BASE_DIR) / "static" / "fonts" / "dejavu"


def pdf_filename(document: SalesDocument) -> str:
    """«Счёт_12_от_05.03.2025.pdf»."""
    name = FILE_NAMES[document.number_kind]
    return f"{name}_{document.number}_от_{ru_short_date(document.date)}.pdf"


def pdf_title(document: SalesDocument) -> str:
    """«Счёт на оплату № 12 от 5 марта 2025 г.»."""
    return (
        f"{TITLES[document.number_kind]} № {document.number} "
        f"от {ru_date(document.date)}"
    )


def _exact_amount(line: DocumentLine) -> Decimal:
    return (
        line.quantity * line.price * (Decimal(100) - line.discount_percent) / 100
    ).quantize(CENT, rounding=ROUND_HALF_UP)


def vat_on_top(lines: list[DocumentLine]) -> bool:
    """Whether the prices were without VAT, VAT added on top.

    Read from the amounts themselves (quantity × price less the discount is the
    total when prices include VAT, the net when VAT comes on top), so the table
    always adds up to what was issued, whatever the price list says today.
    """
    on_top = False
    for line in lines:
        if not line.vat_amount:
            continue
        amount = _exact_amount(line)
        if amount == line.total_amount:
            return False
        if amount == line.net_amount:
            on_top = True
    return on_top


def _requisites_line(party: dict[str, Any]) -> str:
    parts = [party.get("name", "")]
    if party.get("inn"):
        parts.append(f"ИНН {party['inn']}")
    if party.get("kpp"):
        parts.append(f"КПП {party['kpp']}")
    if party.get("address"):
        parts.append(" ".join(str(party["address"]).split()))
    phone = party.get("phone") or ""
    if phone:
        parts.append(f"тел.: {format_phone(phone) if phone.startswith('+') else phone}")
    return ", ".join(p for p in parts if p)


def _parties(document: SalesDocument) -> tuple[dict[str, Any], dict[str, Any]]:
    """The requisites kept at issue; for a document without them, today's."""
    parties = document.parties or {}
    supplier = parties.get("supplier")
    if supplier is None:
        supplier = (
            supplier_requisites(document.own_company) if document.own_company else {}
        )
    buyer = parties.get("buyer")
    if buyer is None:
        buyer = buyer_requisites(document.deal)
    return supplier, buyer


class _Pdf(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        fonts = font_dir()
        self.add_font(FONT, "", str(fonts / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(fonts / "DejaVuSans-Bold.ttf"))
        self.set_margins(LEFT, 12, LEFT)
        self.set_auto_page_break(auto=True, margin=15)
        self.set_creator("CRM")

    def font(self, size: float = 9, bold: bool = False) -> None:
        self.set_font(FONT, "B" if bold else "", size)

    def rule(self, thick: bool = False) -> None:
        self.set_line_width(0.6 if thick else 0.2)
        self.line(LEFT, self.get_y(), LEFT + WIDTH, self.get_y())
        self.set_line_width(0.2)
        self.ln(2)

    def labelled(self, label: str, text: str, label_width: float = 32) -> None:
        """A row «Поставщик: …» with the text wrapping beside its label."""
        y = self.get_y()
        self.font(9)
        self.multi_cell(
            label_width, 4.5, label, new_x=XPos.RIGHT, new_y=YPos.TOP, align="L"
        )
        self.font(9, bold=True)
        self.multi_cell(
            WIDTH - label_width,
            4.5,
            text,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
            align="L",
        )
        self.set_y(max(self.get_y(), y + 9) + 1.5)


def _bank_block(pdf: _Pdf, supplier: dict[str, Any]) -> None:
    pdf.font(8.5)
    with pdf.table(
        col_widths=(52.5, 52.5, 15, 60),
        first_row_as_headings=False,
        text_align="LEFT",
        v_align="TOP",
        line_height=4.2,
        padding=(0.8, 1.2),
    ) as table:
        row = table.row()
        row.cell(
            f"{supplier.get('bank_name', '')}\n\nБанк получателя",
            colspan=2,
            rowspan=2,
        )
        row.cell("БИК")
        row.cell(supplier.get("bik", ""))
        row = table.row()
        row.cell("Сч. №")
        row.cell(supplier.get("correspondent_account", ""))
        row = table.row()
        row.cell(f"ИНН {supplier.get('inn', '')}")
        row.cell(f"КПП {supplier.get('kpp', '')}")
        row.cell("Сч. №", rowspan=2)
        row.cell(supplier.get("bank_account", ""), rowspan=2)
        row = table.row()
        row.cell(f"{supplier.get('name', '')}\n\nПолучатель", colspan=2)
    pdf.ln(6)


def _lines_table(
    pdf: _Pdf, lines: list[DocumentLine], *, on_top: bool, show_discount: bool
) -> None:
    headings = ["№", "Товары (работы, услуги)", "Кол-во", "Ед.", "Цена", "Сумма"]
    widths: tuple[float, ...] = (8, 88, 18, 12, 27, 27)
    aligns = ["CENTER", "LEFT", "RIGHT", "LEFT", "RIGHT", "RIGHT"]
    if show_discount:
        headings.insert(5, "Скидка")
        widths = (8, 74, 17, 12, 24, 18, 27)
        aligns.insert(5, "RIGHT")
    pdf.font(8.5)
    with pdf.table(
        col_widths=widths,
        text_align=aligns,
        line_height=4.4,
        padding=(0.8, 1.2),
        headings_style=FontFace(emphasis="BOLD"),
        v_align="TOP",
    ) as table:
        head = table.row()
        for text in headings:
            head.cell(text, align="CENTER")
        for number, line in enumerate(lines, start=1):
            amount = line.net_amount if on_top else line.total_amount
            if show_discount:
                price = line.price
            else:
                price = (amount / line.quantity).quantize(CENT, rounding=ROUND_HALF_UP)
            cells = [
                str(number),
                line.name,
                ru_quantity(line.quantity),
                line.unit,
                ru_money(price),
                ru_money(amount),
            ]
            if show_discount:
                cells.insert(
                    5,
                    f"{ru_quantity(line.discount_percent)} %"
                    if line.discount_percent
                    else "—",
                )
            row = table.row()
            for text in cells:
                row.cell(text)
    pdf.ln(2)


def _totals(
    pdf: _Pdf,
    document: SalesDocument,
    lines: list[DocumentLine],
    *,
    on_top: bool,
    vat_payer: bool,
) -> None:
    by_rate: OrderedDict[Decimal | None, Decimal] = OrderedDict()
    for line in sorted(lines, key=lambda x: -(x.vat_rate or Decimal(-1))):
        by_rate[line.vat_rate] = (
            by_rate.get(line.vat_rate, Decimal(0)) + line.vat_amount
        )
    rows: list[tuple[str, str]] = [
        ("Итого:", ru_money(document.net_amount if on_top else document.total_amount))
    ]
    has_vat = vat_payer and any(amount for amount in by_rate.values())
    if has_vat:
        for rate, amount in by_rate.items():
            if rate is None:
                continue
            label = "НДС" if on_top else "В том числе НДС"
            rows.append((f"{label} {ru_percent(rate)}:", ru_money(amount)))
    else:
        rows.append(("Без налога (НДС):", "—"))
    total_label = (
        "Всего к оплате:" if document.number_kind == "invoice" else "Всего с НДС:"
    )
    if not has_vat and document.number_kind != "invoice":
        total_label = "Всего:"
    rows.append((total_label, ru_money(document.total_amount)))
    value_width = 27.0
    for label, value in rows:
        pdf.font(9, bold=True)
        pdf.set_x(LEFT)
        pdf.cell(WIDTH - value_width, 5, label, align="R")
        pdf.cell(
            value_width,
            5,
            value,
            align="R",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    pdf.ln(3)
    currency = CURRENCY_SHORT.get(document.currency, document.currency)
    pdf.font(9)
    pdf.multi_cell(
        WIDTH,
        4.5,
        f"Всего наименований {len(lines)}, на сумму "
        f"{ru_money(document.total_amount)} {currency}",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
        align="L",
    )
    pdf.font(9.5, bold=True)
    pdf.multi_cell(
        WIDTH,
        5,
        amount_in_words(document.total_amount, document.currency),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
        align="L",
    )
    pdf.ln(2)


def _signature(pdf: _Pdf, x: float, label: str, name: str) -> None:
    pdf.set_x(x)
    pdf.font(9, bold=True)
    pdf.cell(28, 6, label)
    pdf.font(9)
    pdf.cell(32, 6, "", border="B")
    pdf.cell(30, 6, name, align="C")


def _signatures(pdf: _Pdf, document: SalesDocument, supplier: dict[str, Any]) -> None:
    pdf.ln(6)
    y = pdf.get_y()
    if isinstance(document, Order):
        _signature(pdf, LEFT, "Поставщик", supplier.get("director", ""))
        pdf.set_y(y)
        _signature(pdf, LEFT + 92, "Покупатель", "")
    else:
        _signature(pdf, LEFT, "Руководитель", supplier.get("director", ""))
        if isinstance(document, Invoice):
            pdf.set_y(y)
            _signature(pdf, LEFT + 92, "Бухгалтер", supplier.get("accountant", ""))
    pdf.ln(8)


def document_pdf(document: SalesDocument) -> bytes:
    """The document as a PDF file (bytes)."""
    lines = list(document.lines.all())
    supplier, buyer = _parties(document)
    vat_payer = bool(supplier.get("is_vat_payer", True))
    on_top = vat_on_top(lines)
    pdf = _Pdf()
    title = pdf_title(document)
    pdf.set_title(title)
    pdf.set_author(supplier.get("short_name", "") or supplier.get("name", ""))
    pdf.add_page()
    if isinstance(document, Proposal):
        pdf.font(11, bold=True)
        pdf.multi_cell(
            WIDTH,
            5.5,
            supplier.get("name", ""),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
            align="L",
        )
        pdf.font(8.5)
        contacts = ", ".join(
            part
            for part in (
                _requisites_line({**supplier, "name": ""}),
                supplier.get("email", ""),
            )
            if part
        )
        pdf.multi_cell(
            WIDTH, 4.2, contacts, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L"
        )
        pdf.ln(2)
        pdf.rule()
    if isinstance(document, Invoice):
        _bank_block(pdf, supplier)
    pdf.font(13, bold=True)
    pdf.multi_cell(WIDTH, 7, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    pdf.rule(thick=True)
    if isinstance(document, Proposal):
        recipient = buyer.get("name", "")
        if buyer.get("contact") and buyer.get("contact") != recipient:
            recipient = f"{recipient}, {buyer['contact']}"
        pdf.labelled("Кому:", recipient)
        pdf.font(9)
        pdf.multi_cell(
            WIDTH,
            4.5,
            "Предлагаем Вам следующие товары и услуги:",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
            align="L",
        )
        pdf.ln(2)
    else:
        pdf.labelled("Поставщик\n(Исполнитель):", _requisites_line(supplier))
        pdf.labelled("Покупатель\n(Заказчик):", _requisites_line(buyer))
        order = document.order if isinstance(document, Invoice) else None
        if order is not None:
            pdf.labelled(
                "Основание:",
                f"Заказ покупателя № {order.number} от {ru_date(order.date)}",
            )
    show_discount = isinstance(document, Proposal) and any(
        line.discount_percent for line in lines
    )
    _lines_table(pdf, lines, on_top=on_top, show_discount=show_discount)
    _totals(pdf, document, lines, on_top=on_top, vat_payer=vat_payer)
    pdf.font(9)
    if isinstance(document, Invoice) and document.due_date:
        pdf.multi_cell(
            WIDTH,
            4.5,
            f"Оплатить не позднее {ru_date(document.due_date)}",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
            align="L",
        )
    if isinstance(document, Proposal) and document.valid_until:
        pdf.multi_cell(
            WIDTH,
            4.5,
            f"Предложение действительно до {ru_date(document.valid_until)}",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
            align="L",
        )
    if document.comment:
        pdf.multi_cell(
            WIDTH, 4.5, document.comment, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L"
        )
    pdf.ln(2)
    pdf.rule(thick=True)
    _signatures(pdf, document, supplier)
    return bytes(pdf.output())
