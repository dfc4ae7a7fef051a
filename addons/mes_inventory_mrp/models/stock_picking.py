from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError


class StockPicking(models.Model):
    _inherit = "stock.picking"

    mes_over_receipt_to_approve = fields.Boolean(
        string="Over-Receipt to Approve",
        compute="_compute_mes_over_receipt",
        help="A purchase line of this receipt goes beyond the ordered quantity "
        "plus the over-receipt tolerance and the excess is not approved.",
    )
    mes_over_receipt_info = fields.Text(
        string="Over-Receipt",
        compute="_compute_mes_over_receipt",
    )
    mes_over_receipt_approved_by_id = fields.Many2one(
        "res.users", string="Over-Receipt Approved By", readonly=True, copy=False
    )
    mes_over_receipt_approved_date = fields.Datetime(
        string="Over-Receipt Approved On", readonly=True, copy=False
    )

    @api.depends(
        "state",
        "move_ids.quantity",
        "move_ids.product_uom",
        "move_ids.mes_over_receipt_approved_qty",
    )
    def _compute_mes_over_receipt(self):
        for picking in self:
            rows = []
            if picking.picking_type_code == "incoming" and picking.state not in (
                "done",
                "cancel",
            ):
                rows = picking.move_ids._mes_over_receipt_excess(picked_only=False)
            todo = [row for row in rows if not row["approved"]]
            picking.mes_over_receipt_to_approve = bool(todo)
            picking.mes_over_receipt_info = "\n".join(
                self.env["stock.move"]._mes_over_receipt_text(row) for row in rows
            )

    def action_mes_approve_over_receipt(self):
        """Approve the quantities of these receipts beyond the over-receipt
        tolerance (purchase managers only); logged on each receipt."""
        if not self.env.user.has_group("purchase.group_purchase_manager"):
            raise AccessError(
                _(
                    "Only a purchase manager may approve receiving more than "
                    "ordered plus the tolerance."
                )
            )
        self.check_access("write")
        Move = self.env["stock.move"]
        for picking in self:
            rows = [
                row
                for row in picking.move_ids._mes_over_receipt_excess(picked_only=False)
                if not row["approved"]
            ]
            if not rows:
                raise UserError(
                    _(
                        "%(picking)s receives nothing beyond the over-receipt "
                        "tolerance: there is nothing to approve.",
                        picking=picking.display_name,
                    )
                )
            for row in rows:
                for move in row["moves"]:
                    move.with_context(
                        mes_over_receipt_approval=True
                    ).mes_over_receipt_approved_qty = move.quantity
            picking.write(
                {
                    "mes_over_receipt_approved_by_id": self.env.user.id,
                    "mes_over_receipt_approved_date": fields.Datetime.now(),
                }
            )
            picking.message_post(
                body=_(
                    "Over-receipt approved by %(user)s: %(lines)s",
                    user=self.env.user.name,
                    lines="; ".join(Move._mes_over_receipt_text(row) for row in rows),
                )
            )
        return True

    def _action_done(self):
        pending = self.move_ids.filtered(lambda m: m.state not in ("done", "cancel"))
        res = super()._action_done()
        # The host may delete moves while validating (kit components exploded,
        # moves merged): only the moves still there were received.
        received = pending.exists().filtered(
            lambda m: m.state == "done" and m.picking_code == "incoming"
        )
        if received:
            self._mes_goods_received(received)
        return res

    def _mes_goods_received(self, moves):
        """Hook called once per validation with the receipt moves just done.

        Runs in the validating transaction, after stock is updated, so addons that
        react to arrivals (the shop floor refreshes kitting of waiting MOs) see the
        new quants. Override, call ``super()``, and work on ``moves`` in bulk.
        """
        return True
