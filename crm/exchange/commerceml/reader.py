"""Read CommerceML 2 files record by record, whatever their size.

The file is parsed with `defusedxml`'s `iterparse` (no DTDs, no entity expansion),
namespaces are dropped (1C writes `urn:1C.ru:commerceml_2`, `…_210` or none), and
each record — a group tree, an item, a price type, an offer, a counterparty, a
document — is yielded as a plain dict once its element ends, then removed from the
tree, so memory holds one record at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.utils.translation import gettext as _

ROOT = "КоммерческаяИнформация"


class CommerceMLError(Exception):
    """The file cannot be read as CommerceML: bad XML or a wrong root element."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Item:
    """One record of the file: `kind` is group, product, price_type, offer,
    counterparty, document or meta; `data` its values; `line` where it ends."""

    kind: str
    data: dict[str, Any] = field(default_factory=dict)
    line: int | None = None


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if "}" in tag else tag


def text(elem: Element | None, name: str | None = None) -> str:
    """The stripped text of `elem` or of its child `name` ("" when missing)."""
    if elem is not None and name is not None:
        elem = elem.find(name)
    if elem is None or elem.text is None:
        return ""
    return elem.text.strip()


def requisites(elem: Element) -> dict[str, str]:
    """ЗначенияРеквизитов as {name: value} (the first value of each name)."""
    values: dict[str, str] = {}
    for item in elem.iterfind("ЗначенияРеквизитов/ЗначениеРеквизита"):
        name = text(item, "Наименование")
        if name and name not in values:
            values[name] = text(item, "Значение")
    return values


def _vat(elem: Element) -> str | None:
    """The VAT rate of СтавкиНалогов (or a line's Налоги): "18", "10", "0" or
    "" for «Без НДС»; None when the element names no VAT."""
    for rate in elem.iterfind("СтавкиНалогов/СтавкаНалога"):
        if text(rate, "Наименование").upper() == "НДС":
            value = text(rate, "Ставка").replace("%", "").strip()
            return "" if value.lower().startswith("без") else value
    for tax in elem.iterfind("Налоги/Налог"):
        if text(tax, "Наименование").upper() == "НДС":
            return text(tax, "Ставка").replace("%", "").strip()
    return None


def _unit(elem: Element) -> tuple[str, str, str]:
    unit = elem.find("БазоваяЕдиница")
    if unit is None:
        return "", "", ""
    return (
        unit.get("Код", "").strip(),
        unit.get("НаименованиеПолное", "").strip(),
        (unit.text or "").strip(),
    )


def _groups(elem: Element, parent_id: str | None, out: list[dict]) -> None:
    """Groups parent first, so a child can point at a group already stored."""
    for group in elem.iterfind("Группы/Группа"):
        group_id = text(group, "Ид")
        out.append(
            {
                "id": group_id,
                "name": text(group, "Наименование"),
                "parent_id": parent_id,
            }
        )
        _groups(group, group_id, out)


def _product(elem: Element) -> dict[str, Any]:
    code, full, short = _unit(elem)
    reqs = requisites(elem)
    status = text(elem, "Статус") or elem.get("Статус", "")
    return {
        "id": text(elem, "Ид"),
        "sku": text(elem, "Артикул"),
        "name": text(elem, "Наименование"),
        "barcode": text(elem, "Штрихкод"),
        "unit_code": code,
        "unit_name": full or short,
        "group_ids": [text(g) for g in elem.iterfind("Группы/Ид") if text(g)],
        "description": text(elem, "Описание"),
        "vat": _vat(elem),
        "requisites": reqs,
        "deleted": status.lower() == "удален" or elem.get("Удален") == "true",
        # Paths of pictures inside the exchange (import_files/…); the first one is
        # the item's image.
        "pictures": [text(p) for p in elem.iterfind("Картинка") if text(p)],
    }


def _price_type(elem: Element) -> dict[str, Any]:
    included = None
    tax = elem.find("Налог")
    if tax is not None and text(tax, "Наименование").upper() == "НДС":
        included = text(tax, "УчтеноВСумме").lower() == "true"
    return {
        "id": text(elem, "Ид"),
        "name": text(elem, "Наименование"),
        "currency": text(elem, "Валюта"),
        "vat_included": included,
    }


