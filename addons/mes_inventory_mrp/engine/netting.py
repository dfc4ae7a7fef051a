"""Time-phased netting of one item over the pool, in day buckets.

Days are date ordinals (ints) inside the engine: cheaper to compare and shift
than ``date`` objects, converted back only when the plan is written out.
"""

from collections import deque

# Field positions in a need tuple; the first six fields are its sort key.
# (day, rank, direct_first, demand_key, parent_key, seq, qty, demand_id,
#  parent_order, root_demand_id[, project_id])
DAY, QTY, DEMAND_ID, PARENT, ROOT, PROJECT = 0, 6, 7, 8, 9, 10
RANK_FLOOR, RANK_DEMAND = 0, 1


class Batch:
    """Net requirements grouped into one planned order (lot_days window)."""

    __slots__ = ("day", "key", "net", "pegs", "sized")

    def __init__(self, day, key=None):
        self.day = day
        self.key = key  # the project planned for (None: free stock)
        self.net = 0.0
        self.pegs = []  # (qty, day, demand_id, parent_order, root_demand_id)
        self.sized = None  # whatever the sizer returned, qty first


class ItemResult:
    __slots__ = ("batches", "expired", "first_need")

    def __init__(self, batches, expired, first_need):
        self.batches = batches
        self.expired = expired  # {day: qty}
        self.first_need = first_need  # per supply position: first day or None


def net_item(
    needs,
    lots,
    free_stock,
    supplies,
    safety,
    window,
    run_day,
    horizon_day,
    sizer,
    eps,
    pool_key=None,
    shortfalls=None,
):
    """Net one item; see readme/USAGE.md "How the MRP plans" for the rules.

    ``needs``: need tuples sorted; ``lots``: ``[expiry_day, qty]`` of expiring
    lots sorted first-expiry-first; ``free_stock``: on-hand that never expires
    (may be negative); ``supplies``: ``(day, qty)`` sorted in allocation order;
    ``sizer(net, day)`` returns a tuple whose first element is the order qty.

    The pool is tracked as expiring lots (consumed from the front, expired from
    the front) plus ``free``: stock without expiry, existing supply already
    pulled to a need, and planned receipts. Pulling supply at the need that
    first uses it is what "as if it could be moved" means.

    Projects: ``pool_key`` is the project whose stock this is (None: the free
    pool). A need tagged with another project (``PROJECT``, set by the planner
    for a project's demand that free stock may serve) is planned in a batch
    of its own project, whose rounding surplus stays out of this pool. With
    ``shortfalls`` (a list), nothing is planned: ``(need, qty)`` is appended
    for what the pool could not cover.
    """
    lots = deque([expiry, qty] for expiry, qty in lots if qty > eps)
    lots_total = float(sum(lot[1] for lot in lots))
    free = float(free_stock)
    expired = {}
    first_need = [None] * len(supplies)
    next_supply = 0
    batches = []
    open_batches = {}  # project (None: free) -> Batch

    days = {run_day}
    days.update(need[DAY] for need in needs)
    days.update(max(lot[0], run_day) for lot in lots if lot[0] <= horizon_day)

    def close(open_batch):
        nonlocal free
        sized = sizer(open_batch.net, open_batch.day)
        open_batch.sized = sized
        # Rounding and minimums leave stock for later needs (of this pool).
        if open_batch.key == pool_key:
            free += sized[0] - open_batch.net
        batches.append(open_batch)

    def obtain(amount, day, need):
        # Existing supply first, earliest first, whole receipts at a time;
        # whatever is still missing is planned.
        nonlocal free, next_supply
        while amount > eps and next_supply < len(supplies):
            first_need[next_supply] = day
            qty = supplies[next_supply][1]
            free += qty
            amount -= qty
            next_supply += 1
        if amount <= eps:
            return
        free += amount
        if shortfalls is not None:
            shortfalls.append((need, amount))
            return
        if need is None:
            key, peg = pool_key, (None, None, None)
        else:
            key = need[PROJECT] if len(need) > PROJECT else None
            peg = (need[DEMAND_ID], need[PARENT], need[ROOT])
        batch = open_batches.get(key)
        if batch is None:
            batch = open_batches[key] = Batch(day, key)
        batch.net += amount
        batch.pegs.append((amount, day) + peg)

    need_pos = 0
    n_needs = len(needs)
    for day in sorted(days):
        due = [b for b in open_batches.values() if day >= b.day + window]
        for open_batch in due:
            del open_batches[open_batch.key]
            close(open_batch)
        while lots and lots[0][0] <= day:
            expiry, qty = lots.popleft()
            lots_total -= qty
            if qty > eps:
                at = max(expiry, run_day)
                expired[at] = expired.get(at, 0.0) + qty
        if not lots:
            lots_total = 0.0  # no drift once the lots are gone
        # The floor: checked at the run date and after lots expire.
        short = safety - lots_total - free
        if short > eps:
            obtain(short, day, None)
        while need_pos < n_needs and needs[need_pos][DAY] == day:
            need = needs[need_pos]
            need_pos += 1
            qty = need[QTY]
            above = lots_total + free - safety
            short = qty - above if above > 0 else qty
            if short > eps:
                obtain(short, day, need)
            # Physically, demand takes the lots that expire first.
            while qty > eps and lots:
                lot = lots[0]
                if lot[1] > qty:
                    lot[1] -= qty
                    lots_total -= qty
                    qty = 0.0
                else:
                    qty -= lot[1]
                    lots_total -= lot[1]
                    lots.popleft()
            if not lots:
                lots_total = 0.0
            free -= qty
    for open_batch in list(open_batches.values()):
        close(open_batch)
    return ItemResult(batches, expired, first_need)


def _tidy(value):
    # Sums of whole quantities are exact; only fractions carry float noise.
    return value if value.is_integer() else round(value, 9) + 0.0


def projection_rows(
    item_id, run_day, start_qty, demand, receipts, planned, expired, row_cls, to_date
):
    """Projected on-hand per day with any event, plus the run date row.

    The day maps hold floats (``defaultdict(float)``), never ints.
    """
    days = {run_day}
    days.update(demand, receipts, planned, expired)
    rows = []
    on_hand = float(start_qty)
    for day in sorted(days):
        d = demand.get(day, 0.0)
        r = receipts.get(day, 0.0)
        p = planned.get(day, 0.0)
        e = expired.get(day, 0.0)
        on_hand += r + p - d - e
        rows.append(
            row_cls(
                item_id,
                to_date[day],
                _tidy(d),
                _tidy(r),
                _tidy(p),
                _tidy(e),
                _tidy(on_hand),
            )
        )
    return rows
