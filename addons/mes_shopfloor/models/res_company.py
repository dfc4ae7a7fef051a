from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    mes_central_warehouse_id = fields.Many2one(
        "stock.warehouse",
        string="Central Warehouse",
        check_company=True,
        help="Warehouse whose stock location feeds the line side. Empty: the "
        "manufacturing order's own warehouse.",
    )
    mes_auto_validate_returns = fields.Boolean(
        string="Validate Surplus Returns at Once",
        help="Surplus returns from the line side created when a manufacturing "
        "order is closed are validated immediately.",
    )
    mes_urgent_target_minutes = fields.Integer(
        string="Urgent Transfer Target (minutes)",
        default=30,
        help="An urgent transfer not received within this time after the "
        "request raises an activity.",
    )
