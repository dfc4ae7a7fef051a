from odoo import _, api, fields, models


class MesMrpMessage(models.Model):
    """An action message on existing supply: move it in, out, or cancel it."""

    _name = "mes.mrp.message"
    _description = "MRP Action Message"
    _order = "date_current, product_id, id"
    _check_company_auto = True

    run_id = fields.Many2one("mes.mrp.run", ondelete="set null", index=True)
    planning_group_id = fields.Many2one(
        "mes.mrp.planning.group", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    product_id = fields.Many2one(
        "product.product", required=True, index=True, check_company=True
    )
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    supply_move_id = fields.Many2one("stock.move", ondelete="cascade")
    purchase_line_id = fields.Many2one("purchase.order.line", ondelete="cascade")
    purchase_id = fields.Many2one(
        related="purchase_line_id.order_id", string="Purchase Order"
    )
    production_id = fields.Many2one(
        "mrp.production", string="Manufacturing Order", ondelete="cascade"
    )
    message_type = fields.Selection(
        [
            ("reschedule_in", "Reschedule In"),
            ("reschedule_out", "Reschedule Out"),
            ("cancel", "Cancel"),
        ],
        required=True,
    )
    date_current = fields.Date(string="Current Date", required=True)
    date_suggested = fields.Date(string="Suggested Date")
    product_qty = fields.Float(string="Quantity", digits="Product Unit", default=0.0)
    quantity = fields.Float(
        related="product_qty", readonly=False, string="Supply Quantity"
    )
    origin = fields.Char(string="Source Document", compute="_compute_origin")
    note = fields.Char(string="Action", compute="_compute_origin")

    @api.depends("supply_move_id", "purchase_line_id", "production_id")
    def _compute_origin(self):
        for message in self:
            message.origin = (
                message.purchase_line_id.order_id.name
                or message.production_id.name
                or message.supply_move_id.picking_id.name
                or message.supply_move_id.reference
                or ""
            )
            if message.message_type == "cancel":
                message.note = _("Not needed within the horizon: cancel it.")
            elif message.message_type == "reschedule_in":
                message.note = _(
                    "Needed on %(date)s: bring it forward.",
                    date=message.date_suggested,
                )
            else:
                message.note = _(
                    "First needed on %(date)s: postpone it.",
                    date=message.date_suggested,
                )
