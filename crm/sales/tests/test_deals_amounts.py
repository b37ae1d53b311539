"""The amounts of a deal line: net, VAT and total, in Decimal, rounded half up to
kopecks, with VAT inside the price or on top of it."""

from decimal import Decimal as D

import pytest

from crm.sales.services.deals import LineAmounts, line_amounts


@pytest.mark.parametrize(
    ("price", "rate", "net", "vat", "total"),
    [
        ("1220.00", "22", "1000.00", "220.00", "1220.00"),
        ("110.00", "10", "100.00", "10.00", "110.00"),
        ("100.00", "0", "100.00", "0.00", "100.00"),
        ("100.00", None, "100.00", "0.00", "100.00"),
        # 100 × 22 / 122 = 18.0327…
        ("100.00", "22", "81.97", "18.03", "100.00"),
    ],
)
def test_vat_inside_the_price_is_total_times_rate_over_100_plus_rate(
    price, rate, net, vat, total
):
    amounts = line_amounts(
        quantity=D("1"),
        price=D(price),
        vat_rate=D(rate) if rate else None,
        prices_include_vat=True,
    )
    assert amounts == LineAmounts(net=D(net), vat=D(vat), total=D(total))


@pytest.mark.parametrize(
    ("price", "rate", "net", "vat", "total"),
    [
        ("1000.00", "22", "1000.00", "220.00", "1220.00"),
        ("100.00", "10", "100.00", "10.00", "110.00"),
        ("100.00", "0", "100.00", "0.00", "100.00"),
        ("100.00", None, "100.00", "0.00", "100.00"),
        ("33.33", "22", "33.33", "7.33", "40.66"),
    ],
)
def test_vat_on_top_is_net_times_rate_over_100(price, rate, net, vat, total):
    amounts = line_amounts(
        quantity=D("1"),
        price=D(price),
        vat_rate=D(rate) if rate else None,
        prices_include_vat=False,
    )
    assert amounts == LineAmounts(net=D(net), vat=D(vat), total=D(total))


def test_three_times_33_33_with_7_5_percent_discount_rounds_once_to_kopecks():
    # given: 3 × 33.33 = 99.99, less 7.5 % = 92.49075
    # when
    inside = line_amounts(
        quantity=D("3"),
        price=D("33.33"),
        discount_percent=D("7.5"),
        vat_rate=D("22"),
        prices_include_vat=True,
    )
    on_top = line_amounts(
        quantity=D("3"),
        price=D("33.33"),
        discount_percent=D("7.5"),
        vat_rate=D("22"),
        prices_include_vat=False,
    )
    # then: 92.49 × 22 / 122 = 16.6787 → 16.68; 92.49 × 0.22 = 20.3478 → 20.35
    assert inside == LineAmounts(net=D("75.81"), vat=D("16.68"), total=D("92.49"))
    assert on_top == LineAmounts(net=D("92.49"), vat=D("20.35"), total=D("112.84"))


def test_halves_of_a_kopeck_round_up_not_to_even():
    # 0.5 × 0.01 = 0.005 → 0.01; VAT 10 % of 0.45 = 0.045 → 0.05 (banker's: 0.04)
    assert line_amounts(quantity=D("0.5"), price=D("0.01"), vat_rate=None).total == D(
        "0.01"
    )
    assert line_amounts(
        quantity=D("1"), price=D("0.45"), vat_rate=D("10"), prices_include_vat=False
    ).vat == D("0.05")
    assert line_amounts(
        quantity=D("2.5"), price=D("19.99"), vat_rate=D("0")
    ).total == D("49.98")


def test_a_full_discount_makes_every_amount_zero():
    amounts = line_amounts(
        quantity=D("7"), price=D("999.99"), discount_percent=D("100"), vat_rate=D("22")
    )
    assert amounts == LineAmounts(net=D("0.00"), vat=D("0.00"), total=D("0.00"))


def test_large_figures_keep_every_kopeck():
    amounts = line_amounts(
        quantity=D("99999999.999"),
        price=D("99999.99"),
        discount_percent=D("0.01"),
        vat_rate=D("22"),
        prices_include_vat=False,
    )
    # 99999999.999 × 99999.99 × 0.9999 = 9998999000000.010009999
    assert amounts.net == D("9998999000000.01")
    assert amounts.vat == (amounts.net * D("0.22")).quantize(D("0.01"))
    assert amounts.total == amounts.net + amounts.vat


def test_floats_from_code_are_read_by_their_shortest_text():
    amounts = line_amounts(quantity=D("3"), price=D(str(33.33)), vat_rate=None)
    assert amounts.total == D("99.99")
