"""Hand-computed MRP cases: every quantity, date and peg worked out on paper.

Run date is Wednesday 2025-01-01; ``D(n)`` is the run date plus n days.
"""

from datetime import date, timedelta

import engine
import pytest
from engine import (
    Bom,
    BomCycleError,
    BomLine,
    Demand,
    Item,
    Peg,
    Stock,
    Supply,
    Vendor,
)

RUN = date(2025, 1, 1)


def D(days):
    return RUN + timedelta(days=days)


def run(items=(), boms=(), stock=(), demands=(), supplies=(), **kw):
    return engine.plan(items, boms, stock, demands, supplies, RUN, **kw)


def orders_of(result, item_id):
    return [order for order in result.orders if order.item_id == item_id]


def rows(result, item_id):
    return [
        (r.date, r.demand, r.receipts, r.planned, r.expired, r.on_hand)
        for r in result.projection[item_id]
    ]


VENDOR = Vendor(id=100, partner_id=7, delay=3, price=2.5)


def buy_item(item_id=1, **kw):
    kw.setdefault("vendors", (VENDOR,))
    return Item(id=item_id, name=f"P{item_id}", **kw)


# --- single level -----------------------------------------------------------


def test_single_level_buy():
    result = run(
        items=[buy_item(purchase_lead=2)],
        stock=[Stock(item_id=1, qty=4)],
        demands=[Demand("move:1", 1, D(10), 10)],
    )
    (order,) = result.orders
    assert order.index == 0
    assert order.action == "buy"
    assert order.qty == 6
    assert order.date_required == D(10)
    assert order.date_order == D(5)  # 10 - vendor delay 3 - purchase lead 2
    assert order.vendor_id == 100
    assert order.exception == "none"
    assert order.pegs == [Peg(6, D(10), "move:1", None, "move:1")]
    assert result.messages == []
    assert rows(result, 1) == [
        (D(0), 0, 0, 0, 0, 4),
        (D(10), 10, 0, 6, 0, 0),
    ]
    assert result.low_level_codes == {1: 0}


def test_lot_for_lot_is_one_order_per_need_date():
    result = run(
        items=[buy_item()],
        demands=[
            Demand("move:2", 1, D(10), 3),
            Demand("move:1", 1, D(10), 4),
            Demand("move:3", 1, D(11), 5),
        ],
    )
    assert [(o.qty, o.date_required) for o in result.orders] == [
        (7, D(10)),
        (5, D(11)),
    ]
    assert [p.demand_id for p in result.orders[0].pegs] == ["move:1", "move:2"]


def test_two_stock_rows_are_one_pool():
    result = run(
        items=[buy_item()],
        stock=[Stock(1, 3), Stock(1, 4)],
        demands=[Demand("move:1", 1, D(5), 10)],
    )
    (order,) = result.orders
    assert order.qty == 3
    assert rows(result, 1)[0] == (D(0), 0, 0, 0, 0, 7)


def test_no_source():
    result = run(
        items=[Item(id=1)],
        demands=[Demand("move:1", 1, D(4), 5)],
    )
    (order,) = result.orders
    assert order.action == "none"
    assert order.exception == "no_source"
    assert order.vendor_id is None
    assert order.date_order == order.date_required == D(4)
    assert order.qty == 5


def test_transfer():
    result = run(
        items=[Item(id=1, transfer_delay=2, order_multiple=4)],
        demands=[Demand("move:1", 1, D(4), 5)],
    )
    (order,) = result.orders
    assert (order.action, order.qty, order.date_order) == ("transfer", 8, D(2))
    assert order.exception == "none"


def test_past_dated_demand_and_supply_count_at_run_date():
    result = run(
        items=[buy_item()],
        demands=[Demand("move:1", 1, D(-5), 10)],
        supplies=[Supply("po:1", 1, D(-2), 4)],
    )
    (order,) = result.orders
    assert order.qty == 6
    assert order.date_required == D(0)
    assert order.date_order == D(0)
    assert order.exception == "expedite"
    assert order.pegs == [Peg(6, D(0), "move:1", None, "move:1")]
    assert result.messages == []
    assert rows(result, 1) == [(D(0), 10, 4, 6, 0, 0)]


