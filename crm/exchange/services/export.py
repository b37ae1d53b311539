"""Export to 1C in CommerceML 2: the catalogue (import.xml), offers with prices
(offers.xml), counterparties and documents (orders and invoices).

Everything is streamed: rows are read with `.iterator()` in chunks and written
piece by piece. Records without a 1C Ид go out as `crm-<kind>-<pk>` (see `ids`), so
when 1C sends them back they find the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from itertools import groupby

from django.db.models import Exists, OuterRef, Prefetch, Q

from crm.core import visibility
from crm.customers.models import Company
from crm.exchange.commerceml.writer import (
    document,
    element,
    fields,
    plain,
    requisites,
)
from crm.exchange.services.access import ensure_can_exchange
from crm.exchange.services.ids import own_id
from crm.sales.models import (
    DocumentLine,
    Invoice,
    InvoiceStatus,
    Order,
    OrderStatus,
    Payment,
    Price,
    PriceList,
    Product,
    ProductGroup,
    ProductKind,
)
from crm.sales.selectors.documents import deal_scope

CATALOGUE_ID = "crm-catalogue"
CHUNK = 2000
# What 1C reads in «Статус заказа»: fixed Russian words whatever the user's language.
ORDER_STATUS_1C = {
    OrderStatus.NEW: "Новый",
    OrderStatus.CONFIRMED: "Подтвержден",
    OrderStatus.SHIPPED: "Отгружен",
    OrderStatus.DONE: "Выполнен",
    OrderStatus.CANCELLED: "Отменен",
}


def _owner() -> str:
    from crm.sales.services.documents.issue import own_company_default

    own = own_company_default()
    if own is None:
        return ""
    return (
        "<Владелец>"
        + fields(
            [
                ("Ид", f"crm-own-{own.pk}"),
                ("Наименование", own.name),
                ("ПолноеНаименование", own.full_name),
                ("ИНН", own.inn),
                ("КПП", own.kpp),
            ]
        )
        + "</Владелец>"
    )


def _group_tree(groups: list[ProductGroup], parent_id: int | None) -> str:
    children = [g for g in groups if g.parent_id == parent_id]
    if not children:
        return ""
    inner = "".join(
        "<Группа>"
        + fields([("Ид", own_id("group", g)), ("Наименование", g.name)])
        + _group_tree(groups, g.pk)
        + "</Группа>"
        for g in children
    )
    return f"<Группы>{inner}</Группы>"


def _unit(unit) -> str:
    if unit is None:
        return ""
    return element(
        "БазоваяЕдиница",
        unit.short_name,
        {
            "Код": unit.okei_code or "",
            "НаименованиеПолное": unit.name_ru or unit.name_en,
        },
    )


def _vat(vat_rate) -> str:
    if vat_rate is None:
        return ""
    rate = "Без НДС" if vat_rate.rate is None else plain(vat_rate.rate)
    return (
        "<СтавкиНалогов><СтавкаНалога>"
        + fields([("Наименование", "НДС"), ("Ставка", rate)])
        + "</СтавкаНалога></СтавкиНалогов>"
    )


def catalogue_xml(*, actor) -> Iterator[str]:
    """import.xml: the classifier with the group tree and the catalogue's items."""
    ensure_can_exchange(actor=actor)
    groups = list(ProductGroup.objects.order_by("name", "pk"))

    def body() -> Iterator[str]:
        yield (
            "<Классификатор>"
            + fields([("Ид", CATALOGUE_ID), ("Наименование", "Классификатор CRM")])
            + _owner()
            + _group_tree(groups, None)
            + "</Классификатор>\n"
        )
        yield (
            '<Каталог СодержитТолькоИзменения="false">'
            + fields(
                [
                    ("Ид", CATALOGUE_ID),
                    ("ИдКлассификатора", CATALOGUE_ID),
                    ("Наименование", "Каталог CRM"),
                ]
            )
            + _owner()
            + "<Товары>\n"
        )
        products = Product.objects.select_related("group", "unit", "vat_rate").order_by(
            "pk"
        )
        for product in products.iterator(chunk_size=CHUNK):
            group = (
                f"<Группы>{element('Ид', own_id('group', product.group))}</Группы>"
                if product.group is not None
                else ""
            )
            kind = "Услуга" if product.kind == ProductKind.SERVICE else "Товар"
            yield (
                "<Товар>"
                + element("Ид", own_id("product", product))
                # CommerceML puts Штрихкод before Артикул. None is written for an
                # item without one, so 1C keeps what it has.
                + (element("Штрихкод", product.barcode) if product.barcode else "")
                + fields([("Артикул", product.sku), ("Наименование", product.name)])
                + _unit(product.unit)
                + group
                + element("Описание", product.description)
                + _vat(product.vat_rate)
                + requisites(
                    [("ТипНоменклатуры", kind), ("Полное наименование", product.name)]
                )
                + ("" if product.is_active else element("Статус", "Удален"))
                + "</Товар>\n"
            )
        yield "</Товары></Каталог>\n"

    return document(body())


