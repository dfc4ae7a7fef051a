"""Stock taken by events: the quants a batch locks, and where each event's
quantity comes from.

An event names a location; its stock is taken from the quants that hold it
inside that location (the location itself or a child, e.g. a bin), never as a
negative quant on the named location. The batch locks those quants once
(``FOR UPDATE``, in id order), allocates every event in arrival order against
what is free (on hand minus what other moves reserved, plus what the
manufacturing order itself reserved for a consumption), and refuses with 409
the event that does not fit.
"""

from collections import defaultdict

from odoo.tools import SQL

# events come by the thousand: no chatter message or tracking per event
MAIL_QUIET = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_notrack": True,
}


class QuantRow:
    """One locked quant, as the batch sees it while allocating."""

    __slots__ = (
        "id",
        "location_id",
        "lot_id",
        "owner_id",
        "package_id",
        "path",
        "product_id",
        "quantity",
        "reserved",
    )

    def __init__(self, row):
        (
            self.id,
            self.product_id,
            self.location_id,
            self.path,
            self.lot_id,
            self.package_id,
            self.owner_id,
            self.quantity,
            self.reserved,
        ) = row

    @property
    def key(self):
        return (self.location_id, self.lot_id, self.package_id, self.owner_id)


class Allocation:
    """``quantity`` of an event taken from quant ``row``; ``own`` of it was
    reserved by the manufacturing order that consumes it."""

    __slots__ = ("own", "quantity", "row")

    def __init__(self, row, quantity, own=0.0):
        self.row = row
        self.quantity = quantity
        self.own = own


class QuantPool:
    """The quants a batch takes stock from, locked for the transaction."""

    def __init__(self, env, lock=True):
        self.env = env
        self.lock = lock  # False: plan on the stock as it is, lock nothing
        self.rows = []
        self.locked_ids = set()
        self._demands = set()
        self._destinations = set()

    def want(self, product, lot, location):
        self._demands.add((product.id, lot.id or None, location.parent_path))

    def want_destination(self, product, location):
        self._destinations.add((product.id, location.id))

    def load(self):
        """Lock the quants of every (product, lot) under every location noted
        (one query), and the destination quants that are free to lock."""
        if self._demands:
            conditions = SQL(" OR ").join(
                SQL(
                    "(q.product_id = %s AND q.lot_id IS NOT DISTINCT FROM %s"
                    " AND l.parent_path LIKE %s)",
                    product_id,
                    lot_id,
                    f"{path}%",
                )
                for product_id, lot_id, path in sorted(
                    self._demands, key=lambda d: (d[0], d[1] or 0, d[2])
                )
            )
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT q.id, q.product_id, q.location_id, l.parent_path,
                           q.lot_id, q.package_id, q.owner_id,
                           q.quantity, q.reserved_quantity
                      FROM stock_quant q
                      JOIN stock_location l ON l.id = q.location_id
                     WHERE l.usage = 'internal' AND (%s)
                     ORDER BY q.id
                    %s
                    """,
                    conditions,
                    SQL("FOR UPDATE OF q") if self.lock else SQL(""),
                )
            )
            self.rows = [QuantRow(row) for row in rows]
            if self.lock:
                self.locked_ids.update(row.id for row in self.rows)
        if self._destinations and self.lock:
            # as Odoo does: a destination quant another transaction holds is
            # skipped (a new quant is made), never waited for
            pairs = sorted(self._destinations)
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT q.id FROM stock_quant q
                     WHERE (q.product_id, q.location_id) IN %s
                     ORDER BY q.id
                       FOR NO KEY UPDATE SKIP LOCKED
                    """,
                    tuple(pairs),
                )
            )
            self.locked_ids.update(row[0] for row in rows)
        self._demands, self._destinations = set(), set()

    def candidates(self, product, lot, location, exclude=None):
        """Quants of ``product``/``lot`` inside ``location`` (not inside
        ``exclude``), the named location first, then oldest first."""
        path, lot_id = location.parent_path, lot.id or None
        skip = exclude.parent_path if exclude else None
        rows = [
            row
            for row in self.rows
            if row.product_id == product.id
            and row.lot_id == lot_id
            and row.path.startswith(path)
            and not (skip and row.path.startswith(skip))
        ]
        rows.sort(key=lambda r: (r.location_id != location.id, r.id))
        return rows

    def take(self, product, lot, location, quantity, own=None, exclude=None):
        """Allocate ``quantity`` of ``product``; ``own`` maps quant keys to
        what the consuming order reserved there (used first, and reduced).
        Returns ``(allocations, None)``, or ``(None, free quantity)`` when
        there is not enough."""
        uom = product.uom_id
        rows = self.candidates(product, lot, location, exclude)
        own = own if own is not None else {}
        free = sum(
            max(0.0, row.quantity - row.reserved + own.get(row.key, 0.0))
            for row in rows
        )
        if uom.compare(free, quantity) < 0:
            return None, uom.round(max(free, 0.0))
        need, allocations = quantity, []
        for row in rows:
            mine = min(need, own.get(row.key, 0.0), max(0.0, row.quantity))
            if mine > 0:
                own[row.key] = uom.round(own[row.key] - mine)
                row.reserved = uom.round(row.reserved - mine)
                row.quantity = uom.round(row.quantity - mine)
                need = uom.round(need - mine)
                allocations.append(Allocation(row, mine, mine))
            if uom.is_zero(need):
                break
        for row in rows:
            if uom.is_zero(need):
                break
            part = min(need, max(0.0, row.quantity - row.reserved))
            if part <= 0:
                continue
            row.quantity = uom.round(row.quantity - part)
            need = uom.round(need - part)
            allocations.append(Allocation(row, part))
        merged = {}
        for allocation in allocations:
            if allocation.row.id in merged:
                kept = merged[allocation.row.id]
                kept.quantity += allocation.quantity
                kept.own += allocation.own
            else:
                merged[allocation.row.id] = allocation
        return list(merged.values()), None


