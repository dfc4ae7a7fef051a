import hashlib

from odoo import models
from odoo.tools import SQL


def mes_lock_key(*parts):
    """A stable signed 64-bit key for PostgreSQL advisory locks (the same in
    every Odoo process: the locks live in the database, not in Python)."""
    digest = hashlib.sha256(":".join(map(str, ("mes",) + parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def mes_product_lock_key(product_id):
    """Key serializing everything that reserves or takes stock of a product."""
    return mes_lock_key("product", product_id)


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_assign(self, force_qty=False):
        # The host reserves with "SELECT ... FOR NO KEY UPDATE SKIP LOCKED" on
        # the quant and, when the quant is locked by another transaction,
        # records the reservation on a new empty quant: two transactions can
        # then reserve the same last units. Serialize reservations per product
        # (waiting, not failing); a transaction that waited then reads the
        # quant the other one changed and fails with a serialization error,
        # which Odoo retries on fresh data.
        self._mes_lock_products_for_reservation()
        return super()._action_assign(force_qty=force_qty)

    def _mes_lock_products_for_reservation(self):
        product_ids = sorted(
            {
                move.product_id.id
                for move in self
                if move.product_id.is_storable
                and move.state not in ("done", "cancel", "draft")
            }
        )
        for product_id in product_ids:
            self.env.cr.execute(
                SQL(
                    "SELECT pg_advisory_xact_lock(%s)", mes_product_lock_key(product_id)
                )
            )
