from odoo import fields, models


class StockLocation(models.Model):
    _inherit = "stock.location"

    mes_mrp_nettable = fields.Boolean(
        string="Nettable (MRP)",
        default=True,
        help="Stock in this internal location (and its sub-locations) counts as "
        "available to the MRP. Uncheck it for quarantine or scrap-hold locations.",
    )

    mes_is_quality_location = fields.Boolean(
        string="Quality/Quarantine Location",
        help="Lots that are not released (pending, quarantined) may be moved "
        "into this location, e.g. an inspection area or a quarantine cage.",
    )
