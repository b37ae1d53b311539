"""Factories of documents for tests: our requisites and deals with a composition."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import factory
from factory.django import DjangoModelFactory

from crm.customers.tests.factories import CompanyFactory, ContactFactory
from crm.sales.models import OwnCompany
from crm.sales.tests.factories import DealFactory, DealLineFactory, ProductFactory

BIK = "044525225"
_WEIGHTS = (7, 1, 3) * 8


def valid_account(base: str, *, bik: str = BIK, correspondent: bool = False) -> str:
    """A 20-digit account whose check digit (the 9th) matches the BIK."""
    key = "0" + bik[4:6] if correspondent else bik[-3:]
    for digit in "0123456789":
        account = base[:8] + digit + base[9:20]
        total = sum(int(d) * w for d, w in zip(key + account, _WEIGHTS, strict=False))
        if total % 10 == 0:
            return account
    raise AssertionError("no check digit fits")


class OwnCompanyFactory(DjangoModelFactory):
    class Meta:
        model = OwnCompany

    name = "ООО «Парус»"
    full_name = "Общество с ограниченной ответственностью «Парус»"
    inn = "7707083893"
    kpp = "770701001"
    ogrn = "1027700132195"
    address = "101000, г. Москва, ул. Мясницкая, д. 1"
    phone = "+7 495 123-45-67"
    email = "sales@parus.example"
    bank_name = "ПАО СБЕРБАНК г. Москва"
    bik = BIK
    bank_account = factory.LazyFunction(lambda: valid_account("40702810000000012345"))
    correspondent_account = "30101810400000000225"
    director = "Иванов И. И."
    accountant = "Петрова А. А."
    is_vat_payer = True
    is_default = True


def _amounts(quantity, price, discount, rate):
    """VAT included in the price, as the default price list has it."""
    total = (quantity * price * (100 - discount) / 100).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    vat = (
        (total * rate / (100 + rate)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if rate
        else Decimal(0)
    )
    return total - vat, vat, total


def add_line(
    deal,
    name: str,
    *,
    quantity="1",
    price="1220.00",
    discount="0",
    vat_rate="22",
    cost_price="0",
    product=None,
):
    """A line of the deal's composition with its amounts computed (VAT included)."""
    quantity, price, discount = Decimal(quantity), Decimal(price), Decimal(discount)
    rate = Decimal(vat_rate) if vat_rate is not None else None
    net, vat, total = _amounts(quantity, price, discount, rate or Decimal(0))
    return DealLineFactory(
        deal=deal,
        product=product or ProductFactory(name=name),
        name=name,
        quantity=quantity,
        price=price,
        discount_percent=discount,
        vat_rate=rate,
        net_amount=net,
        vat_amount=vat,
        total_amount=total,
        cost_price=Decimal(cost_price),
        position=deal.lines.count() + 1,
    )


def deal_with_lines(owner, *, company_name="ООО «Альфа»", contact=True, **deal_fields):
    """A deal of `owner` with a client company (and a contact with an e-mail) and
    two lines: 100 000,00 and 22 000,00 with VAT 22 % included."""
    company = CompanyFactory(
        name=company_name,
        curator=owner,
        kpp="770101001",
        legal_address="123456, г. Москва, ул. Тверская, д. 7",
        email="office@alfa.example",
    )
    person = (
        ContactFactory(
            first_name="Мария",
            last_name="Смирнова",
            email="maria@alfa.example",
            curator=owner,
        )
        if contact
        else None
    )
    deal = DealFactory(owner=owner, company=company, contact=person, **deal_fields)
    add_line(
        deal, "Станок токарный", quantity="2", price="50000.00", cost_price="30000"
    )
    add_line(deal, "Монтаж и пусконаладка", quantity="1", price="22000.00")
    return deal
