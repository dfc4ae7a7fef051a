"""The MRP run: inputs indexed once, items netted level by level."""

import functools
from collections import defaultdict
from datetime import date

from .bom import flatten_kits, low_level_codes, reached, used_edges
from .lot_sizing import clean, item_eps, size_order
from .netting import PROJECT, QTY, RANK_DEMAND, net_item, projection_rows
from .types import Item, Message, Peg, Plan, PlannedOrder, ProjectionRow

_to_date = date.fromordinal


class _Dates(dict):
    """Ordinal -> date, memoised: a run only ever sees a few hundred days."""

    def __missing__(self, day):
        value = self[day] = _to_date(day)
        return value


def _index_unique(rows, key, what):
    index = {}
    for row in rows:
        k = key(row)
        if k in index and index[k] != row:
            raise ValueError(f"Two different {what} for id {k}")
        index[k] = row
    return index


@functools.lru_cache(maxsize=4096)  # bounded: a long-lived worker must not grow
def _iso_week(day):
    return tuple(_to_date(day).isocalendar()[:2])


def _direct_demand(rows, run_day, horizon_day, eps):
    """``[(day, demand_id, qty)]`` after forecast consumption and horizon cut.

    Customer demand consumes forecasts of the same ISO week, earliest forecast
    first. Consumption looks at the whole week, even a part past the horizon,
    so a week straddling the horizon is not double counted.
    """
    actual = defaultdict(float)
    forecasts = []
    result = []
    for demand in rows:
        if demand.qty <= eps:
            continue
        day = max(demand.date.toordinal(), run_day)
        if demand.kind == "forecast":
            forecasts.append((day, demand.id, demand.qty))
            continue
        result.append((day, demand.id, demand.qty))
        if demand.customer:
            actual[_iso_week(day)] += demand.qty
    forecasts.sort()
    for day, demand_id, qty in forecasts:
        week = _iso_week(day)
        left = actual.get(week, 0.0)
        if left > 0:
            taken = min(left, qty)
            actual[week] = left - taken
            qty -= taken
        if qty > eps:
            result.append((day, demand_id, qty))
    return sorted(row for row in result if row[0] <= horizon_day)


def _net_pool(key, needs, stock_by, supplies_by, safety, window, ctx, shortfalls=None):
    """Net one pool of an item (``key``: a project, None: free stock);
    ``ctx``: (run_day, horizon_day, sizer, eps). Returns the netting result
    and the pool's supplies in the order it allocated them."""
    run_day, horizon_day, sizer, eps = ctx
    free_stock, lots = stock_by.get(key, (0.0, []))
    lots = [(expiry, qty) for expiry, _key, qty in sorted(lots)]
    pool_supplies = sorted(supplies_by.get(key, ()))
    result = net_item(
        needs,
        lots,
        free_stock,
        [(row[0], row[2]) for row in pool_supplies],
        safety,
        window,
        run_day,
        horizon_day,
        sizer,
        eps,
        pool_key=key,
        shortfalls=shortfalls,
    )
    return result, pool_supplies


def replan_scope(items, boms, changed):
    """What a net-change run of ``changed`` (item ids) replans, and whose
    previous orders it needs.

    Returns ``(replanned, feeding)``: ``changed`` and every component below
    them through the BOMs the run explodes; and the made items outside it whose
    components (kits exploded) are replanned: their previous planned orders
    give those components their dependent demand.
    """
    items = _index_unique(items, lambda row: row.id, "items")
    boms = _index_unique(boms, lambda row: row.product_id, "BOMs for product")
    edges = used_edges(boms, items)
    replanned = reached(edges, changed)
    parents = defaultdict(list)
    for parent, children in edges.items():
        for child, _weight in children:
            parents[child].append(parent)
    # Walk up from the replanned items; a kit passes its parents' demand on.
    feeding = set()
    seen = set(replanned)
    todo = list(replanned)
    while todo:
        for parent in parents.get(todo.pop(), ()):
            if parent in seen:
                continue
            seen.add(parent)
            if boms[parent].kind == "phantom":
                todo.append(parent)
            else:
                feeding.add(parent)
    return replanned, feeding