def test_horizon_cut():
    result = run(
        items=[buy_item()],
        demands=[
            Demand("move:1", 1, D(30), 1),
            Demand("move:2", 1, D(31), 2),
        ],
        horizon_days=30,
    )
    assert [(o.qty, o.date_required) for o in result.orders] == [(1, D(30))]
    assert rows(result, 1)[-1] == (D(30), 1, 0, 1, 0, 0)


# --- sources and quantities --------------------------------------------------


def test_min_qty_then_multiple_then_rounding():
    vendor = Vendor(id=1, partner_id=1, min_qty=25)
    result = run(
        items=[buy_item(vendors=(vendor,), order_multiple=10, rounding=1)],
        demands=[Demand("move:1", 1, D(5), 12)],
    )
    (order,) = result.orders
    assert order.qty == 30  # 12 -> minimum 25 -> multiple of 10
    assert order.pegs == [Peg(12, D(5), "move:1", None, "move:1")]
    # The 18 left over serve the next need without a new order.
    result = run(
        items=[buy_item(vendors=(vendor,), order_multiple=10)],
        demands=[Demand("move:1", 1, D(5), 12), Demand("move:2", 1, D(6), 18)],
    )
    assert [(o.qty, o.date_required) for o in result.orders] == [(30, D(5))]


def test_uom_rounding_up_without_float_noise():
    result = run(
        items=[buy_item(rounding=0.01)],
        demands=[Demand("move:1", 1, D(5), 0.1 + 0.2), Demand("m:2", 1, D(6), 1.001)],
    )
    assert [o.qty for o in result.orders] == [0.3, 1.01]


def test_price_breaks_pick_first_line_reaching_its_minimum():
    big = Vendor(id=1, partner_id=9, min_qty=100, price=8)
    small = Vendor(id=2, partner_id=9, min_qty=0, price=10)
    result = run(
        items=[buy_item(vendors=(big, small))],
        demands=[Demand("move:1", 1, D(5), 150), Demand("move:2", 1, D(9), 50)],
    )
    assert [(o.vendor_id, o.qty) for o in result.orders] == [(1, 150), (2, 50)]


def test_vendor_date_validity():
    january = Vendor(
        id=1, partner_id=1, delay=1, date_start=D(0), date_end=date(2025, 1, 31)
    )
    later = Vendor(id=2, partner_id=2, delay=4, date_start=date(2025, 2, 1))
    result = run(
        items=[buy_item(vendors=(january, later))],
        demands=[
            Demand("move:1", 1, date(2025, 1, 31), 5),
            Demand("move:2", 1, date(2025, 2, 1), 5),
        ],
    )
    assert [(o.vendor_id, o.date_order) for o in result.orders] == [
        (1, date(2025, 1, 30)),
        (2, date(2025, 1, 28)),
    ]


def test_vendor_minimum_fallback_to_first_valid_vendor():
    first = Vendor(id=1, partner_id=1, min_qty=50)
    second = Vendor(id=2, partner_id=2, min_qty=30)
    expired = Vendor(id=3, partner_id=3, date_end=D(-1))
    result = run(
        items=[buy_item(vendors=(expired, first, second))],
        demands=[Demand("move:1", 1, D(5), 10)],
    )
    (order,) = result.orders
    assert (order.vendor_id, order.qty) == (1, 50)
    assert order.pegs == [Peg(10, D(5), "move:1", None, "move:1")]


def test_no_valid_vendor_on_the_date_is_no_source():
    old = Vendor(id=1, partner_id=1, date_end=D(-1))
    result = run(items=[buy_item(vendors=(old,))], demands=[Demand("m:1", 1, D(5), 1)])
    assert (result.orders[0].action, result.orders[0].exception) == (
        "none",
        "no_source",
    )


