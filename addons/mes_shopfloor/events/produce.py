"""``produce``: finished goods of a manufacturing order, with their lots or
serial numbers.

Each event posts one done finished move of the order (a line per lot); the
order's open finished move is not split, its demand goes down. Serial numbers
are produced once (409 when one exists, in the database or earlier in the
batch); producing beyond the order quantity plus the tolerance is refused.
"""

from .base import (
    EventHandler,
    read_location,
    read_product_quantity,
    read_production,
)
from .errors import MesEventError
from .reader import MAX_BATCH, product_quantity, read_datetime, read_name, read_quantity
from .stock import create_lines

OVER_RECEIPT_PARAM = "mes_shopfloor.event_over_receipt_tolerance"


class ProduceHandler(EventHandler):
    event_type = "produce"
    references = ("production", "location_dest", "uom")

    def read_payload(self, batch, item):
        _ = batch.env._
        production = read_production(batch, item)
        product = production.product_id
        location_dest = read_location(batch, item, "location_dest", required=False)
        lots = self._produced_lots(batch, item, product)
        if lots:
            quantity = product.uom_id.round(sum(qty for _name, qty, _exp in lots))
            if "quantity" in item.payload and product.uom_id.compare(
                read_product_quantity(batch, item, product), quantity
            ):
                raise MesEventError(
                    _(
                        "quantity: %(qty)s differs from the sum of the lots/serials "
                        "(%(total)s).",
                        qty=item.payload["quantity"],
                        total=quantity,
                    ),
                    "quantity",
                )
        else:
            quantity = read_product_quantity(batch, item, product)
        item.values = {
            "production": production,
            "product": product,
            "location_dest": location_dest,
            "lots": lots,
            "quantity": quantity,
        }

    def _produced_lots(self, batch, item, product):
        """[(name, quantity, expiration or None)] from ``serials`` (one unit
        each) or ``lots`` ([{name, quantity, expiration_date}])."""
        _ = batch.env._
        payload = item.payload
        serials, lots = payload.get("serials"), payload.get("lots")
        if product.tracking == "none":
            if serials or lots:
                raise MesEventError(
                    _(
                        "lots: %(product)s is not tracked by lot or serial number.",
                        product=product.display_name,
                    ),
                    "lots" if lots else "serials",
                )
            return []
        result = []
        if product.tracking == "serial":
            if not isinstance(serials, list) or not serials:
                raise MesEventError(
                    _(
                        "serials: %(product)s is tracked by serial number; list "
                        "the serial numbers produced.",
                        product=product.display_name,
                    ),
                    "serials",
                )
            for serial in serials:
                if not isinstance(serial, str) or not serial.strip():
                    raise MesEventError(
                        _("serials: every serial number must be a non-empty string."),
                        "serials",
                    )
                result.append((serial.strip(), 1.0, None))
            field = "serials"
        else:
            if not isinstance(lots, list) or not lots:
                raise MesEventError(
                    _(
                        "lots: %(product)s is tracked by lot; list the lots "
                        'produced as [{"name": ..., "quantity": ...}].',
                        product=product.display_name,
                    ),
                    "lots",
                )
            for lot in lots:
                if not isinstance(lot, dict) or "name" not in lot:
                    raise MesEventError(
                        _('lots: each lot is {"name": ..., "quantity": ...}.'),
                        "lots",
                    )
                try:
                    name = read_name(batch.env, lot["name"], "lots")
                    qty = product_quantity(
                        batch.env, product, read_quantity(batch.env, lot)
                    )
                    expiration = read_datetime(batch.env, lot, "expiration_date", None)
                except MesEventError as exc:
                    raise MesEventError(
                        _("lots: %(error)s", error=str(exc)), "lots", exc.code
                    ) from None
                result.append((name, qty, expiration))
            field = "lots"
        if len(result) > MAX_BATCH:
            raise MesEventError(
                _(
                    "%(field)s: at most %(max)s in one event.",
                    field=field,
                    max=MAX_BATCH,
                ),
                field,
            )
        names = [name for name, _q, _e in result]
        if len(set(names)) != len(names):
            raise MesEventError(
                _("%(field)s: the same number is listed twice.", field=field), field
            )
        return result

    def load(self, batch, items):
        env = batch.env
        productions = env["mrp.production"].union(
            *(i.values["production"] for i in items)
        )
        open_moves = {}
        for move in env["stock.move"].search(
            [
                ("production_id", "in", productions.ids),
                ("state", "not in", ("done", "cancel")),
            ],
            order="id",
        ):
            if move.product_id == move.production_id.product_id:
                open_moves.setdefault(move.production_id.id, move)
        done = {
            production.id: qty
            for production, qty in env["stock.move"]._read_group(
                [
                    ("production_id", "in", productions.ids),
                    ("state", "=", "done"),
                    ("product_id", "in", productions.product_id.ids),
                ],
                ["production_id"],
                ["product_qty:sum"],
            )
        }
        names = {name for i in items for name, _q, _e in i.values["lots"]}
        lots = {}
        if names:
            for lot in env["stock.lot"].search(
                [
                    ("product_id", "in", productions.product_id.ids),
                    ("name", "in", list(names)),
                ]
            ):
                lots[(lot.product_id.id, lot.company_id.id, lot.name)] = lot
        tolerance = float(
            env["ir.config_parameter"].sudo().get_param(OVER_RECEIPT_PARAM, "0") or 0.0
        )
        batch.round["produce"] = {
            "open": open_moves,
            "done": done,
            "lots": lots,
            "planned": set(),
            "tolerance": tolerance,
        }

    def want_stock(self, batch, item):
        # produce takes no stock; its quants (the production location's and
        # the destination's) are locked the way Odoo would, once
        values = item.values
        production = values["production"]
        batch.pool.want_destination(
            values["product"], production.production_location_id
        )
        batch.pool.want_destination(
            values["product"],
            values["location_dest"] or production.location_dest_id,
        )

    def allocate(self, batch, item):
        _ = batch.env._
        state = batch.round["produce"]
        values = item.values
        production, product = values["production"], values["product"]
        move = state["open"].get(production.id)
        if not move:
            raise MesEventError(
                _(
                    "production: %(mo)s has nothing left to produce.",
                    mo=production.name,
                ),
                "production",
                code=409,
            )
        uom = product.uom_id
        planned = production.product_uom_id._compute_quantity(
            production.product_qty, uom
        )
        done = state["done"].get(production.id, 0.0)
        limit = planned * (1 + state["tolerance"] / 100.0)
        if uom.compare(done + values["quantity"], limit) > 0:
            raise MesEventError(
                _(
                    "quantity: producing %(qty)s more of %(mo)s would make "
                    "%(total)s, over the %(planned)s planned plus the %(tol)s%% "
                    "tolerance.",
                    qty=values["quantity"],
                    mo=production.name,
                    total=uom.round(done + values["quantity"]),
                    planned=planned,
                    tol=state["tolerance"],
                ),
                "quantity",
                code=409,
            )
        company_id = production.company_id.id
        existing = {}
        taken = []
        for name, _qty, _exp in values["lots"]:
            lot = state["lots"].get((product.id, company_id, name)) or state[
                "lots"
            ].get((product.id, False, name))
            if lot:
                existing[name] = lot
            if product.tracking == "serial" and (
                lot or (product.id, company_id, name) in state["planned"]
            ):
                taken.append(name)
        if taken:
            raise MesEventError(
                _(
                    "serials: %(serials)s of %(product)s already exist; a serial "
                    "number is produced once.",
                    serials=", ".join(taken),
                    product=product.display_name,
                ),
                "serials",
                code=409,
            )
        for name, _qty, _exp in values["lots"]:
            state["planned"].add((product.id, company_id, name))
        state["done"][production.id] = done + values["quantity"]
        item.plan = {
            "move": move,
            "existing": existing,
            "location_dest": values["location_dest"] or move.location_dest_id,
        }

    def stage(self, batch, groups):
        env = batch.env_for(groups[0][0].company)
        items = [item for group in groups for item in group]
        lot_vals, seen = [], set()
        for item in items:
            values = item.values
            for name, _qty, expiration in values["lots"]:
                if (
                    name in item.plan["existing"]
                    or (values["product"].id, name) in seen
                ):
                    continue
                seen.add((values["product"].id, name))
                lot_vals.append(
                    {
                        "name": name,
                        "product_id": values["product"].id,
                        "company_id": values["production"].company_id.id,
                        **({"expiration_date": expiration} if expiration else {}),
                    }
                )
        created = {
            (lot.product_id.id, lot.name): lot
            for lot in env["stock.lot"].create(lot_vals)
        }
        move_vals = []
        for item in items:
            open_move = item.plan["move"]
            values = item.values
            move_vals.append(
                open_move.copy_data(
                    {
                        "state": "confirmed",
                        "product_uom": values["product"].uom_id.id,
                        "product_uom_qty": values["quantity"],
                        "location_dest_id": item.plan["location_dest"].id,
                        "move_line_ids": [],
                        "move_orig_ids": [],
                        "move_dest_ids": [
                            (4, dest.id)
                            for dest in open_move.move_dest_ids
                            if dest.state not in ("done", "cancel")
                        ],
                        "mes_event_id": item.event_id,
                        "origin": f"MES {item.name}",
                    }
                )[0]
            )
        moves = env["stock.move"].create(move_vals)
        line_vals = []
        for move, item in zip(moves, items, strict=True):
            values = item.values
            product = values["product"]
            lots = [
                (
                    item.plan["existing"].get(name) or created[(product.id, name)],
                    qty,
                )
                for name, qty, _exp in values["lots"]
            ] or [(env["stock.lot"], values["quantity"])]
            line_vals += [
                {
                    "move_id": move.id,
                    "product_id": product.id,
                    "product_uom_id": product.uom_id.id,
                    "quantity": qty,
                    "location_id": move.location_id.id,
                    "location_dest_id": item.plan["location_dest"].id,
                    "lot_id": lot.id,
                    "picked": True,
                    "mes_event_id": item.event_id,
                }
                for lot, qty in lots
            ]
            open_move = item.plan["move"]
            uom = product.uom_id
            demand = open_move.product_uom._compute_quantity(
                open_move.product_uom_qty, uom, round=False
            )
            # what is left to produce (lines put on it by hand stay)
            open_move.with_context(
                do_not_unreserve=True
            ).product_uom_qty = uom._compute_quantity(
                max(0.0, uom.round(demand - values["quantity"])),
                open_move.product_uom,
                round=False,
            )
            item.updates = {
                "production_id": values["production"].id,
                "product_id": product.id,
                "location_dest_id": item.plan["location_dest"].id,
                "quantity": values["quantity"],
                "lot_id": lots[0][0].id,
            }
        create_lines(env, moves, line_vals)
        return moves