def plan(
    items,
    boms,
    stock,
    demands,
    supplies,
    run_date,
    horizon_days=90,
    reschedule_out_days=3,
    projects=(),
    changed=None,
    previous=(),
    projection=True,
):
    """Plan what to buy, make and transfer, and when; see readme/USAGE.md.

    :param items: iterable of :class:`Item`; products met elsewhere in the
        inputs (BOM components, demand...) but missing here plan with defaults
        and, having no source, get ``no_source`` orders.
    :param boms: iterable of :class:`Bom`, at most one per product (the one
        that applies). Normal BOMs are used for items with ``make=True``;
        kits (``phantom``) are always exploded through.
    :param stock: iterable of :class:`Stock`, the pool's nettable on-hand.
    :param demands: iterable of :class:`Demand` (moves and forecasts).
    :param supplies: iterable of :class:`Supply`, existing scheduled receipts.
    :param run_date: the planning day; earlier demand and supply count on it.
    :param horizon_days: demand after ``run_date + horizon_days`` is ignored.
    :param reschedule_out_days: existing supply arriving more than this many
        days before its first need gets a ``reschedule_out`` message.
    :param projects: iterable of :class:`Project` (whether each may use free
        stock); stock, demand and supply carrying a ``project_id`` not listed
        here belong to a project that may.
    :param changed: net change: the item ids whose inputs changed since the
        previous plan; only they and the components below them
        (:func:`replan_scope`) are netted again, the other items keep their
        previous orders (``None``: plan every item).
    :param previous: net change: the previous plan's :class:`PlannedOrder`
        (``ref`` set, with their pegs) of the items feeding a replanned
        component; they are exploded as they are, in the same order as a full
        run would plan them, so the result equals a full run's.
    :param projection: ``False``: the projection of each planned item is left
        empty (a run writing its plan does not need it).
    :returns: a :class:`Plan`; the same inputs in any order give an equal plan.
    :raises BomCycleError: when the BOMs in use loop.
    """
    items = _index_unique(items, lambda row: row.id, "items")
    boms = _index_unique(boms, lambda row: row.product_id, "BOMs for product")
    use_free = {project.id: project.use_free for project in projects}
    run_day = run_date.toordinal()
    dates = _Dates()
    horizon_day = run_day + horizon_days

    stock_of = defaultdict(list)
    for row in stock:
        stock_of[row.item_id].append(row)
    demand_of = defaultdict(list)
    for row in demands:
        demand_of[row.item_id].append(row)
    supply_of = defaultdict(list)
    for row in supplies:
        supply_of[row.item_id].append(row)

    nodes = set(items)
    nodes.update(boms, stock_of, demand_of, supply_of)
    for bom in boms.values():
        nodes.update(line.component_id for line in bom.lines)
    edges = used_edges(boms, items)
    levels = low_level_codes(nodes, edges)
    kits = {pid for pid, bom in boms.items() if bom.kind == "phantom"}
    kit_cache = {}
    replanned = None if changed is None else reached(edges, changed)
    previous_of = defaultdict(list)
    for order in previous:
        previous_of[order.item_id].append(order)

    def item_of(item_id):
        item = items.get(item_id)
        if item is None:
            item = items[item_id] = Item(id=item_id)
        return item

    # Need tuple: see netting.py. ``seq`` makes every key unique, so sorting
    # never compares the payload and ties keep creation order.
    needs = defaultdict(list)
    seq = 0
    for item_id in sorted(demand_of):
        if item_id in kits:
            targets = flatten_kits(item_id, boms, kit_cache)
        else:
            targets = ((item_id, 1.0),)
        if replanned is not None:
            targets = [row for row in targets if row[0] in replanned]
            if not targets:
                continue
        eps = item_eps(item_of(item_id))
        direct = _direct_demand(demand_of[item_id], run_day, horizon_day, eps)
        project_of = {row.id: row.project_id for row in demand_of[item_id]}
        for day, demand_id, qty in direct:
            project = project_of.get(demand_id)
            for target, factor in targets:
                seq += 1
                needs[target].append(
                    (day, RANK_DEMAND, 0, demand_id, -1, seq)
                    + (float(qty * factor), demand_id, None, demand_id, project)
                )

    plan_out = Plan(low_level_codes=levels, replanned=replanned)
    orders = plan_out.orders
    messages = plan_out.messages
    with_projection = projection
    projection = plan_out.projection

    def explode(item_id, index, order_day, shares, project):
        # Split per root so every component order knows the top-level
        # demand; rounding and minimums ride with the last peg. The
        # components are the demand of the order's project.
        nonlocal seq
        for component, factor in flatten_kits(item_id, boms, kit_cache):
            for root, share in shares.items():
                need_qty = share * factor
                if need_qty <= 0:
                    continue
                seq += 1
                needs[component].append(
                    (order_day, RANK_DEMAND, 1, "", index, seq)
                    + (need_qty, None, index, root, project)
                )

    def kept_order_key(order):
        # A full run appends the orders of an item pool by pool (the projects
        # that plan alone in id order, then the free pool) and by date in a pool.
        pool = order.project_id
        if pool is not None and use_free.get(pool, True):
            pool = None
        return (pool is None, pool or 0, order.date_required, order.ref or 0)

    for item_id in sorted(nodes - kits, key=lambda node: (levels[node], node)):
        if replanned is not None and item_id not in replanned:
            # Kept as planned before: only its dependent demand is needed.
            kept = previous_of.get(item_id, ())
            for order in sorted(kept, key=kept_order_key):
                index = len(orders)
                orders.append(
                    PlannedOrder(
                        index,
                        item_id,
                        order.action,
                        order.qty,
                        order.date_required,
                        order.date_order,
                        order.vendor_id,
                        order.exception,
                        order.pegs,
                        project_id=order.project_id,
                        ref=order.ref,
                    )
                )
                if order.action != "make" or item_id not in boms or not order.pegs:
                    continue
                shares = {}
                net = 0.0
                for peg in order.pegs:
                    shares[peg.root_demand_id] = (
                        shares.get(peg.root_demand_id, 0.0) + peg.qty
                    )
                    net += peg.qty
                shares[order.pegs[-1].root_demand_id] += order.qty - net
                explode(
                    item_id,
                    index,
                    order.date_order.toordinal(),
                    shares,
                    order.project_id,
                )
            continue
        item = item_of(item_id)
        eps = item_eps(item)
        item_needs = needs.pop(item_id, [])
        item_needs.sort()

        # Stock, supply and needs per pool: each project that holds stock is
        # a pool of its own; None is the free pool.
        start_qty = 0.0
        stock_by = defaultdict(lambda: (0.0, []))
        for row in stock_of.get(item_id, ()):
            start_qty += row.qty
            free_stock, lots = stock_by[row.project_id]
            if row.expiry is None or row.qty <= 0:
                stock_by[row.project_id] = (free_stock + row.qty, lots)
            else:
                lot_key = -1 if row.lot_id is None else row.lot_id
                lots.append((row.expiry.toordinal(), lot_key, row.qty))

        # The raw date breaks ties between rows that only differ by it, so
        # sorting never has to compare two Supply objects.
        supplies_by = defaultdict(list)
        for row in supply_of.get(item_id, ()):
            if row.qty > eps:
                supplies_by[row.project_id].append(
                    (max(row.date.toordinal(), run_day), row.id, row.qty, row.firm)
                    + (row.date.toordinal(), row)
                )
        needs_by = defaultdict(list)
        for need in item_needs:
            needs_by[need[PROJECT] if len(need) > PROJECT else None].append(need)

        def sizer(net, day, item=item, eps=eps):
            action, vendor, qty, lead = size_order(item, net, dates[day], eps)
            return qty, action, vendor, lead

        # A project's needs take its own stock and supply first; what is left
        # goes to the free pool (tagged with the project) when the project
        # may use free stock, else it is planned for the project alone.
        window = max(item.lot_days, 1)
        ctx = (run_day, horizon_day, sizer, eps)
        pools = []
        overflow = {}  # project -> {day: qty its own pool left to free stock}
        free_needs = needs_by.pop(None, [])
        pool_keys = set(needs_by).union(stock_by, supplies_by)
        pool_keys.discard(None)
        for key in sorted(pool_keys):
            pool_needs = needs_by.get(key, [])
            if use_free.get(key, True):
                left = []
                pools.append(
                    _net_pool(key, pool_needs, stock_by, supplies_by, 0.0, 1, ctx, left)
                )
                free_needs.extend(
                    need[:QTY] + (qty,) + need[QTY + 1 :] for need, qty in left
                )
                overflow[key] = by_day = defaultdict(float)
                for need, qty in left:
                    by_day[need[0]] += qty
            else:
                pools.append(
                    _net_pool(key, pool_needs, stock_by, supplies_by, 0.0, window, ctx)
                )
        free_needs.sort()
        pools.append(
            _net_pool(
                None, free_needs, stock_by, supplies_by, item.safety_stock, window, ctx
            )
        )

        planned = defaultdict(float)
        expired = defaultdict(float)
        planned_for = defaultdict(lambda: defaultdict(float))  # project -> day
        for result, _pool_supplies in pools:
            for day, qty in result.expired.items():
                expired[day] += qty
            for batch in result.batches:
                qty, action, vendor, lead = batch.sized
                if qty <= eps:
                    continue
                index = len(orders)
                exception = "none"
                order_day = batch.day - lead
                if action == "none":
                    exception = "no_source"
                elif order_day < run_day:
                    order_day = run_day
                    exception = "expedite"
                pegs = [
                    Peg(
                        p_qty if p_qty.is_integer() else clean(p_qty),
                        dates[p_day],
                        demand_id,
                        parent,
                        root,
                    )
                    for p_qty, p_day, demand_id, parent, root in batch.pegs
                ]
                orders.append(
                    PlannedOrder(
                        index,
                        item_id,
                        action,
                        qty,
                        dates[batch.day],
                        dates[order_day],
                        None if vendor is None else vendor.id,
                        exception,
                        pegs,
                        project_id=batch.key,
                    )
                )
                planned[batch.day] += qty
                if batch.key is not None:
                    planned_for[batch.key][batch.day] += qty
                if action != "make" or item_id not in boms:
                    continue
                shares = {}
                for p_qty, _day, _demand, _parent, root in batch.pegs:
                    shares[root] = shares.get(root, 0.0) + p_qty
                shares[batch.pegs[-1][4]] += qty - batch.net
                explode(item_id, index, order_day, shares, batch.key)

        receipts = defaultdict(float)
        for result, pool_supplies in pools:
            for position, supply in enumerate(pool_supplies):
                day, supply_id, qty, firm, _raw, row = supply
                if day <= horizon_day:
                    receipts[day] += qty
                if firm:
                    continue
                first = result.first_need[position]
                if first is None:
                    kind, suggested = "cancel", None
                elif day > first:
                    kind, suggested = "reschedule_in", first
                elif first - day > reschedule_out_days:
                    kind, suggested = "reschedule_out", first
                else:
                    continue
                messages.append(
                    Message(
                        supply_id=supply_id,
                        item_id=item_id,
                        message_type=kind,
                        date_current=row.date,
                        date_suggested=None if suggested is None else dates[suggested],
                        qty=qty,
                    )
                )

        if not with_projection:
            projection[item_id] = []
            continue
        demand_by_day = defaultdict(float)
        for need in item_needs:
            demand_by_day[need[0]] += need[6]
        projection[item_id] = projection_rows(
            item_id,
            run_day,
            start_qty,
            demand_by_day,
            receipts,
            planned,
            expired,
            ProjectionRow,
            dates,
        )
        if pool_keys:
            _project_projection(
                plan_out,
                item_id,
                sorted(pool_keys),
                pools,
                stock_by,
                item_needs,
                overflow,
                planned_for,
                (run_day, horizon_day, dates),
            )
    return plan_out