def test_lot_days_batching():
    result = run(
        items=[buy_item(lot_days=7, order_multiple=4)],
        demands=[
            Demand("move:1", 1, D(2), 5),
            Demand("move:2", 1, D(8), 5),  # within 7 days of D(2): same order
            Demand("move:3", 1, D(9), 5),  # 7 days after D(2): next order
            Demand("move:4", 1, D(12), 1),
        ],
    )
    assert [(o.qty, o.date_required) for o in result.orders] == [
        (12, D(2)),
        (4, D(9)),
    ]
    assert result.orders[0].pegs == [
        Peg(5, D(2), "move:1", None, "move:1"),
        Peg(5, D(8), "move:2", None, "move:2"),
    ]
    # 12 - 10 = 2 left over from the first order serve move:3 in part.
    assert result.orders[1].pegs == [
        Peg(3, D(9), "move:3", None, "move:3"),
        Peg(1, D(12), "move:4", None, "move:4"),
    ]


# --- safety stock -------------------------------------------------------------


def test_safety_stock_below_on_hand_orders_at_run_date_with_expedite():
    result = run(
        items=[buy_item(safety_stock=10)],
        stock=[Stock(1, 4)],
        demands=[Demand("move:1", 1, D(10), 5)],
    )
    first, second = result.orders
    assert (first.qty, first.date_required, first.date_order) == (6, D(0), D(0))
    assert first.exception == "expedite"  # vendor delay 3 makes it late
    assert first.pegs == [Peg(6, D(0), None, None, None)]
    assert (second.qty, second.date_required, second.date_order) == (5, D(10), D(7))
    assert second.exception == "none"
    assert second.pegs == [Peg(5, D(10), "move:1", None, "move:1")]
    assert rows(result, 1) == [
        (D(0), 0, 0, 6, 0, 10),
        (D(10), 5, 0, 5, 0, 10),
    ]


def test_demand_eating_into_safety_stock_is_pegged_to_the_demand():
    result = run(
        items=[buy_item(safety_stock=5)],
        stock=[Stock(1, 15)],
        demands=[Demand("move:1", 1, D(3), 13)],
    )
    (order,) = result.orders
    assert (order.qty, order.date_required) == (3, D(3))
    assert order.pegs == [Peg(3, D(3), "move:1", None, "move:1")]


def test_safety_stock_held_by_expiring_lot_is_needed_again_on_expiry():
    result = run(
        items=[buy_item(safety_stock=5)],
        stock=[Stock(1, 8, expiry=D(10), lot_id=1)],
        demands=[Demand("move:1", 1, D(2), 3)],
    )
    (order,) = result.orders
    assert (order.qty, order.date_required, order.date_order) == (5, D(10), D(7))
    assert order.pegs == [Peg(5, D(10), None, None, None)]
    assert rows(result, 1) == [
        (D(0), 0, 0, 0, 0, 8),
        (D(2), 3, 0, 0, 0, 5),
        (D(10), 0, 0, 5, 5, 5),
    ]


def test_safety_stock_is_held_by_the_stock_that_expires_last():
    # Demand takes the expiring lot first, so the floor sits on the lot
    # without expiry and nothing needs replanning when the first lot expires.
    result = run(
        items=[buy_item(safety_stock=5)],
        stock=[Stock(1, 5, expiry=D(10), lot_id=1), Stock(1, 5, lot_id=2)],
        demands=[Demand("move:1", 1, D(2), 5)],
    )
    assert result.orders == []
    assert rows(result, 1) == [(D(0), 0, 0, 0, 0, 10), (D(2), 5, 0, 0, 0, 5)]


# --- lots and expiry -------------------------------------------------------------


