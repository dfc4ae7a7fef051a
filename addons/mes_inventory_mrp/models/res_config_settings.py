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

    mes_over_receipt_control = fields.Boolean(
        related="company_id.mes_over_receipt_control", readonly=False
    )
    mes_over_receipt_tolerance = fields.Float(
        related="company_id.mes_over_receipt_tolerance", readonly=False
    )
    mes_alert_slow_days_1 = fields.Integer(
        related="company_id.mes_alert_slow_days_1", readonly=False
    )
    mes_alert_slow_days_2 = fields.Integer(
        related="company_id.mes_alert_slow_days_2", readonly=False
    )
    mes_alert_slow_days_3 = fields.Integer(
        related="company_id.mes_alert_slow_days_3", readonly=False
    )
    mes_alert_zero_days = fields.Integer(
        related="company_id.mes_alert_zero_days", readonly=False
    )
    mes_alert_count_tolerance = fields.Float(
        related="company_id.mes_alert_count_tolerance", readonly=False
    )
    mes_alert_price_tolerance = fields.Float(
        related="company_id.mes_alert_price_tolerance", readonly=False
    )
    mes_alert_notify = fields.Selection(
        related="company_id.mes_alert_notify", readonly=False
    )
    mes_alert_stock_user_id = fields.Many2one(
        related="company_id.mes_alert_stock_user_id", readonly=False
    )
    mes_alert_purchase_user_id = fields.Many2one(
        related="company_id.mes_alert_purchase_user_id", readonly=False
    )
