"""Projects that hold stock: each project nets its own stock and supply first,
then free stock only when it may; free demand and other projects never take a
project's stock or supply. Run date 2025-01-01, ``D(n)`` = run date + n days.
"""

from datetime import date, timedelta

import engine
from engine import Bom, BomLine, Demand, Item, Peg, Project, Stock, Supply, Vendor

RUN = date(2025, 1, 1)
A, B = 10, 20  # A may use free stock, B may not
PROJECTS = [Project(A, use_free=True), Project(B, use_free=False)]
VENDOR = Vendor(id=100, partner_id=7, delay=1, price=2.0)


def D(days):
    return RUN + timedelta(days=days)


def run(items=(), boms=(), stock=(), demands=(), supplies=(), **kw):
    kw.setdefault("projects", PROJECTS)
    return engine.plan(items, boms, stock, demands, supplies, RUN, **kw)


def summary(result):
    return sorted(
        (o.item_id, o.project_id or 0, o.qty, o.date_required) for o in result.orders
    )


def project_rows(result, item_id, project_id):
    return [
        (r.date, r.demand, r.planned, r.on_hand)
        for r in result.project_projection[item_id, project_id]
    ]


def test_two_projects_and_free_demand_share_one_component():
    result = run(
        items=[Item(1, vendors=(VENDOR,))],
        stock=[
            Stock(1, 5, project_id=A),
            Stock(1, 3, project_id=B),
            Stock(1, 10),
        ],
        demands=[
            Demand("move:1", 1, D(5), 8, project_id=A),
            Demand("move:2", 1, D(5), 6, project_id=B),
            Demand("move:3", 1, D(3), 4),
            Demand("move:4", 1, D(10), 7),
        ],
    )
    # A: own 5 + 3 of the free 10; B: own 3, never free stock: buys 3;
    # free: 4 then 7 out of 10 - 3 taken by A: buys 4.
    assert summary(result) == [(1, 0, 4, D(10)), (1, B, 3, D(5))]
    by_project = {o.project_id: o for o in result.orders}
    assert by_project[B].pegs == [Peg(3, D(5), "move:2", None, "move:2")]
    assert by_project[None].pegs == [Peg(4, D(10), "move:4", None, "move:4")]
    # The projection is the whole pool's; each project's own stock has rows
    # of its own: what it serves itself (A: 5 of its 8, free stock the rest).
    assert result.projection[1][-1].on_hand == 0
    assert project_rows(result, 1, A) == [(D(0), 0, 0, 5), (D(5), 5, 0, 0)]
    assert project_rows(result, 1, B) == [(D(0), 0, 0, 3), (D(5), 6, 3, 0)]


def test_free_demand_never_takes_project_stock_or_supply():
    result = run(
        items=[Item(1, vendors=(VENDOR,))],
        stock=[Stock(1, 20, project_id=A), Stock(1, 2)],
        supplies=[Supply("move:9", 1, D(2), 30, project_id=B)],
        demands=[
            Demand("move:1", 1, D(5), 8, project_id=A),
            Demand("move:3", 1, D(4), 15),
        ],
    )
    assert summary(result) == [(1, 0, 13, D(4))]
    # B's receipt serves nobody: it gets a cancel message.
    assert [(m.supply_id, m.message_type) for m in result.messages] == [
        ("move:9", "cancel")
    ]


def test_project_shortfall_beyond_free_stock_is_planned_for_the_project():
    result = run(
        items=[Item(1, vendors=(VENDOR,), order_multiple=10)],
        stock=[Stock(1, 2, project_id=A), Stock(1, 3)],
        supplies=[Supply("move:8", 1, D(1), 4)],
        demands=[
            Demand("move:1", 1, D(5), 12, project_id=A),
            Demand("move:2", 1, D(8), 1),
        ],
    )
    # A: own 2, free 3 + free receipt 4 = 9, 3 missing: a project order of
    # 10 (multiple) whose surplus 7 stays the project's; the free demand of
    # day 8 has nothing left in the free pool: a free order of 10.
    assert summary(result) == [(1, 0, 10, D(8)), (1, A, 10, D(5))]
    assert project_rows(result, 1, A) == [(D(0), 0, 0, 2), (D(5), 5, 10, 7)]


def test_project_supply_serves_its_project_first():
    result = run(
        items=[Item(1, vendors=(VENDOR,))],
        stock=[Stock(1, 6)],
        supplies=[Supply("rfq:1", 1, D(2), 5, project_id=A)],
        demands=[
            Demand("move:1", 1, D(3), 5, project_id=A),
            Demand("move:2", 1, D(4), 6),
        ],
    )
    assert summary(result) == []
    assert result.messages == []


def test_project_make_order_passes_its_project_to_components():
    result = run(
        items=[
            Item(1, make=True, produce_delay=2),
            Item(2, vendors=(VENDOR,)),
        ],
        boms=[Bom(50, 1, "normal", (BomLine(2, 2.0),))],
        stock=[Stock(2, 4, project_id=B), Stock(2, 100)],
        demands=[Demand("move:1", 1, D(10), 3, project_id=B)],
    )
    # B makes 3 of item 1 for itself, needing 6 of item 2: 4 of its own, the
    # free 100 are not B's: it buys 2.
    assert summary(result) == [(1, B, 3, D(10)), (2, B, 2, D(8))]
    component = next(o for o in result.orders if o.item_id == 2)
    assert component.pegs == [Peg(2, D(8), None, 0, "move:1")]


def test_without_projects_the_plan_is_unchanged():
    kwargs = {
        "items": [Item(1, vendors=(VENDOR,))],
        "stock": [Stock(1, 3)],
        "demands": [Demand("move:1", 1, D(5), 8)],
    }
    assert run(**kwargs).orders == run(projects=(), **kwargs).orders
    assert run(**kwargs).project_projection == {}
    (order,) = run(**kwargs).orders
    assert (order.qty, order.project_id) == (5, None)