def test_expired_lots_first_expiry_first():
    result = run(
        items=[buy_item()],
        stock=[
            Stock(1, 5, lot_id=3),
            Stock(1, 5, expiry=D(20), lot_id=2),
            Stock(1, 5, expiry=D(10), lot_id=1),
        ],
        demands=[
            Demand("move:1", 1, D(5), 3),  # from lot 1 (2 left, expire D10)
            Demand("move:2", 1, D(12), 4),  # from lot 2 (1 left, expires D20)
            Demand("move:3", 1, D(25), 6),  # 5 from lot 3, 1 planned
        ],
    )
    (order,) = result.orders
    assert (order.qty, order.date_required) == (1, D(25))
    assert rows(result, 1) == [
        (D(0), 0, 0, 0, 0, 15),
        (D(5), 3, 0, 0, 0, 12),
        (D(10), 0, 0, 0, 2, 10),
        (D(12), 4, 0, 0, 0, 6),
        (D(20), 0, 0, 0, 1, 5),
        (D(25), 6, 0, 1, 0, 0),
    ]


def test_lot_is_not_usable_on_its_expiry_date():
    result = run(
        items=[buy_item()],
        stock=[Stock(1, 5, expiry=D(10), lot_id=1)],
        demands=[Demand("move:1", 1, D(10), 5)],
    )
    (order,) = result.orders
    assert (order.qty, order.date_required) == (5, D(10))
    assert rows(result, 1) == [(D(0), 0, 0, 0, 0, 5), (D(10), 5, 0, 5, 5, 0)]


def test_lot_expired_before_run_date_leaves_on_run_date():
    result = run(
        items=[buy_item()],
        stock=[Stock(1, 5, expiry=D(-3), lot_id=1)],
        demands=[Demand("move:1", 1, D(1), 2)],
    )
    assert [o.qty for o in result.orders] == [2]
    assert rows(result, 1) == [(D(0), 0, 0, 0, 5, 0), (D(1), 2, 0, 2, 0, 0)]


# --- existing supply and action messages ------------------------------------------


def test_in_transit_po_is_netted():
    result = run(
        items=[buy_item()],
        demands=[Demand("move:1", 1, D(6), 10)],
        supplies=[Supply("po:1", 1, D(5), 8)],
    )
    (order,) = result.orders
    assert (order.qty, order.date_required) == (2, D(6))
    assert result.messages == []
    assert rows(result, 1) == [
        (D(0), 0, 0, 0, 0, 0),
        (D(5), 0, 8, 0, 0, 8),
        (D(6), 10, 0, 2, 0, 0),
    ]


def test_firm_planned_order_is_netted_and_never_messaged():
    result = run(
        items=[buy_item()],
        demands=[Demand("move:1", 1, D(5), 10)],
        supplies=[
            Supply("firm:1", 1, D(20), 10, firm=True),  # late, but firm
            Supply("firm:2", 1, D(30), 10, firm=True),  # not needed, but firm
        ],
    )
    assert result.orders == []
    assert result.messages == []


def test_reschedule_in_instead_of_new_order():
    result = run(
        items=[buy_item()],
        demands=[Demand("move:1", 1, D(5), 10)],
        supplies=[Supply("po:1", 1, D(20), 10)],
    )
    assert result.orders == []
    (message,) = result.messages
    assert message.supply_id == "po:1"
    assert message.item_id == 1
    assert message.message_type == "reschedule_in"
    assert (message.date_current, message.date_suggested) == (D(20), D(5))
    assert message.qty == 10


def test_reschedule_out_only_beyond_the_tolerance():
    result = run(
        items=[buy_item()],
        demands=[Demand("move:1", 1, D(10), 5), Demand("move:2", 1, D(20), 5)],
        supplies=[
            Supply("po:1", 1, D(6), 5),  # 4 days early: out
            Supply("po:2", 1, D(17), 5),  # 3 days early: fine
        ],
    )
    assert result.orders == []
    (message,) = result.messages
    assert (message.supply_id, message.message_type) == ("po:1", "reschedule_out")
    assert (message.date_current, message.date_suggested) == (D(6), D(10))
    result = run(
        items=[buy_item()],
        demands=[Demand("move:1", 1, D(10), 5)],
        supplies=[Supply("po:1", 1, D(6), 5)],
        reschedule_out_days=4,
    )
    assert result.messages == []


