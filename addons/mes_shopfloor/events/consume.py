"""``consume``: a component of a manufacturing order used on the line.

The events of a batch that consume the same component of the same order from
the same location and lot are one done raw move of the order, with one line
per event (per quant it takes from). The open component move of the order is
not split: its demand goes down by what was consumed and it keeps its
reservation for the rest, so an order with a thousand consumptions still has
one open move per component. What the order itself reserved counts as free
for its own consumption.
"""

from .base import (
    StockHandler,
    check_released,
    find,
    read_location,
    read_lot,
    read_product,
    read_product_quantity,
    read_production,
)
from .errors import MesEventError
from .stock import create_lines, line_values, reserved_by_orders


class ConsumeHandler(StockHandler):
    event_type = "consume"
    references = ("production", "product", "lot", "location", "uom")

    def source_location(self, batch, item):
        """The named location, else the order's component location (none
        without an order: the event is refused when read)."""
        production = self.production_of(batch, item)
        if not production:
            return None
        location = find(batch, item, "location", required=False)
        return location or production.location_src_id

    def read_payload(self, batch, item):
        production = read_production(batch, item)
        product = read_product(batch, item)
        quantity = read_product_quantity(batch, item, product)
        lot = read_lot(batch, item, product)
        check_released(batch, lot)
        location = read_location(
            batch, item, "location", default=production.location_src_id
        )
        if not location.parent_path.startswith(production.location_src_id.parent_path):
            raise MesEventError(
                batch.env._(
                    "location: %(location)s is not inside %(src)s, the component "
                    "location of %(mo)s.",
                    location=location.display_name,
                    src=production.location_src_id.display_name,
                    mo=production.name,
                ),
                "location",
            )
        item.values = {
            "production": production,
            "product": product,
            "lot": lot,
            "location": location,
            "quantity": quantity,
        }

    def want_stock(self, batch, item):
        wanted = super().want_stock(batch, item)
        values = item.values
        batch.pool.want_destination(
            values["product"], values["production"].production_location_id
        )
        return wanted

    def load(self, batch, items):
        productions = batch.env["mrp.production"].union(
            *(i.values["production"] for i in items)
        )
        products = batch.env["product.product"].union(
            *(i.values["product"] for i in items)
        )
        # (order, product) -> (open moves, {quant key: reserved}, lines)
        batch.round["consume"] = reserved_by_orders(batch.env, productions, products)

    def _open(self, batch, item):
        values = item.values
        key = (values["production"].id, values["product"].id)
        found = batch.round["consume"].get(key)
        if found is None:
            found = (batch.env["stock.move"], {}, [])
            batch.round["consume"][key] = found
        return found

    def allocate(self, batch, item):
        _moves, reserved, _lines = self._open(batch, item)
        self.take_stock(batch, item, own=reserved)

    def group_key(self, item):
        values = item.values
        return (
            values["production"].id,
            values["product"].id,
            values["location"].id,
            values["lot"].id,
        )

    def stage(self, batch, groups):
        env = batch.env_for(groups[0][0].company)
        move_vals = []
        for items in groups:
            first = items[0].values
            production, product = first["production"], first["product"]
            open_moves, _reserved, reserved_lines = self._open(batch, items[0])
            open_moves = open_moves.filtered(
                lambda m: m.state not in ("done", "cancel")
            )
            consumed = sum(i.values["quantity"] for i in items)
            origin = f"MES {items[0].name}"
            if len(items) > 1:
                origin += f" (+{len(items) - 1})"
            move_vals.append(
                dict(
                    self._template(env, production, product, open_moves),
                    product_uom_qty=consumed,
                    location_id=first["location"].id,
                    mes_event_id=items[0].event_id,
                    origin=origin,
                )
            )
            own = {}
            for item in items:
                for allocation in item.plan:
                    if allocation.own:
                        key = allocation.row.key
                        own[key] = own.get(key, 0.0) + allocation.own
            self._reduce_open_moves(
                env, product, open_moves, reserved_lines, consumed, own
            )
        moves = env["stock.move"].create(move_vals)
        line_vals = []
        for move, items in zip(moves, groups, strict=True):
            for item in items:
                line_vals += line_values(
                    move,
                    item.event_id,
                    item.plan,
                    move.location_dest_id,
                    item.values["product"],
                )
        create_lines(env, moves, line_vals)
        for items in groups:
            for item in items:
                values = item.values
                item.updates = {
                    "production_id": values["production"].id,
                    "product_id": values["product"].id,
                    "lot_id": values["lot"].id,
                    "location_id": values["location"].id,
                    "quantity": values["quantity"],
                }
        return moves

    def _template(self, env, production, product, open_moves):
        """Values of a consumption move: those of the order's open move of the
        component (BOM line, operation, references), else a new raw move."""
        if open_moves:
            move = open_moves[0]
            vals = move.copy_data(
                {
                    "state": "confirmed",
                    "product_uom": product.uom_id.id,
                    "move_orig_ids": [],
                    "move_dest_ids": [],
                    "move_line_ids": [],
                    "workorder_id": move.workorder_id.id,
                }
            )[0]
        else:
            vals = production._get_move_raw_values(product, 0.0, product.uom_id)
            vals["state"] = "confirmed"
        vals.pop("product_uom_qty", None)
        return vals

    def _reduce_open_moves(self, env, product, open_moves, lines, consumed, own):
        """The open moves of the component keep what is left to consume: their
        demand goes down by ``consumed`` and they release what the order had
        reserved on the quants the consumption took (``own``), then what they
        reserved beyond their new demand."""
        uom = product.uom_id
        left, demands = consumed, {}
        for move in open_moves:
            demand = move.product_uom._compute_quantity(
                move.product_uom_qty, uom, round=False
            )
            cut = min(demand, left)
            demands[move] = uom.round(demand - cut)
            left = uom.round(left - cut)
        release = {}  # move line -> quantity to release (product unit)
        for line, reserved in lines:
            key = (
                line.location_id.id,
                line.lot_id.id or None,
                line.package_id.id or None,
                line.owner_id.id or None,
            )
            take = min(own.get(key, 0.0), reserved)
            if take > 0:
                own[key] = uom.round(own[key] - take)
                release[line] = take
        for move in open_moves:
            move_lines = [(line, qty) for line, qty in lines if line.move_id == move]
            kept = sum(qty - release.get(line, 0.0) for line, qty in move_lines)
            for line, qty in reversed(move_lines):
                if uom.compare(kept, demands[move]) <= 0:
                    break
                extra = min(qty - release.get(line, 0.0), kept - demands[move])
                if extra > 0:
                    release[line] = release.get(line, 0.0) + extra
                    kept = uom.round(kept - extra)
        reserved_of = dict(lines)
        for line, qty in release.items():
            rest = uom.round(reserved_of[line] - qty)
            if uom.is_zero(rest):
                line.unlink()
            else:
                line.quantity = uom._compute_quantity(
                    rest, line.product_uom_id, round=False
                )
        changed = False
        for move, demand in demands.items():
            new = uom._compute_quantity(demand, move.product_uom, round=False)
            if move.product_uom.compare(new, move.product_uom_qty):
                # the reservation was just brought down to the new demand
                move.with_context(do_not_unreserve=True).product_uom_qty = new
                changed = True
        if changed or release:
            open_moves._recompute_state()
