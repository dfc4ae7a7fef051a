from odoo import fields, models


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    mes_role = fields.Selection(
        [("central", "Central"), ("shop_floor", "Shop Floor")],
        string="MES Role",
        default="central",
        required=True,
        help="Central warehouses feed the line side; shop-floor warehouses hold "
        "the line-side locations of the work centers.",
    )