def line_values(move, event_id, allocations, location_dest, product):
    """Move line values: one per quant an event takes stock from (usually
    one), each knowing its event."""
    return [
        {
            "move_id": move.id,
            "product_id": product.id,
            "product_uom_id": product.uom_id.id,
            "quantity": allocation.quantity,
            "location_id": allocation.row.location_id,
            "location_dest_id": location_dest.id,
            "lot_id": allocation.row.lot_id or False,
            "package_id": allocation.row.package_id or False,
            "owner_id": allocation.row.owner_id or False,
            "picked": True,
            "mes_event_id": event_id,
        }
        for allocation in allocations
    ]


def create_lines(env, moves, vals_list):
    """Create the move lines of moves staged by events: they post at once
    what was found free, so they reserve nothing (see :func:`validate`)."""
    return (
        env["stock.move.line"]
        .with_context(mes_event_post_ids=frozenset(moves.ids))
        .create(vals_list)
    )


def validate(env, moves, locked_quant_ids):
    """Validate the moves events staged (one ``_action_done``): the quants
    are already locked by this transaction, and these moves post at once what
    was checked free, so they reserve nothing on the way."""
    if not moves:
        return moves
    moves = moves.with_context(
        mes_event_post_ids=frozenset(moves.ids),
        mes_locked_quant_ids=locked_quant_ids,
        skip_mo_check=True,
        **MAIL_QUIET,
    )
    return moves._action_done()


def reserved_by_orders(env, productions, products):
    """What open raw moves of ``productions`` reserved, per (production,
    product): ``(moves, {quant key: quantity}, [(move line, quantity)])``."""
    result = {}
    if not productions or not products:
        return result
    moves = env["stock.move"].search(
        [
            ("raw_material_production_id", "in", productions.ids),
            ("product_id", "in", products.ids),
            ("state", "not in", ("done", "cancel")),
        ],
        order="id",
    )
    by_order = defaultdict(lambda: (env["stock.move"], {}, []))
    for move in moves:
        key = (move.raw_material_production_id.id, move.product_id.id)
        found, reserved, lines = by_order[key]
        found |= move
        for line in move.move_line_ids:
            if line.picked or line.product_uom_id.is_zero(line.quantity):
                continue
            qty = line.quantity_product_uom
            quant_key = (
                line.location_id.id,
                line.lot_id.id or None,
                line.package_id.id or None,
                line.owner_id.id or None,
            )
            reserved[quant_key] = reserved.get(quant_key, 0.0) + qty
            lines.append((line, qty))
        by_order[key] = (found, reserved, lines)
    result.update(by_order)
    return result
