import hashlib

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
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

    mes_over_receipt_approved_qty = fields.Float(
        string="Approved Over-Receipt Quantity",
        digits="Product Unit",
        copy=False,
        readonly=True,
        help="Quantity of this receipt move (in its unit) a purchase manager "
        "approved beyond the over-receipt tolerance (Approve Over-Receipt).",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("mes_over_receipt_approved_qty") for vals in vals_list):
            self._mes_check_over_receipt_approval_write()
        return super().create(vals_list)

    def write(self, vals):
        if "mes_over_receipt_approved_qty" in vals:
            self._mes_check_over_receipt_approval_write()
        return super().write(vals)

    def _mes_check_over_receipt_approval_write(self):
        # Only the approval action (which checks the purchase manager group)
        # records an approved quantity.
        if self.env.su or self.env.context.get("mes_over_receipt_approval"):
            return
        raise AccessError(
            _(
                "The approved over-receipt quantity is set by a purchase manager "
                "with Approve Over-Receipt on the receipt, not by hand."
            )
        )

    def _action_done(self, cancel_backorder=False):
        self._mes_check_frozen_locations()
        self._mes_check_project_stock()
        self._mes_check_over_receipt()
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
        pairs = self.env["stock.location"]._mes_project_location_pairs()
        if not pairs or self.env.context.get("mes_project_reserving"):
            return super(StockMove, move)._update_reserved_quantity_vals(
                need, location_id, lot_id, package_id, owner_id, strict
            )
        # Project stock: the move's project's own location first, then free
        # stock when the project may use it; never another project's.
        move = move.with_context(mes_project_reserving=True)
        project = self._mes_project()
        own = self.env["stock.location"].browse(
            loc_id for loc_id, project_id in pairs if project_id == project.id
        )
        own = own.filtered(
            lambda loc: loc.parent_path.startswith(location_id.parent_path)
        )
        # A transfer into the project's location (free stock given to the
        # project) takes free stock, never what is already there.
        into_own = own.filtered(
            lambda loc: self.location_dest_id.parent_path.startswith(loc.parent_path)
        )
        own -= into_own
        vals_list, taken = [], 0.0
        rounding = self.product_id.uom_id
        for location in own:
            if rounding.compare(need - taken, 0) <= 0:
                break
            vals, qty = super(StockMove, move)._update_reserved_quantity_vals(
                need - taken, location, lot_id, package_id, owner_id, strict
            )
            vals_list += vals
            taken += qty
        free_allowed = (
            not project
            or not project.mes_hold_stock
            or project.mes_use_free_stock
            or into_own
        )
        if free_allowed and rounding.compare(need - taken, 0) > 0:
            vals, qty = super(
                StockMove,
                move.with_context(
                    mes_exclude_location_ids=[loc_id for loc_id, _p in pairs]
                ),
            )._update_reserved_quantity_vals(
                need - taken, location_id, lot_id, package_id, owner_id, strict
            )
            vals_list += vals
            taken += qty
        return vals_list, taken

    def _mes_project(self):
        """The project whose demand or supply this move is: its manufacturing
        order's, else its transfer's (the host's ``project_id`` fields)."""
        self.ensure_one()
        return (
            self.raw_material_production_id.project_id
            or self.production_id.project_id
            or self.picking_id.project_id
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

    # ------------------------------------------------------------------
    # Project stock
    # ------------------------------------------------------------------
    def _mes_check_project_stock(self):
        """Refuse taking a project's stock for anything but that project.

        Scrap and inventory adjustments (to an inventory location) pass: they
        correct the project's own books."""
        pairs = self.env["stock.location"]._mes_project_location_pairs()
        if not pairs:
            return
        project_of = dict(pairs)
        Location = self.env["stock.location"]
        for ml in self.filtered(
            lambda m: m.state not in ("done", "cancel") and not m.is_inventory
        ).move_line_ids:
            if ml.location_dest_id.usage == "inventory":
                continue
            if not (ml.picked or not ml.move_id.picked):
                continue
            held = [
                int(part)
                for part in ml.location_id.parent_path.split("/")
                if part and int(part) in project_of
            ]
            if not held:
                continue
            owner = project_of[held[-1]]
            project = ml.move_id._mes_project()
            if project.id == owner:
                continue
            held_by = Location.browse(held[-1]).sudo().mes_project_id
            raise UserError(
                _(
                    "%(ref)s: %(product)s cannot be taken from %(location)s: that "
                    "stock is held by project %(owner)s and this move is %(purpose)s. "
                    "Take it from free stock or from the project's own location, "
                    "or move it to free stock first with a transfer of project "
                    "%(owner)s.",
                    ref=ml.move_id.reference or ml.move_id.display_name,
                    product=ml.product_id.display_name,
                    location=ml.location_id.display_name,
                    owner=held_by.display_name,
                    purpose=_("for project %s", project.display_name)
                    if project
                    else _("for no project"),
                )
            )

    # ------------------------------------------------------------------
    # Frozen locations (a count in progress)
    # ------------------------------------------------------------------
    def _mes_check_frozen_locations(self):
        """Refuse moving stock into or out of a frozen location.

        Inventory adjustments (``is_inventory``: applying a count) are what a
        frozen location waits for, so they pass."""
        moves = self.filtered(
            lambda m: m.state not in ("done", "cancel") and not m.is_inventory
        )
        if not moves:
            return
        lines = moves.move_line_ids.filtered(
            lambda ml: (
                (ml.picked or not ml.move_id.picked)
                and (ml.location_id.mes_frozen or ml.location_dest_id.mes_frozen)
            )
        )
        for ml in lines:
            frozen = (
                ml.location_id if ml.location_id.mes_frozen else ml.location_dest_id
            )
            raise UserError(
                _(
                    "%(ref)s: %(product)s cannot be moved %(direction)s %(location)s: "
                    "the location is frozen%(count)s. Moves into or out of it wait "
                    "until the count is applied or cancelled; use another location, "
                    "or ask a stock manager to unfreeze it.",
                    ref=ml.move_id.reference or ml.move_id.display_name,
                    product=ml.product_id.display_name,
                    direction=_("out of") if frozen == ml.location_id else _("into"),
                    location=frozen.display_name,
                    count=frozen._mes_frozen_reason(),
                )
            )

    # ------------------------------------------------------------------
    # Over-receipt tolerance
    # ------------------------------------------------------------------
    def _mes_over_receipt_moves(self, picked_only=True):
        """Receipt moves from a vendor of a purchase line's own product, by
        purchase line (an extra move of a product of the order counts on its
        line, as Odoo links it when it is done)."""
        by_line = {}
        for move in self:
            if (
                move.state in ("done", "cancel")
                or move.location_id.usage != "supplier"
                or move.origin_returned_move_id
                or (picked_only and not move.picked)
                or move.product_uom.compare(move.quantity, 0) <= 0
            ):
                continue
            line = move.purchase_line_id
            if not line:
                order = move.picking_id.purchase_id
                line = order.order_line.filtered(
                    lambda pol, product=move.product_id: pol.product_id == product
                )[:1]
            if not line or line.product_id != move.product_id:
                continue
            by_line.setdefault(line, self.browse())
            by_line[line] |= move
        return by_line

    def _mes_over_receipt_excess(self, picked_only=True):
        """Purchase lines these moves would receive beyond their tolerance.

        One dict per line: ``line``, ``moves``, ``ordered``, ``received`` (with
        these moves), ``allowed`` (all in the line's unit), ``tolerance`` (%),
        ``approved`` (a purchase manager approved these moves' quantities)."""
        rows = []
        for line, moves in self._mes_over_receipt_moves(picked_only).items():
            uom = line.product_uom_id
            now = sum(
                move.product_uom._compute_quantity(
                    move.quantity, uom, rounding_method="HALF-UP"
                )
                for move in moves
            )
            received = uom.round(line.qty_received + now)
            tolerance = line.product_id.categ_id._mes_over_receipt_tolerance(
                line.company_id
            )
            if tolerance is None:
                continue
            allowed = uom.round(line.product_qty * (1 + tolerance / 100.0))
            if uom.compare(received, allowed) <= 0:
                continue
            approved = all(
                move.product_uom.compare(
                    move.quantity, move.mes_over_receipt_approved_qty
                )
                <= 0
                for move in moves
            )
            rows.append(
                {
                    "line": line,
                    "moves": moves,
                    "ordered": line.product_qty,
                    "received": received,
                    "allowed": allowed,
                    "tolerance": tolerance,
                    "approved": approved,
                }
            )
        return rows

    @api.model
    def _mes_over_receipt_text(self, row):
        line = row["line"]
        uom = line.product_uom_id.name
        return _(
            "%(order)s - %(product)s: ordered %(ordered)s %(uom)s, received "
            "%(received)s %(uom)s, allowed %(allowed)s %(uom)s "
            "(tolerance %(tolerance)s %%)",
            order=line.order_id.name,
            product=line.product_id.display_name,
            ordered=f"{row['ordered']:g}",
            received=f"{row['received']:g}",
            allowed=f"{row['allowed']:g}",
            uom=uom,
            tolerance=f"{row['tolerance']:g}",
        )

    def _mes_check_over_receipt(self):
        refused = [
            row for row in self._mes_over_receipt_excess() if not row["approved"]
        ]
        if not refused:
            return
        pickings = self.browse().union(*(row["moves"] for row in refused)).picking_id
        raise UserError(
            _(
                "%(pickings)s receives more than ordered plus the over-receipt "
                "tolerance:\n%(lines)s\nReceive at most the allowed quantity, or "
                "ask a purchase manager to approve the excess (Approve "
                "Over-Receipt on the receipt).",
                pickings=", ".join(pickings.mapped("name")) or _("This receipt"),
                lines="\n".join(
                    "- " + self._mes_over_receipt_text(row) for row in refused
                ),
            )
        )
