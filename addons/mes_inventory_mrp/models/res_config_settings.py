from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    mes_expiry_warning_days_1 = fields.Integer(
        related="company_id.mes_expiry_warning_days_1", readonly=False
    )
    mes_expiry_warning_days_2 = fields.Integer(
        related="company_id.mes_expiry_warning_days_2", readonly=False
    )
    mes_expiry_warning_days_3 = fields.Integer(
        related="company_id.mes_expiry_warning_days_3", readonly=False
    )
