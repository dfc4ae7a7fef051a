from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    mes_expiry_warning_days_1 = fields.Integer(
        string="First Expiry Warning (days)", default=30
    )
    mes_expiry_warning_days_2 = fields.Integer(
        string="Second Expiry Warning (days)", default=15
    )
    mes_expiry_warning_days_3 = fields.Integer(
        string="Last Expiry Warning (days)", default=7
    )

    def _mes_expiry_warning_days(self):
        """Warning thresholds of the company, largest first, 0 (off) left out."""
        self.ensure_one()
        days = {
            self.mes_expiry_warning_days_1,
            self.mes_expiry_warning_days_2,
            self.mes_expiry_warning_days_3,
        }
        return sorted((d for d in days if d > 0), reverse=True)
