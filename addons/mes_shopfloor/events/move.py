"""``move``: stock from one internal location to another.

Events of a batch that move the same product and lot between the same two
locations are one stock move with one line per event (per quant it takes
from, when the stock is spread over child locations).
"""

from .base import (
    StockHandler,
    read_location,
    read_lot,
    read_product,
    read_product_quantity,
    read_production,
)
from .errors import MesEventError
from .stock import create_lines, line_values


class MoveHandler(StockHandler):
    event_type = "move"
    references = ("product", "lot", "location", "location_dest", "production", "uom")

    def read_payload(self, batch, item):
        product = read_product(batch, item)
        quantity = read_product_quantity(batch, item, product)
        lot = read_lot(batch, item, product)
        location = read_location(batch, item, "location")
        location_dest = read_location(batch, item, "location_dest")
        if location == location_dest:
            raise MesEventError(
                batch.env._(
                    "location_dest: the same as location (%(location)s).",
                    location=location.display_name,
                ),
                "location_dest",
            )
        production = read_production(batch, item, required=False)
        item.values = {
            "production": production,
            "product": product,
            "lot": lot,
            "location": location,
            "location_dest": location_dest,
            "quantity": quantity,
        }

    def want_stock(self, batch, item):
        wanted = super().want_stock(batch, item)
        values = item.values
        batch.pool.want_destination(values["product"], values["location_dest"])
        return wanted

    def allocate(self, batch, item):
        location, location_dest = item.values["location"], item.values["location_dest"]
        # moving into a child of the source: what is already there stays
        inside = location_dest.parent_path.startswith(location.parent_path)
        self.take_stock(batch, item, exclude=location_dest if inside else None)

    def group_key(self, item):
        values = item.values
        return (
            values["product"].id,
            values["lot"].id,
            values["location"].id,
            values["location_dest"].id,
        )

    def stage(self, batch, groups):
        env = batch.env_for(groups[0][0].company)
        move_vals = []
        for items in groups:
            first = items[0].values
            product = first["product"]
            origin = f"MES {items[0].name}"
            if len(items) > 1:
                origin += f" (+{len(items) - 1})"
            move_vals.append(
                {
                    "origin": origin,
                    "company_id": items[0].company.id,
                    "product_id": product.id,
                    "product_uom": product.uom_id.id,
                    "product_uom_qty": sum(i.values["quantity"] for i in items),
                    "location_id": first["location"].id,
                    "location_dest_id": first["location_dest"].id,
                    "state": "confirmed",
                    "mes_event_id": items[0].event_id,
                }
            )
        moves = env["stock.move"].create(move_vals)
        line_vals = []
        for move, items in zip(moves, groups, strict=True):
            for item in items:
                values = item.values
                line_vals += line_values(
                    move,
                    item.event_id,
                    item.plan,
                    values["location_dest"],
                    values["product"],
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
                    "location_dest_id": values["location_dest"].id,
                    "quantity": values["quantity"],
                }
        return moves
