"""Net change: replanning the changed items and what lies below them, with the
previous orders of the rest, gives exactly a full run's plan (hypothesis)."""

import dataclasses

import engine
from hypothesis import given
from test_plan_properties import HORIZON, RUN, SETTINGS, multi_level


def full(items, boms, stock, demands, supplies):
    return engine.plan(items, boms, stock, demands, supplies, RUN, HORIZON)


def comparable(result, item_ids):
    """Orders of ``item_ids`` with their pegs, parents named by their
    (item, date) instead of an index, and the messages of these items."""

    def name(index):
        parent = result.orders[index]
        return (parent.item_id, parent.date_required)

    orders = sorted(
        (
            o.item_id,
            o.action,
            o.qty,
            o.date_required,
            o.date_order,
            o.vendor_id,
            o.exception,
            tuple(
                (
                    p.qty,
                    p.date,
                    p.demand_id,
                    None if p.parent_order is None else name(p.parent_order),
                    p.root_demand_id,
                )
                for p in o.pegs
            ),
        )
        for o in result.orders
        if o.item_id in item_ids and o.ref is None
    )
    messages = sorted(
        dataclasses.astuple(m) for m in result.messages if m.item_id in item_ids
    )
    return orders, messages


@SETTINGS
@given(multi_level())
def test_net_change_equals_full_run(data):
    items, boms, stock, demands, supplies, rng = data
    before = full(items, boms, stock, demands, supplies)
    # Change the demand of one item (a new delivery, another moved).
    target = rng.choice(items).id
    demands = list(demands)
    if demands and rng.random() < 0.5:
        moved = rng.randrange(len(demands))
        old = demands[moved]
        demands[moved] = dataclasses.replace(old, qty=old.qty + rng.randint(1, 9))
        changed = {target, old.item_id}
    else:
        changed = {target}
    demands.append(engine.Demand("new", target, RUN, rng.randint(1, 25)))
    after = full(items, boms, stock, demands, supplies)

    replanned, feeding = engine.replan_scope(items, boms, changed)
    assert changed <= replanned
    previous = [
        dataclasses.replace(o, ref=1000 + o.index)
        for o in before.orders
        if o.item_id in feeding
    ]
    net = engine.plan(
        items,
        boms,
        stock,
        demands,
        supplies,
        RUN,
        HORIZON,
        changed=changed,
        previous=previous,
    )
    assert net.replanned == replanned
    assert set(net.projection) <= replanned
    # The replanned items: as a full run plans them.
    assert comparable(net, replanned) == comparable(after, replanned)
    # The others: a full run plans them as before.
    others = {i.id for i in items} - replanned
    assert comparable(after, others) == comparable(before, others)
