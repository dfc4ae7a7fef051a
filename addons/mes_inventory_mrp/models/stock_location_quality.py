from odoo import fields, models


class StockLocation(models.Model):
    _inherit = "stock.location"

    mes_is_quality_location = fields.Boolean(
        string="Quality/Quarantine Location",
        help="Lots that are not released (pending, quarantined) may be moved "
        "into this location, e.g. an inspection area or a quarantine cage.",
    )