def _stock(elem: Element) -> str:
    """How many the offer has in stock, as text ("" when the offer does not say).

    1C writes the total as Количество; some versions give only warehouses — as
    `<Склад КоличествоНаСкладе=…>` (2.04–2.07) or `Остатки/Остаток` (2.08+) —
    which are summed then.
    """
    total = text(elem, "Количество")
    if total:
        return total
    parts = [s.get("КоличествоНаСкладе", "").strip() for s in elem.iterfind("Склад")]
    for rest in elem.iterfind("Остатки/Остаток"):
        stores = [text(store, "Количество") for store in rest.iterfind("Склад")]
        parts.extend(stores if stores else [text(rest, "Количество")])
    parts = [p for p in parts if p]
    if not parts:
        return ""
    try:
        return str(sum(Decimal(p.replace(",", ".").replace(" ", "")) for p in parts))
    except InvalidOperation:
        return parts[0]


def _offer(elem: Element) -> dict[str, Any]:
    code, full, short = _unit(elem)
    prices = [
        {
            "type_id": text(price, "ИдТипаЦены"),
            "price": text(price, "ЦенаЗаЕдиницу"),
            "currency": text(price, "Валюта"),
        }
        for price in elem.iterfind("Цены/Цена")
    ]
    return {
        "id": text(elem, "Ид"),
        "sku": text(elem, "Артикул"),
        "name": text(elem, "Наименование"),
        "unit_code": code,
        "unit_name": full or short,
        "prices": prices,
        "quantity": _stock(elem),
        # An offer of a characteristic (size, colour) may have its own barcode.
        "barcode": text(elem, "Штрихкод"),
    }


# Parts of an address (АдресноеПоле/Тип) in the order they are written out when
# 1C gives no Представление.
ADDRESS_PARTS = (
    "Почтовый индекс",
    "Страна",
    "Регион",
    "Район",
    "Город",
    "Населенный пункт",
    "Улица",
    "Дом",
    "Корпус",
    "Квартира",
)


def _address(elem: Element | None) -> tuple[str, str]:
    """(the address as one line, its region) of an address element."""
    if elem is None:
        return "", ""
    parts = {
        text(part, "Тип"): text(part, "Значение")
        for part in elem.iterfind("АдресноеПоле")
    }
    line = text(elem, "Представление")
    if not line.strip(" ,"):
        line = ", ".join(parts[name] for name in ADDRESS_PARTS if parts.get(name))
    return line, parts.get("Регион", "")


def counterparty(elem: Element) -> dict[str, Any]:
    """A Контрагент element (root list or a document's party) as a dict."""
    legal, legal_region = _address(elem.find("ЮридическийАдрес"))
    actual, actual_region = _address(elem.find("Адрес"))
    registered, registered_region = _address(elem.find("АдресРегистрации"))
    address = legal or actual or registered
    region = legal_region or actual_region or registered_region
    contacts = []
    for contact in elem.iterfind("Контакты/Контакт"):
        kind = text(contact, "Тип") or contact.get("Тип", "")
        value = text(contact, "Значение")
        if value:
            contacts.append((kind, value))
    representatives = []
    for rep in elem.iterfind("Представители/Представитель/Контрагент"):
        name = text(rep, "Наименование")
        if name:
            representatives.append(
                {
                    "id": text(rep, "Ид"),
                    "name": name,
                    "relation": text(rep, "Отношение"),
                }
            )
    person = " ".join(
        text(elem, name) for name in ("Фамилия", "Имя", "Отчество") if text(elem, name)
    )
    return {
        "id": text(elem, "Ид"),
        "name": text(elem, "Наименование")
        or text(elem, "ОфициальноеНаименование")
        or text(elem, "ПолноеНаименование")
        or person,
        "full_name": text(elem, "ПолноеНаименование")
        or text(elem, "ОфициальноеНаименование"),
        "role": text(elem, "Роль"),
        "inn": text(elem, "ИНН"),
        "kpp": text(elem, "КПП"),
        "ogrn": text(elem, "ОГРН") or text(elem, "ОГРНИП"),
        "okpo": text(elem, "ОКПО"),
        "region": region,
        "legal_address": address,
        "actual_address": actual if actual != address else "",
        "contacts": contacts,
        "representatives": representatives,
    }


