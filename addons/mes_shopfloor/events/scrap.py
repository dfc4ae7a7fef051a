"""``scrap``: stock scrapped on the line (a done ``stock.scrap``, one per quant
the event takes from, usually one)."""

from .base import (
    StockHandler,
    read_location,
    read_lot,
    read_product,
    read_product_quantity,
    read_production,
)


class ScrapHandler(StockHandler):
    event_type = "scrap"
    references = ("product", "lot", "location", "production", "uom")

    def read_payload(self, batch, item):
        product = read_product(batch, item)
        quantity = read_product_quantity(batch, item, product)
        lot = read_lot(batch, item, product)
        production = read_production(batch, item, required=False)
        location = read_location(batch, item, "location")
        item.values = {
            "production": production,
            "product": product,
            "lot": lot,
            "location": location,
            "quantity": quantity,
        }

    def stage(self, batch, groups):
        env = batch.env_for(groups[0][0].company)
        items = [item for group in groups for item in group]
        scrap_vals, owners = [], []
        for item in items:
            values = item.values
            for allocation in item.plan:
                row = allocation.row
                vals = {
                    "product_id": values["product"].id,
                    "product_uom_id": values["product"].uom_id.id,
                    "scrap_qty": allocation.quantity,
                    "lot_id": row.lot_id or False,
                    "package_id": row.package_id or False,
                    "owner_id": row.owner_id or False,
                    "location_id": row.location_id,
                    "company_id": item.company.id,
                    "origin": f"MES {item.name}",
                }
                if values["production"]:
                    vals["production_id"] = values["production"].id
                scrap_vals.append(vals)
                owners.append(item)
            item.updates = {
                "production_id": values["production"].id,
                "product_id": values["product"].id,
                "lot_id": values["lot"].id,
                "location_id": values["location"].id,
                "quantity": values["quantity"],
            }
        scraps = env["stock.scrap"].create(scrap_vals)
        scraps.do_scrap()
        for scrap, item in zip(scraps, owners, strict=True):
            scrap.move_ids.mes_event_id = item.event_id
            scrap.move_ids.move_line_ids.mes_event_id = item.event_id
        return env["stock.move"]