def offers_xml(*, actor) -> Iterator[str]:
    """offers.xml: price lists as price types and each priced item's prices."""
    ensure_can_exchange(actor=actor)
    price_lists = list(PriceList.objects.all())

    def body() -> Iterator[str]:
        yield (
            '<ПакетПредложений СодержитТолькоИзменения="false">'
            + fields(
                [
                    ("Ид", f"{CATALOGUE_ID}#"),
                    ("Наименование", "Пакет предложений CRM"),
                    ("ИдКаталога", CATALOGUE_ID),
                    ("ИдКлассификатора", CATALOGUE_ID),
                ]
            )
            + _owner()
            + "<ТипыЦен>"
            + "".join(
                "<ТипЦены>"
                + fields(
                    [
                        ("Ид", own_id("pricelist", pl)),
                        ("Наименование", pl.name),
                        ("Валюта", pl.currency),
                    ]
                )
                + "<Налог>"
                + fields(
                    [
                        ("Наименование", "НДС"),
                        ("УчтеноВСумме", "true" if pl.prices_include_vat else "false"),
                    ]
                )
                + "</Налог></ТипЦены>"
                for pl in price_lists
            )
            + "</ТипыЦен>\n<Предложения>\n"
        )
        # Prices in item order, grouped as they come: one pass over the price
        # table's rows, no per-item lookups and no prefetch of whole chunks.
        lists = {pl.pk: pl for pl in price_lists}
        prices = (
            Price.objects.filter(product__deleted_at__isnull=True)
            .select_related("product__unit")
            .order_by("product_id", "price_list_id")
        )
        rows = prices.iterator(chunk_size=CHUNK)
        for _product_id, group in groupby(rows, key=lambda p: p.product_id):
            items = list(group)
            product = items[0].product
            cells = "".join(
                "<Цена>"
                + fields(
                    [
                        ("ИдТипаЦены", own_id("pricelist", lists[price.price_list_id])),
                        ("ЦенаЗаЕдиницу", plain(price.price)),
                        ("Валюта", lists[price.price_list_id].currency),
                        ("Коэффициент", "1"),
                    ]
                )
                + "</Цена>"
                for price in items
            )
            stock = (
                element("Количество", plain(product.stock))
                if product.stock is not None
                else ""
            )
            yield (
                "<Предложение>"
                + fields(
                    [
                        ("Ид", own_id("product", product)),
                        ("Артикул", product.sku),
                        ("Наименование", product.name),
                    ]
                )
                + _unit(product.unit)
                + f"<Цены>{cells}</Цены>"
                + stock
                + "</Предложение>\n"
            )
        yield "</Предложения></ПакетПредложений>\n"

    return document(body())


def _counterparty(company: Company | None, parties: dict, role: str) -> str:
    buyer = (parties or {}).get("buyer") or {}
    if company is None and not buyer:
        return ""
    name = company.name if company is not None else buyer.get("name", "")
    values = [
        ("Ид", own_id("company", company) if company is not None else ""),
        ("Наименование", name),
        ("Роль", role),
        ("ПолноеНаименование", (company.full_name if company else "") or name),
        ("ИНН", company.inn if company is not None else buyer.get("inn", "")),
        ("КПП", company.kpp if company is not None else buyer.get("kpp", "")),
    ]
    if company is not None and company.okpo:
        # After КПП, where 1C writes it; left out when blank (1C reads an empty
        # element as a value).
        values.append(("ОКПО", company.okpo))
    address = company.legal_address if company is not None else buyer.get("address", "")
    contacts = ""
    if company is not None:
        points = [
            ("Телефон рабочий", company.phone),
            ("Электронная почта", company.email),
        ]
        contacts = "".join(
            "<Контакт>" + fields([("Тип", kind), ("Значение", value)]) + "</Контакт>"
            for kind, value in points
            if value
        )
    return (
        "<Контрагент>"
        + fields(values)
        + (
            "<ЮридическийАдрес>"
            + element("Представление", address)
            + "</ЮридическийАдрес>"
            if address
            else ""
        )
        + (f"<Контакты>{contacts}</Контакты>" if contacts else "")
        + "</Контрагент>"
    )


def counterparties_xml(*, actor) -> Iterator[str]:
    """Counterparties: the companies the actor sees, under a root Контрагенты."""
    ensure_can_exchange(actor=actor)

    def body() -> Iterator[str]:
        yield "<Контрагенты>\n"
        companies = visibility.visible(Company.objects, actor).order_by("pk")
        for company in companies.iterator(chunk_size=CHUNK):
            yield _counterparty(company, {}, "Покупатель") + "\n"
        yield "</Контрагенты>\n"

    return document(body())