def test_cancel_unneeded_supply_but_not_partly_used_one():
    result = run(
        items=[buy_item()],
        demands=[Demand("move:1", 1, D(5), 4)],
        supplies=[
            Supply("po:1", 1, D(3), 10),  # partly used: no message
            Supply("po:2", 1, D(4), 10),  # covers nothing
            Supply("rfq:3", 1, D(200), 1),  # beyond the horizon
        ],
    )
    assert result.orders == []
    assert [
        (m.supply_id, m.message_type, m.date_suggested) for m in result.messages
    ] == [
        ("po:2", "cancel", None),
        ("rfq:3", "cancel", None),
    ]
    # Beyond the horizon: not in the projection.
    assert rows(result, 1)[-1] == (D(5), 4, 0, 0, 0, 16)


def test_supply_covers_earliest_needs_first():
    result = run(
        items=[buy_item()],
        demands=[Demand("move:1", 1, D(2), 3), Demand("move:2", 1, D(8), 9)],
        supplies=[Supply("po:2", 1, D(9), 5), Supply("po:1", 1, D(4), 5)],
    )
    # po:1 (earliest) serves D2 (in) and D8 with its 2 left; po:2 serves D8 (in).
    assert [
        (m.supply_id, m.message_type, m.date_suggested) for m in result.messages
    ] == [
        ("po:1", "reschedule_in", D(2)),
        ("po:2", "reschedule_in", D(8)),
    ]
    (order,) = result.orders
    assert (order.qty, order.date_required) == (2, D(8))


# --- forecasts ------------------------------------------------------------------------


def test_forecast_consumed_by_customer_demand_in_same_iso_week():
    monday = date(2025, 1, 6)
    result = run(
        items=[buy_item()],
        demands=[
            Demand("forecast:1", 1, monday, 50, kind="forecast"),
            Demand("forecast:2", 1, monday + timedelta(2), 50, kind="forecast"),
            Demand("move:1", 1, monday + timedelta(1), 70, customer=True),
            # not customer demand: does not consume
            Demand("move:2", 1, monday + timedelta(3), 5),
            # next ISO week: untouched by this week's orders
            Demand("forecast:3", 1, monday + timedelta(7), 40, kind="forecast"),
        ],
    )
    assert [(o.date_required, o.qty, o.pegs[0].demand_id) for o in result.orders] == [
        (monday + timedelta(1), 70, "move:1"),
        (monday + timedelta(2), 30, "forecast:2"),
        (monday + timedelta(3), 5, "move:2"),
        (monday + timedelta(7), 40, "forecast:3"),
    ]


def test_customer_demand_above_forecast_drops_the_forecast():
    result = run(
        items=[buy_item()],
        demands=[
            Demand("forecast:1", 1, D(5), 20, kind="forecast"),
            Demand("move:1", 1, D(6), 30, customer=True),
        ],
    )
    assert [(o.qty, o.pegs[0].demand_id) for o in result.orders] == [(30, "move:1")]


# --- multi-level ------------------------------------------------------------------------

FG, SF, RM = 1, 2, 3


def three_levels():
    items = [
        Item(id=FG, name="Bike", make=True, produce_delay=2),
        Item(id=SF, name="Frame", make=True, produce_delay=3),
        Item(
            id=RM,
            name="Tube",
            vendors=(Vendor(id=30, partner_id=3, delay=5),),
            purchase_lead=1,
        ),
    ]
    boms = [
        Bom(1, FG, "normal", (BomLine(SF, 2), BomLine(RM, 1))),
        Bom(2, SF, "normal", (BomLine(RM, 3),)),
    ]
    return items, boms


