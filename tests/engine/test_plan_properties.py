"""Properties the plan holds whatever the data (hypothesis)."""

import random
from collections import defaultdict
from datetime import date, timedelta

import engine
from engine import Bom, BomLine, Demand, Item, Stock, Supply, Vendor
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

RUN = date(2025, 1, 1)
HORIZON = 60
EPS = 1e-6

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

quantities = st.integers(min_value=1, max_value=40).map(float) | st.sampled_from(
    [0.5, 2.25, 7.1, 0.3]
)
offsets = st.integers(min_value=-5, max_value=HORIZON + 10)


@st.composite
def single_level(draw, expiry=False, firm=False):
    """A few bought items, with stock, demand and existing supply."""
    items = []
    stock = []
    demands = []
    supplies = []
    for item_id in range(1, draw(st.integers(1, 3)) + 1):
        vendors = tuple(
            Vendor(
                id=item_id * 10 + n,
                partner_id=n,
                min_qty=draw(st.sampled_from([0.0, 5.0, 30.0])),
                delay=draw(st.integers(0, 8)),
            )
            for n in range(draw(st.integers(1, 2)))
        )
        items.append(
            Item(
                id=item_id,
                safety_stock=draw(st.sampled_from([0.0, 0.0, 3.0, 12.5])),
                order_multiple=draw(st.sampled_from([0.0, 0.0, 4.0, 2.5])),
                lot_days=draw(st.sampled_from([0, 0, 3, 7])),
                vendors=vendors,
                purchase_lead=draw(st.integers(0, 2)),
                rounding=draw(st.sampled_from([0.0, 0.01, 1.0])),
            )
        )
        for n in range(draw(st.integers(0, 3))):
            expiry_date = None
            if expiry and draw(st.booleans()):
                expiry_date = RUN + timedelta(draw(offsets))
            stock.append(Stock(item_id, draw(quantities), expiry_date, n))
        for n in range(draw(st.integers(0, 8))):
            day = RUN + timedelta(draw(offsets))
            demands.append(
                Demand(f"move:{item_id}:{n}", item_id, day, draw(quantities))
            )
        for n in range(draw(st.integers(0, 4))):
            day = RUN + timedelta(draw(offsets))
            is_firm = firm and draw(st.booleans())
            supplies.append(
                Supply(f"po:{item_id}:{n}", item_id, day, draw(quantities), is_firm)
            )
    return items, stock, demands, supplies


def plan(items, stock, demands, supplies, boms=()):
    return engine.plan(items, boms, stock, demands, supplies, RUN, HORIZON)


def day_of(value):
    return max(value, RUN)


@SETTINGS
@given(single_level())
def test_projection_never_below_safety_stock_with_supply_moved(data):
    items, stock, demands, supplies = data
    result = plan(items, stock, demands, supplies)
    moved = {}
    for message in result.messages:
        moved[message.supply_id] = message.date_suggested  # None: cancelled
    end = RUN + timedelta(HORIZON)
    for item in items:
        change = defaultdict(float)
        for row in supplies:
            if row.item_id == item.id:
                when = moved.get(row.id, day_of(row.date))
                if when is not None:
                    change[when] += row.qty
        for row in demands:
            if row.item_id == item.id and day_of(row.date) <= end:
                change[day_of(row.date)] -= row.qty
        for order in result.orders:
            if order.item_id == item.id:
                change[order.date_required] += order.qty
        on_hand = sum(row.qty for row in stock if row.item_id == item.id)
        for day in sorted(change):
            on_hand += change[day]
            if day <= end:
                assert on_hand >= item.safety_stock - EPS, (item.id, day, on_hand)


@SETTINGS
@given(single_level(expiry=True, firm=True))
def test_total_planned_covers_net_requirement(data):
    items, stock, demands, supplies = data
    result = plan(items, stock, demands, supplies)
    end = RUN + timedelta(HORIZON)
    for item in items:
        gross = sum(
            d.qty for d in demands if d.item_id == item.id and day_of(d.date) <= end
        )
        on_hand = sum(s.qty for s in stock if s.item_id == item.id)
        supply = sum(s.qty for s in supplies if s.item_id == item.id)
        planned = sum(o.qty for o in result.orders if o.item_id == item.id)
        assert planned >= gross + item.safety_stock - on_hand - supply - EPS


