from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


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

    # -- stock alerts and over-receipt tolerance --------------------------
    mes_over_receipt_control = fields.Boolean(
        string="Over-Receipt Control",
        help="Refuse validating a receipt of a purchase order line beyond the "
        "ordered quantity plus the tolerance, until a purchase manager approves "
        "the excess. Off: Odoo's behaviour (any quantity is received), except "
        "for product categories that set their own tolerance.",
    )
    mes_over_receipt_tolerance = fields.Float(
        string="Over-Receipt Tolerance (%)",
        default=5.0,
        help="A receipt of a purchase order line may exceed the ordered quantity "
        "by this share; beyond it, validation is refused until a purchase manager "
        "approves the excess. 0: nothing above the ordered quantity. A product "
        "category may set its own.",
    )
    mes_alert_slow_days_1 = fields.Integer(
        string="Slow Moving: Info (days)",
        default=30,
        help="Stock with no outgoing move for this many days is slow moving (info).",
    )
    mes_alert_slow_days_2 = fields.Integer(
        string="Slow Moving: Warning (days)", default=60
    )
    mes_alert_slow_days_3 = fields.Integer(
        string="Slow Moving: Critical (days)", default=90
    )
    mes_alert_zero_days = fields.Integer(
        string="Zero Stock: Sold or Consumed Within (days)",
        default=90,
        help="A product with nothing on hand and nothing incoming is a zero-stock "
        "alert when it has demand in the planning horizon or went out to a "
        "customer or to production within this many days.",
    )
    mes_alert_count_tolerance = fields.Float(
        string="Count Difference Tolerance (%)",
        default=5.0,
        help="A count differing from the books by more than this share of the "
        "book quantity is an anomaly.",
    )
    mes_alert_price_tolerance = fields.Float(
        string="Purchase Price Increase Tolerance (%)",
        default=10.0,
        help="A purchase price more than this share above the product's previous "
        "purchase price is an anomaly.",
    )
    mes_alert_notify = fields.Selection(
        [("activity", "Activity"), ("email", "Email"), ("none", "Nobody")],
        string="Critical Alerts Notify By",
        default="activity",
        required=True,
        help="When an alert becomes critical, its responsible gets an activity or "
        "an email, once.",
    )
    mes_alert_stock_user_id = fields.Many2one(
        "res.users",
        string="Stock Alerts Responsible",
        help="Notified of critical stock alerts (slow moving, negative stock, "
        "counts) of products without a responsible of their own.",
    )
    mes_alert_purchase_user_id = fields.Many2one(
        "res.users",
        string="Purchase Alerts Responsible",
        help="Notified of critical purchase alerts (zero stock, below minimum, "
        "prices) when the vendor has no buyer.",
    )

    @api.constrains(
        "mes_alert_slow_days_1",
        "mes_alert_slow_days_2",
        "mes_alert_slow_days_3",
        "mes_alert_zero_days",
        "mes_alert_count_tolerance",
        "mes_alert_price_tolerance",
        "mes_over_receipt_tolerance",
    )
    def _check_mes_alert_thresholds(self):
        for company in self:
            days = (
                company.mes_alert_slow_days_1,
                company.mes_alert_slow_days_2,
                company.mes_alert_slow_days_3,
            )
            if not 0 < days[0] < days[1] < days[2]:
                raise ValidationError(
                    _(
                        "Company %(company)s: the slow-moving thresholds must be "
                        "positive and growing (e.g. 30, 60, 90 days); got "
                        "%(days)s.",
                        company=company.display_name,
                        days=", ".join(str(d) for d in days),
                    )
                )
            if company.mes_alert_zero_days <= 0:
                raise ValidationError(
                    _(
                        "Company %(company)s: the zero-stock look-back must be at "
                        "least one day.",
                        company=company.display_name,
                    )
                )
            for label, value in (
                (_("count difference"), company.mes_alert_count_tolerance),
                (_("purchase price increase"), company.mes_alert_price_tolerance),
            ):
                if value <= 0:
                    raise ValidationError(
                        _(
                            "Company %(company)s: the %(what)s tolerance must be "
                            "above 0 %%.",
                            company=company.display_name,
                            what=label,
                        )
                    )
            if company.mes_over_receipt_tolerance < 0:
                raise ValidationError(
                    _(
                        "Company %(company)s: the over-receipt tolerance cannot be "
                        "negative (0: nothing above the ordered quantity).",
                        company=company.display_name,
                    )
                )

    def _mes_slow_moving_days(self):
        """The three slow-moving thresholds, smallest first."""
        self.ensure_one()
        return (
            self.mes_alert_slow_days_1,
            self.mes_alert_slow_days_2,
            self.mes_alert_slow_days_3,
        )