def test_multi_level_make_with_semi_finished_goods():
    items, boms = three_levels()
    result = run(
        items=items,
        boms=boms,
        stock=[Stock(SF, 5)],
        demands=[Demand("move:1", FG, D(20), 10)],
    )
    assert result.low_level_codes == {FG: 0, SF: 1, RM: 2}
    fg, sf, rm_for_sf, rm_for_fg = result.orders
    assert (fg.index, fg.action, fg.qty, fg.date_required, fg.date_order) == (
        0,
        "make",
        10,
        D(20),
        D(18),
    )
    assert fg.pegs == [Peg(10, D(20), "move:1", None, "move:1")]
    # 2 frames per bike, 5 in stock: 15 frames started 3 days earlier.
    assert (sf.index, sf.qty, sf.date_required, sf.date_order) == (1, 15, D(18), D(15))
    assert sf.pegs == [Peg(15, D(18), None, 0, "move:1")]
    # Tubes: 3 per frame at the frame start, 1 per bike at the bike start.
    assert (rm_for_sf.qty, rm_for_sf.date_required, rm_for_sf.date_order) == (
        45,
        D(15),
        D(9),
    )
    assert rm_for_sf.pegs == [Peg(45, D(15), None, 1, "move:1")]
    assert (rm_for_fg.qty, rm_for_fg.date_required, rm_for_fg.date_order) == (
        10,
        D(18),
        D(12),
    )
    assert rm_for_fg.pegs == [Peg(10, D(18), None, 0, "move:1")]
    assert (rm_for_fg.action, rm_for_fg.vendor_id) == ("buy", 30)
    assert rows(result, SF) == [
        (D(0), 0, 0, 0, 0, 5),
        (D(18), 20, 0, 15, 0, 0),
    ]


def test_dependent_demand_split_per_root_with_rounding_on_last_peg():
    items = [
        Item(id=FG, make=True, produce_delay=1, order_multiple=10),
        buy_item(RM),
    ]
    boms = [Bom(1, FG, "normal", (BomLine(RM, 2),))]
    result = run(
        items=items,
        boms=boms,
        demands=[Demand("move:a", FG, D(5), 3), Demand("move:b", FG, D(5), 4)],
    )
    fg, rm = result.orders
    assert fg.qty == 10
    assert rm.qty == 20
    assert rm.pegs == [
        Peg(6, D(4), None, 0, "move:a"),
        Peg(14, D(4), None, 0, "move:b"),  # (4 + 3 rounding) x 2
    ]


def test_expedite_propagates_run_date_to_components():
    items, boms = three_levels()
    result = run(items=items, boms=boms, demands=[Demand("move:1", FG, D(1), 1)])
    fg, sf, rm = result.orders
    assert (fg.date_order, fg.exception) == (D(0), "expedite")
    assert (sf.date_required, sf.date_order, sf.exception) == (D(0), D(0), "expedite")
    # Both parents start on the run date: one tube order for that day.
    assert (rm.qty, rm.date_required, rm.exception) == (7, D(0), "expedite")
    assert rm.pegs == [
        Peg(1, D(0), None, 0, "move:1"),
        Peg(6, D(0), None, 1, "move:1"),
    ]


def test_component_missing_from_items_is_no_source():
    result = run(
        items=[Item(id=FG, make=True)],
        boms=[Bom(1, FG, "normal", (BomLine(99, 2),))],
        demands=[Demand("move:1", FG, D(3), 2)],
    )
    _fg, part = result.orders
    assert (part.item_id, part.action, part.exception, part.qty) == (
        99,
        "none",
        "no_source",
        4,
    )
    assert part.pegs == [Peg(4, D(3), None, 0, "move:1")]


def test_normal_bom_of_bought_item_is_not_exploded():
    result = run(
        items=[buy_item(FG)],
        boms=[Bom(1, FG, "normal", (BomLine(RM, 2),))],
        demands=[Demand("move:1", FG, D(3), 2)],
    )
    assert [(o.item_id, o.action) for o in result.orders] == [(FG, "buy")]


# --- kits ----------------------------------------------------------------------------------

KIT, KIT2, A, B, M = 10, 11, 12, 13, 14


