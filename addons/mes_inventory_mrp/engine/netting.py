"""Time-phased netting of one item over the pool, in day buckets.

Days are date ordinals (ints) inside the engine: cheaper to compare and shift
than ``date`` objects, converted back only when the plan is written out.
"""

from collections import deque

# Field positions in a need tuple; the first six fields are its sort key.
# (day, rank, direct_first, demand_key, parent_key, seq, qty, demand_id,
#  parent_order, root_demand_id)
DAY, QTY, DEMAND_ID, PARENT, ROOT = 0, 6, 7, 8, 9
RANK_FLOOR, RANK_DEMAND = 0, 1


class Batch:
    """Net requirements grouped into one planned order (lot_days window)."""

    __slots__ = ("day", "net", "pegs", "sized")

    def __init__(self, day):
        self.day = day
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
    """
    lots = deque([expiry, qty] for expiry, qty in lots if qty > eps)
    lots_total = float(sum(lot[1] for lot in lots))
    free = float(free_stock)
    expired = {}
    first_need = [None] * len(supplies)
    next_supply = 0
    batches = []
    batch = None

    days = {run_day}
    days.update(need[DAY] for need in needs)
    days.update(max(lot[0], run_day) for lot in lots if lot[0] <= horizon_day)

    def close(open_batch):
        nonlocal free
        sized = sizer(open_batch.net, open_batch.day)
        open_batch.sized = sized
        # Rounding and minimums leave stock for later needs.
        free += sized[0] - open_batch.net
        batches.append(open_batch)

    def obtain(amount, day, peg):
        # Existing supply first, earliest first, whole receipts at a time;
        # whatever is still missing is planned.
        nonlocal free, next_supply, batch
        while amount > eps and next_supply < len(supplies):
            first_need[next_supply] = day
            qty = supplies[next_supply][1]
            free += qty
            amount -= qty
            next_supply += 1
        if amount > eps:
            if batch is None:
                batch = Batch(day)
            batch.net += amount
            batch.pegs.append((amount, day) + peg)
            free += amount

    need_pos = 0
    n_needs = len(needs)
    for day in sorted(days):
        if batch is not None and day >= batch.day + window:
            close(batch)
            batch = None
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
            obtain(short, day, (None, None, None))
        while need_pos < n_needs and needs[need_pos][DAY] == day:
            need = needs[need_pos]
            need_pos += 1
            qty = need[QTY]
            above = lots_total + free - safety
            short = qty - above if above > 0 else qty
            if short > eps:
                obtain(short, day, (need[DEMAND_ID], need[PARENT], need[ROOT]))
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
    if batch is not None:
        close(batch)
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