def _line(line: DocumentLine) -> str:
    product = line.product
    kind = (
        "Услуга"
        if product is not None and product.kind == ProductKind.SERVICE
        else "Товар"
    )
    price = (
        (line.total_amount / line.quantity).quantize(line.price)
        if line.quantity
        else line.price
    )
    vat = (
        "<Налоги><Налог>"
        + fields(
            [
                ("Наименование", "НДС"),
                ("УчтеноВСумме", "true"),
                ("Сумма", plain(line.vat_amount)),
                (
                    "Ставка",
                    plain(line.vat_rate) if line.vat_rate is not None else "Без НДС",
                ),
            ]
        )
        + "</Налог></Налоги>"
    )
    return (
        "<Товар>"
        + fields(
            [
                ("Ид", own_id("product", product) if product is not None else ""),
                ("Артикул", product.sku if product is not None else ""),
                ("Наименование", line.name),
            ]
        )
        + element("БазоваяЕдиница", line.unit or "шт")
        + fields(
            [
                ("ЦенаЗаЕдиницу", plain(price)),
                ("Количество", plain(line.quantity)),
                ("Сумма", plain(line.total_amount)),
            ]
        )
        + vat
        + requisites([("ВидНоменклатуры", kind), ("ТипНоменклатуры", kind)])
        + "</Товар>"
    )


def _document(
    doc: Order | Invoice, operation: str, extra: list[tuple[str, str]]
) -> str:
    link = getattr(doc, "exchange_link", None)
    kind = "order" if isinstance(doc, Order) else "invoice"
    external = link.external_id if link is not None else own_id(kind, doc)
    return (
        "<Документ>"
        + fields(
            [
                ("Ид", external),
                ("Номер", doc.number),
                ("Дата", doc.date.isoformat()),
                ("ХозОперация", operation),
                ("Роль", "Продавец"),
                ("Валюта", doc.currency),
                ("Курс", "1"),
                ("Сумма", plain(doc.total_amount)),
            ]
        )
        + "<Контрагенты>"
        + _counterparty(doc.company, doc.parties, "Покупатель")
        + "</Контрагенты>"
        + element("Комментарий", doc.comment)
        + "<Товары>"
        + "".join(_line(line) for line in doc.lines.all())
        + "</Товары>"
        + requisites(extra)
        + "</Документ>\n"
    )


def _lines_prefetch() -> Prefetch:
    return Prefetch(
        "lines",
        queryset=DocumentLine.objects.select_related("product").order_by(
            "position", "pk"
        ),
    )


def documents_xml(*, actor, since: dt.datetime | None = None) -> Iterator[str]:
    """Orders and invoices created or changed after `since` (all when None): an
    order's status change, an invoice's payment count as changes."""
    ensure_can_exchange(actor=actor)
    orders = Order.objects.select_related("company", "exchange_link").prefetch_related(
        _lines_prefetch()
    )
    invoices = Invoice.objects.select_related(
        "company", "exchange_link"
    ).prefetch_related(_lines_prefetch())
    # The exchange user sends only the documents of deals it may see.
    orders = orders.filter(deal_scope(actor))
    invoices = invoices.filter(deal_scope(actor))
    if since is not None:
        orders = orders.filter(Q(created_at__gt=since) | Q(status_changed_at__gt=since))
        invoices = invoices.filter(
            Q(created_at__gt=since)
            | Exists(
                Payment.objects.filter(invoice=OuterRef("pk"), created_at__gt=since)
            )
        )

    def body() -> Iterator[str]:
        for order in orders.order_by("pk").iterator(chunk_size=CHUNK):
            yield _document(
                order,
                "Заказ товара",
                [
                    ("Статус заказа", ORDER_STATUS_1C[order.status]),
                    (
                        "Отменен",
                        "true" if order.status == OrderStatus.CANCELLED else "false",
                    ),
                    (
                        "Финальный статус",
                        "true" if order.status == OrderStatus.DONE else "false",
                    ),
                ],
            )
        for invoice in invoices.order_by("pk").iterator(chunk_size=CHUNK):
            extra = [
                (
                    "Отменен",
                    "true" if invoice.status == InvoiceStatus.CANCELLED else "false",
                ),
                (
                    "Срок оплаты",
                    invoice.due_date.isoformat() if invoice.due_date else "",
                ),
            ]
            if invoice.status == InvoiceStatus.PAID:
                extra.append(("Оплачен", "true"))
            yield _document(invoice, "Счет на оплату", extra)

    return document(body())
