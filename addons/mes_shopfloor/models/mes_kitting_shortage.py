from odoo import fields, models


class MesKittingShortage(models.Model):
    _name = "mes.kitting.shortage"
    _description = "Kitting Shortage"
    _order = "production_id, id"

    production_id = fields.Many2one(
        "mrp.production", required=True, ondelete="cascade", index=True
    )
    workorder_id = fields.Many2one("mrp.workorder", ondelete="set null")
    move_id = fields.Many2one("stock.move", string="Component Move", ondelete="cascade")
    company_id = fields.Many2one("res.company", index=True)
    project_id = fields.Many2one(related="production_id.project_id")
    product_id = fields.Many2one("product.product", required=True)
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    location_id = fields.Many2one("stock.location", string="Consumed From")
    qty_required = fields.Float("Required", digits="Product Unit")
    qty_available = fields.Float("Available", digits="Product Unit")
    qty_missing = fields.Float("Missing", digits="Product Unit")
    qty_elsewhere = fields.Float(
        "Free Elsewhere",
        digits="Product Unit",
        help="Free usable stock in other internal locations of every warehouse.",
    )
    stock_elsewhere = fields.Char("Where Stock Is")
    incoming_move_id = fields.Many2one(
        "stock.move",
        string="Covering Receipt",
        ondelete="set null",
        help="Vendor receipt that covers this shortage (reverse pegging).",
    )
    incoming_picking_id = fields.Many2one(
        related="incoming_move_id.picking_id", string="Receipt"
    )
    incoming_purchase_id = fields.Many2one(
        related="incoming_move_id.purchase_line_id.order_id", string="Purchase Order"
    )
    incoming_date = fields.Datetime("Expected On")
    incoming_qty = fields.Float("Pegged Qty", digits="Product Unit")

    def action_open_stock_card(self):
        """Stock of the short component in every warehouse, by role and state."""
        self.ensure_one()
        return self.product_id.action_mes_stock_card()