def _document(elem: Element) -> dict[str, Any]:
    lines = []
    for index, item in enumerate(elem.iterfind("Товары/Товар"), start=1):
        code, full, short = _unit(item)
        reqs = requisites(item)
        lines.append(
            {
                "position": index,
                "id": text(item, "Ид"),
                "sku": text(item, "Артикул"),
                "name": text(item, "Наименование"),
                "unit": short or full or code,
                "price": text(item, "ЦенаЗаЕдиницу"),
                "quantity": text(item, "Количество"),
                "total": text(item, "Сумма"),
                "vat": _vat(item),
                "is_service": reqs.get("ТипНоменклатуры", "").lower() == "услуга",
            }
        )
    parties = [counterparty(c) for c in elem.iterfind("Контрагенты/Контрагент")]
    return {
        "id": text(elem, "Ид"),
        "number": text(elem, "Номер"),
        "date": text(elem, "Дата"),
        "operation": text(elem, "ХозОперация"),
        "role": text(elem, "Роль"),
        "currency": text(elem, "Валюта"),
        "rate": text(elem, "Курс"),
        "total": text(elem, "Сумма"),
        "comment": text(elem, "Комментарий"),
        "due_date": text(elem, "СрокПлатежа"),
        "counterparties": parties,
        "lines": lines,
        "requisites": requisites(elem),
    }


# Record elements and the parent they must have: a Товар inside a Документ is a
# line of that document, not an item of the catalogue.
_RECORDS = {
    ("Товары", "Товар"): ("product", _product, "Каталог"),
    ("ТипыЦен", "ТипЦены"): ("price_type", _price_type, None),
    ("Предложения", "Предложение"): ("offer", _offer, None),
    ("Контрагенты", "Контрагент"): ("counterparty", counterparty, ROOT),
    (ROOT, "Документ"): ("document", _document, None),
}


def read(source: IO[bytes] | str) -> Iterator[Item]:
    """Yield the records of a CommerceML file in document order.

    Raises CommerceMLError for XML that cannot be parsed (with its line), for DTDs
    and entities (refused as unsafe) and for a root other than
    КоммерческаяИнформация; records before the fault have been yielded already, so
    callers write inside a transaction they can roll back.
    """
    stack: list[Element] = []
    events = iterparse(source, events=("start", "end"), forbid_dtd=True)
    try:
        for event, elem in events:
            if event == "start":
                elem.tag = local(elem.tag)
                if not stack:
                    if elem.tag != ROOT:
                        raise CommerceMLError(
                            _(
                                "The file is not CommerceML: its root element is "
                                "«%(tag)s», not «%(root)s»."
                            )
                            % {"tag": elem.tag, "root": ROOT}
                        )
                    yield Item(
                        "meta",
                        {
                            "version": elem.get("ВерсияСхемы", ""),
                            "date": elem.get("ДатаФормирования", ""),
                        },
                    )
                stack.append(elem)
                continue
            stack.pop()
            parent = stack[-1] if stack else None
            if parent is None:
                break
            if elem.tag == "Классификатор" and parent.tag == ROOT:
                groups: list[dict] = []
                _groups(elem, None, groups)
                for group in groups:
                    yield Item("group", group)
                parent.remove(elem)
                continue
            spec = _RECORDS.get((parent.tag, elem.tag))
            if spec is None:
                continue
            kind, build, grandparent = spec
            if grandparent is not None:
                owner = stack[-2] if len(stack) > 1 else None
                if grandparent == ROOT:
                    if parent.tag != ROOT and (owner is None or owner.tag != ROOT):
                        continue
                elif owner is None or owner.tag != grandparent:
                    continue
            yield Item(kind, build(elem))
            parent.remove(elem)
    except ParseError as error:
        line, column = getattr(error, "position", (None, None))
        raise CommerceMLError(
            _(
                "The file is not valid XML: %(error)s (line %(line)s, column %(column)s)."
            )
            % {"error": str(error).split(":")[0], "line": line, "column": column}
        ) from None
    except DefusedXmlException:
        raise CommerceMLError(
            _("The file declares a DTD or entities, which are refused as unsafe.")
        ) from None
