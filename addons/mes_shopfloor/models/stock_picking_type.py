from odoo import fields, models


class StockPickingType(models.Model):
    _inherit = "stock.picking.type"

    mes_fg_location_id = fields.Many2one(
        "stock.location",
        string="Finished Goods Stock",
        domain="[('usage', '=', 'internal')]",
        check_company=True,
        help="Manufacturing operations: where the finished-goods receipt of a "
        "closed MO stores the products. Empty: the stock location of the "
        "operation's warehouse.",
    )
