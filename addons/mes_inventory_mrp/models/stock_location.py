from odoo import fields, models


class StockLocation(models.Model):
    _inherit = "stock.location"

    mes_mrp_nettable = fields.Boolean(
        string="Nettable (MRP)",
        default=True,
        help="Stock in this internal location (and its sub-locations) counts as "
        "available to the MRP. Uncheck it for quarantine or scrap-hold locations.",
    )
