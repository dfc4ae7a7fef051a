import hashlib

from odoo import _, api, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

from .stock_lot import QUALITY_STATES

# Destinations a lot that is not released may always go to: scrap and
# inventory loss ("inventory") and return to the vendor ("supplier").
ALWAYS_ALLOWED_DEST = ("inventory", "supplier")


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

    def _action_done(self, cancel_backorder=False):
        self._mes_check_lot_quality()
        done = super()._action_done(cancel_backorder=cancel_backorder)
        done._mes_check_lot_characteristics()
        return done

    def _update_reserved_quantity_vals(
        self,
        need,
        location_id,
        lot_id=None,
        package_id=None,
        owner_id=None,
        strict=True,
    ):
        move = self
        if self._mes_allows_unreleased_lots():
            move = self.with_context(mes_reserve_unreleased=True)
        return super(StockMove, move)._update_reserved_quantity_vals(
            need, location_id, lot_id, package_id, owner_id, strict
        )

    @api.model
    def _mes_purchase_in_transit_domain(self, warehouses):
        """Receipts of confirmed purchases not received yet (not done or
        cancelled) into any of ``warehouses``: what is in transit from vendors."""
        return (
            Domain("purchase_line_id", "!=", False)
            & Domain("state", "not in", ("draft", "done", "cancel"))
            & Domain("location_dest_id.warehouse_id", "in", warehouses.ids)
        )

    def _mes_allows_unreleased_lots(self):
        """True when this move may carry pending or quarantined lots: it puts
        received or produced goods away, or goes into a quality location.
        Override to add other put-away flows (call ``super()``)."""
        self.ensure_one()
        return (
            self.location_dest_id.mes_is_quality_location
            or self.picking_type_id in self._mes_putaway_picking_types()
        )

    def _mes_putaway_picking_types(self):
        """Operation types that put received or produced goods away: pending
        lots may travel through them (input → quality → stock, post-production
        → stock)."""
        warehouses = self.picking_type_id.warehouse_id
        return warehouses.qc_type_id | warehouses.store_type_id | warehouses.sam_type_id

    def _mes_check_lot_quality(self):
        lines = self.filtered(lambda m: m.state not in ("done", "cancel")).move_line_ids
        lines = lines.filtered(
            lambda ml: (
                ml.lot_id
                and not ml.lot_id._mes_is_usable()
                and ml.location_id.usage in ("internal", "transit")
                and ml.location_dest_id.usage not in ALWAYS_ALLOWED_DEST
                and (ml.picked or not ml.move_id.picked)
                and ml.quantity
            )
        )
        if not lines:
            return
        labels = dict(QUALITY_STATES)
        for ml in lines:
            lot = ml.lot_id
            state = lot.mes_quality_state
            if state != "rejected" and ml.location_dest_id.usage in (
                "internal",
                "transit",
            ):
                if ml.location_dest_id.mes_is_quality_location:
                    continue
                if ml.move_id._mes_allows_unreleased_lots():
                    continue
            if state == "rejected":
                fix = _(
                    "A rejected lot can only be scrapped or returned to the vendor."
                )
            else:
                fix = _("Ask a quality inspector to release it, or use another lot.")
            raise UserError(
                _(
                    "Lot %(lot)s of %(product)s is %(state)s and cannot be moved "
                    "from %(src)s to %(dest)s (%(ref)s). %(fix)s",
                    lot=lot.name,
                    product=lot.product_id.display_name,
                    state=labels[state],
                    src=ml.location_id.display_name,
                    dest=ml.location_dest_id.display_name,
                    ref=ml.move_id.reference or ml.move_id.display_name,
                    fix=fix,
                )
            )

    def _mes_check_lot_characteristics(self):
        """Received or produced lots must carry the product's required
        characteristics."""
        lines = self.move_line_ids.filtered(
            lambda ml: (
                ml.lot_id
                and ml.location_id.usage in ("supplier", "production")
                and ml.product_id.product_tmpl_id.mes_characteristic_ids
            )
        )
        for lot in lines.lot_id:
            required = lot.product_id.product_tmpl_id.mes_characteristic_ids
            present = {
                c.name.strip().lower()
                for c in lot.mes_characteristic_ids
                if c.value and c.value.strip()
            }
            missing = [
                c.name for c in required if c.name.strip().lower() not in present
            ]
            if missing:
                raise UserError(
                    _(
                        "Lot %(lot)s of %(product)s lacks the required "
                        "characteristic(s) %(names)s. Create the lot beforehand "
                        "with these characteristics (Lots/Serial Numbers ▸ "
                        "Characteristics) and select it in the operation.",
                        lot=lot.name,
                        product=lot.product_id.display_name,
                        names=", ".join(missing),
                    )
                )

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
