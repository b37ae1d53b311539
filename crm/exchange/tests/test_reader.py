"""The streaming CommerceML reader on its own: what it yields and what it refuses."""

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from crm.exchange.commerceml.reader import CommerceMLError, read
from crm.exchange.tests.factories import commerceml, counterparty, document, line


def _items(content: bytes) -> list:
    return list(read(io.BytesIO(content)))


def test_a_document_yields_its_parties_and_lines_not_catalogue_items():
    items = _items(commerceml(document(lines=line(name="Кабель") + line())))

    assert [i.kind for i in items] == ["meta", "document"]
    doc = items[1].data
    assert doc["counterparties"][0]["inn"] == "7707083893"
    assert [x["name"] for x in doc["lines"]] == ["Кабель", "Монтаж оборудования"]
    assert doc["lines"][0]["vat"] == "20"


def test_root_counterparties_are_records_but_an_owner_is_not():
    body = (
        "<Классификатор><Владелец><Ид>own</Ид><Наименование>Мы</Наименование>"
        "</Владелец></Классификатор><Контрагенты>" + counterparty() + "</Контрагенты>"
    )

    items = _items(commerceml(body))

    assert [i.kind for i in items] == ["meta", "counterparty"]
    assert items[1].data["name"] == "ООО «Ромашка»"


def test_nested_groups_come_parent_first():
    body = (
        "<Классификатор><Группы><Группа><Ид>a</Ид><Наименование>A</Наименование>"
        "<Группы><Группа><Ид>b</Ид><Наименование>B</Наименование></Группа></Группы>"
        "</Группа></Группы></Классификатор>"
    )

    groups = [i.data for i in _items(commerceml(body)) if i.kind == "group"]

    assert groups == [
        {"id": "a", "name": "A", "parent_id": None},
        {"id": "b", "name": "B", "parent_id": "a"},
    ]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_either_read_or_give_a_clear_refusal(content):
    message = "read"
    try:
        _items(content)
    except CommerceMLError as error:
        message = error.message

    assert message


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_any_text_in_a_name_comes_back_as_it_was(name):
    from xml.sax.saxutils import escape

    clean = "".join(c for c in name if c.isprintable() and c not in "\r").strip()
    body = (
        "<Каталог><Товары><Товар><Ид>x</Ид><Наименование>"
        f"{escape(clean)}</Наименование></Товар></Товары></Каталог>"
    )

    items = _items(commerceml(body))

    assert items[1].data["name"] == clean
