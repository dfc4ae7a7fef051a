"""``count``: a physical count for the reconciliation (no stock moves)."""

from odoo import fields

from .base import (
    EventHandler,
    read_location,
    read_lot,
    read_product,
    read_product_quantity,
)
from .reader import read_datetime


class CountHandler(EventHandler):
    event_type = "count"
    references = ("product", "lot", "location", "uom")

    def lock_keys(self, batch, item):
        return set()

    def read_payload(self, batch, item):
        product = read_product(batch, item)
        quantity = read_product_quantity(batch, item, product, allow_zero=True)
        lot = read_lot(batch, item, product)
        location = read_location(batch, item, "location")
        counted_at = read_datetime(
            batch.env,
            item.payload,
            "counted_at",
            fields.Datetime.now(),
            not_in_future=True,
        )
        item.values = {
            "product": product,
            "lot": lot,
            "location": location,
            "quantity": quantity,
            "counted_at": counted_at,
        }

    def stage(self, batch, groups):
        env = batch.env_for(groups[0][0].company)
        items = [item for group in groups for item in group]
        counts = env["mes.stock.count"].create(
            [
                {
                    "company_id": item.company.id,
                    "location_id": item.values["location"].id,
                    "product_id": item.values["product"].id,
                    "lot_id": item.values["lot"].id,
                    "quantity": item.values["quantity"],
                    "counted_at": item.values["counted_at"],
                    "source": "event",
                    "origin": item.name,
                }
                for item in items
            ]
        )
        for item, count in zip(items, counts, strict=True):
            values = item.values
            item.updates = {
                "product_id": values["product"].id,
                "lot_id": values["lot"].id,
                "location_id": values["location"].id,
                "quantity": values["quantity"],
                "count_id": count.id,
            }
        return env["stock.move"]