@st.composite
def multi_level(draw):
    """Items 1..n where a product only uses higher ids: no cycles, any depth."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = random.Random(seed)
    n = rng.randint(2, 8)
    items, boms = [], []
    for item_id in range(1, n + 1):
        kind = rng.choice(["make", "kit", "buy", "buy", "none", "transfer"])
        if item_id == n and kind in ("make", "kit"):
            kind = "buy"
        vendors = ()
        if kind == "buy":
            vendors = (Vendor(item_id, 1, min_qty=rng.choice([0, 10]), delay=2),)
        items.append(
            Item(
                id=item_id,
                make=kind == "make",
                produce_delay=rng.randint(0, 4),
                vendors=vendors,
                transfer_delay=1 if kind == "transfer" else None,
                safety_stock=rng.choice([0, 0, 5]),
                order_multiple=rng.choice([0, 0, 3]),
                lot_days=rng.choice([0, 2]),
            )
        )
        if kind in ("make", "kit"):
            children = rng.sample(
                range(item_id + 1, n + 1), rng.randint(1, n - item_id)
            )
            lines = tuple(BomLine(c, rng.choice([1, 2, 0.5])) for c in children)
            boms.append(
                Bom(item_id, item_id, "normal" if kind == "make" else "phantom", lines)
            )
    stock = [
        Stock(
            rng.randint(1, n),
            rng.randint(1, 20),
            rng.choice([None, RUN + timedelta(9)]),
            k,
        )
        for k in range(rng.randint(0, 4))
    ]
    demands = [
        Demand(
            f"d:{k}",
            rng.randint(1, n),
            RUN + timedelta(rng.randint(-3, HORIZON + 5)),
            rng.randint(1, 30),
            rng.choice(["move", "forecast"]),
            rng.choice([True, False]),
        )
        for k in range(rng.randint(1, 12))
    ]
    supplies = [
        Supply(
            f"s:{k}",
            rng.randint(1, n),
            RUN + timedelta(rng.randint(-3, HORIZON + 20)),
            rng.randint(1, 30),
            rng.choice([True, False]),
        )
        for k in range(rng.randint(0, 5))
    ]
    return items, boms, stock, demands, supplies, rng


@SETTINGS
@given(multi_level())
def test_rerun_and_shuffled_inputs_give_identical_plans(data):
    items, boms, stock, demands, supplies, rng = data
    first = plan(items, stock, demands, supplies, boms)
    again = plan(items, stock, demands, supplies, boms)
    lists = [list(items), list(boms), list(stock), list(demands), list(supplies)]
    for values in lists:
        rng.shuffle(values)
    items2, boms2, stock2, demands2, supplies2 = lists
    shuffled = plan(items2, stock2, demands2, supplies2, boms2)
    assert first == again == shuffled
    assert repr(first) == repr(shuffled)


@SETTINGS
@given(multi_level())
def test_orders_are_well_formed(data):
    items, boms, stock, demands, supplies, _rng = data
    result = plan(items, stock, demands, supplies, boms)
    kits = {b.product_id for b in boms if b.kind == "phantom"}
    for position, order in enumerate(result.orders):
        assert order.index == position
        assert order.qty > 0
        assert order.item_id not in kits
        assert RUN <= order.date_order <= order.date_required
        assert sum(p.qty for p in order.pegs) <= order.qty + EPS
        for peg in order.pegs:
            assert peg.qty > 0
            if peg.parent_order is not None:
                parent = result.orders[peg.parent_order]
                assert peg.parent_order < order.index
                assert parent.action == "make"
                assert peg.date == parent.date_order
                assert peg.demand_id is None
                assert peg.root_demand_id in {p.root_demand_id for p in parent.pegs}
            elif peg.demand_id is not None:
                assert peg.root_demand_id == peg.demand_id
        if order.exception == "no_source":
            assert order.action == "none"
    for rows in result.projection.values():
        assert rows[0].date == RUN
        assert [r.date for r in rows] == sorted({r.date for r in rows})