def test_kit_exploded_through():
    items = [
        Item(id=KIT),
        Item(id=KIT2),
        buy_item(A),
        buy_item(B),
        Item(id=M, make=True, produce_delay=1),
    ]
    boms = [
        Bom(1, KIT, "phantom", (BomLine(A, 2), BomLine(KIT2, 1))),
        Bom(2, KIT2, "phantom", (BomLine(B, 3),)),
        Bom(3, M, "normal", (BomLine(KIT, 1),)),
    ]
    result = run(
        items=items,
        boms=boms,
        stock=[Stock(A, 1)],
        demands=[Demand("move:k", KIT, D(10), 5), Demand("move:m", M, D(10), 4)],
    )
    # Kit components sit where the kit sits: right under M.
    assert result.low_level_codes == {KIT: 1, KIT2: 1, A: 1, B: 1, M: 0}
    assert KIT not in result.projection and KIT2 not in result.projection
    assert all(o.item_id not in (KIT, KIT2) for o in result.orders)
    m, a9, a10, b9, b10 = result.orders
    assert (m.item_id, m.qty, m.date_order) == (M, 4, D(9))
    assert (a9.item_id, a9.qty, a9.date_required) == (A, 7, D(9))
    assert a9.pegs == [Peg(7, D(9), None, 0, "move:m")]
    assert (a10.item_id, a10.qty, a10.date_required) == (A, 10, D(10))
    assert a10.pegs == [Peg(10, D(10), "move:k", None, "move:k")]
    assert (b9.item_id, b9.qty, b9.date_required) == (B, 12, D(9))
    assert b9.pegs == [Peg(12, D(9), None, 0, "move:m")]
    assert (b10.item_id, b10.qty, b10.date_required) == (B, 15, D(10))


# --- BOM cycles -----------------------------------------------------------------------------


def test_bom_cycle_names_the_products():
    items = [Item(id=i, make=True) for i in (5, 6, 7, 8)]
    boms = [
        Bom(1, 8, "normal", (BomLine(6, 1),)),
        Bom(2, 6, "normal", (BomLine(7, 1),)),
        Bom(3, 7, "normal", (BomLine(5, 1),)),
        Bom(4, 5, "normal", (BomLine(6, 1),)),
    ]
    with pytest.raises(BomCycleError) as info:
        run(items=items, boms=boms)
    assert info.value.item_ids == [5, 6, 7]
    assert "5" in str(info.value)


def test_bom_cycle_through_a_kit():
    with pytest.raises(BomCycleError) as info:
        run(
            items=[Item(id=1, make=True)],
            boms=[
                Bom(1, 1, "normal", (BomLine(2, 1),)),
                Bom(2, 2, "phantom", (BomLine(1, 1),)),
            ],
        )
    assert info.value.item_ids == [1, 2]


def test_loop_in_unused_bom_does_not_stop_the_run():
    result = run(
        items=[buy_item(1), buy_item(2)],
        boms=[
            Bom(1, 1, "normal", (BomLine(2, 1),)),
            Bom(2, 2, "normal", (BomLine(1, 1),)),
        ],
        demands=[Demand("move:1", 1, D(1), 1)],
    )
    assert len(result.orders) == 1


# --- determinism ----------------------------------------------------------------------------


def test_same_input_any_order_same_plan():
    items, boms = three_levels()
    demands = [
        Demand(f"move:{i}", FG if i % 2 else RM, D(i), i + 1) for i in range(1, 12)
    ]
    supplies = [Supply("po:1", RM, D(3), 7), Supply("po:2", SF, D(30), 4)]
    stock = [Stock(RM, 2), Stock(SF, 1, expiry=D(9), lot_id=4)]
    first = run(items, boms, stock, demands, supplies)
    second = run(items[::-1], boms[::-1], stock[::-1], demands[::-1], supplies[::-1])
    assert first == second
    assert [o.index for o in first.orders] == list(range(len(first.orders)))
