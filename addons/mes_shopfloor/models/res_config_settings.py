from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    mes_central_warehouse_id = fields.Many2one(
        related="company_id.mes_central_warehouse_id", readonly=False
    )
    mes_auto_validate_returns = fields.Boolean(
        related="company_id.mes_auto_validate_returns", readonly=False
    )
    mes_urgent_target_minutes = fields.Integer(
        related="company_id.mes_urgent_target_minutes", readonly=False
    )
