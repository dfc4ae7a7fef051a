"""The engine's building blocks on their own."""

from datetime import date

import pytest
from engine import Bom, BomCycleError, BomLine, Item, Vendor
from engine.bom import flatten_kits, low_level_codes, used_edges
from engine.lot_sizing import round_up, select_vendor, size_order

DAY = date(2025, 3, 1)


@pytest.mark.parametrize(
    ("qty", "step", "expected"),
    [
        (12, 10, 20),
        (20, 10, 20),
        (20.000000000001, 10, 20),  # float noise is not one more step
        (0.1 + 0.2, 0.1, 0.3),
        (1.001, 0.01, 1.01),
        (3 * 0.1, 0.3, 0.3),
        (7, 0, 7),
        (1234567.1, 0.001, 1234567.1),
    ],
)
def test_round_up(qty, step, expected):
    assert round_up(qty, step) == expected


def test_select_vendor_in_given_order():
    a = Vendor(1, 1, min_qty=10)
    b = Vendor(2, 2, min_qty=5)
    assert select_vendor((a, b), 7, DAY) == (b, 7)
    assert select_vendor((a, b), 10, DAY) == (a, 10)
    assert select_vendor((a, b), 3, DAY) == (a, 10)
    closed = Vendor(3, 3, date_start=date(2025, 3, 2))
    assert select_vendor((closed,), 3, DAY) == (None, 3)
    assert select_vendor((), 3, DAY) == (None, 3)


def test_size_order_minimum_then_multiple_then_rounding():
    item = Item(
        id=1,
        vendors=(Vendor(1, 1, min_qty=7.2, delay=4),),
        order_multiple=2.5,
        rounding=1,
        purchase_lead=1,
    )
    action, vendor, qty, lead = size_order(item, 1, DAY)
    assert (action, vendor.id, qty, lead) == ("buy", 1, 8, 5)  # 7.2 -> 7.5 -> 8


def test_low_level_codes_take_the_longest_path():
    items = {i: Item(id=i, make=True) for i in (1, 2, 3)}
    boms = {
        1: Bom(1, 1, "normal", (BomLine(2, 1), BomLine(4, 1))),
        2: Bom(2, 2, "normal", (BomLine(3, 1),)),
        3: Bom(3, 3, "phantom", (BomLine(4, 1),)),
    }
    codes = low_level_codes({1, 2, 3, 4, 5}, used_edges(boms, items))
    assert codes == {1: 0, 2: 1, 3: 2, 4: 2, 5: 0}


def test_deep_chain_has_no_recursion_limit():
    n = 5000
    items = {i: Item(id=i, make=True) for i in range(n)}
    boms = {i: Bom(i, i, "normal", (BomLine(i + 1, 1),)) for i in range(n)}
    codes = low_level_codes(set(range(n + 1)), used_edges(boms, items))
    assert codes[n] == n
    boms[n] = Bom(n, n, "normal", (BomLine(n - 2, 1),))
    items[n] = Item(id=n, make=True)
    with pytest.raises(BomCycleError) as info:
        low_level_codes(set(range(n + 1)), used_edges(boms, items))
    assert info.value.item_ids == [n - 2, n - 1, n]


def test_flatten_kits_merges_components():
    boms = {
        1: Bom(1, 1, "normal", (BomLine(2, 2), BomLine(3, 1), BomLine(4, 1))),
        2: Bom(2, 2, "phantom", (BomLine(4, 3), BomLine(5, 1))),
    }
    assert flatten_kits(1, boms, {}) == [(4, 7.0), (5, 2.0), (3, 1.0)]


def test_select_vendor_takes_cheapest_line_of_the_first_partner():
    from engine.lot_sizing import select_vendor
    from engine.types import Vendor

    day = date(2030, 3, 4)
    lines = (
        Vendor(id=1, partner_id=10, min_qty=0, price=9.0),
        Vendor(id=2, partner_id=20, min_qty=0, price=1.0),  # other partner
        Vendor(id=3, partner_id=10, min_qty=50, price=8.0),  # break at 50
        Vendor(id=4, partner_id=10, min_qty=500, price=7.0),  # not reached
    )
    assert select_vendor(lines, 60, day)[0].id == 3
    assert select_vendor(lines, 10, day)[0].id == 1
    # Below every minimum: first valid line, raised to its minimum.
    high = (Vendor(id=5, partner_id=10, min_qty=100, price=2.0),)
    assert select_vendor(high, 10, day) == (high[0], 100)


def test_select_vendor_breaks_price_ties_like_odoo():
    """Equal prices of one partner: lower sequence, then lower id (Odoo's
    ``_select_seller`` sorts by price, sequence, id), not the vendor order."""
    from engine.lot_sizing import select_vendor
    from engine.types import Vendor

    day = date(2030, 3, 4)
    lines = (
        Vendor(id=9, partner_id=10, min_qty=24, price=7.5, sequence=1),
        Vendor(id=4, partner_id=10, min_qty=10, price=7.5, sequence=1),
        Vendor(id=2, partner_id=10, min_qty=0, price=7.5 + 1e-12, sequence=2),
    )
    assert select_vendor(lines, 30, day)[0].id == 4
    assert select_vendor(lines, 12, day)[0].id == 4
    assert select_vendor(lines[:1] + lines[2:], 30, day)[0].id == 9