def _project_projection(
    plan_out, item_id, keys, pools, stock_by, item_needs, overflow, planned_for, ctx
):
    """Projected stock of each project's own pool of an item (``keys``, in the
    order of ``pools``): its stock, its receipts and orders, and the part of
    its demand it serves itself (what free stock serves is the free pool's)."""
    run_day, horizon_day, dates = ctx
    free_result = pools[-1][0]
    served_by_orders = defaultdict(lambda: defaultdict(float))
    for batch in free_result.batches:
        if batch.key is not None:
            for p_qty, p_day, *_rest in batch.pegs:
                served_by_orders[batch.key][p_day] += p_qty
    for key, (result, pool_supplies) in zip(keys, pools, strict=False):
        free_stock, lots = stock_by.get(key, (0.0, []))
        start = free_stock + sum(lot[2] for lot in lots)
        demand = defaultdict(float)
        for need in item_needs:
            if len(need) > PROJECT and need[PROJECT] == key:
                demand[need[0]] += need[QTY]
        for day, qty in overflow.get(key, {}).items():
            demand[day] -= qty
        for day, qty in served_by_orders[key].items():
            demand[day] += qty
        receipts = defaultdict(float)
        for row in pool_supplies:
            if row[0] <= horizon_day:
                receipts[row[0]] += row[2]
        rows = projection_rows(
            item_id,
            run_day,
            start,
            demand,
            receipts,
            planned_for.get(key, {}),
            result.expired,
            ProjectionRow,
            dates,
        )
        for row in rows:
            row.project_id = key
        plan_out.project_projection[item_id, key] = rows
