from odoo import fields, models


def _account(string, help_text):
    return fields.Many2one(
        "account.account", string=string, check_company=True, help=help_text
    )


class ResCompany(models.Model):
    _inherit = "res.company"

    mes_cost_post_on_close = fields.Boolean(
        "Post Manufacturing Costs at MO Close",
        help="Compute the cost sheet and post its entries when an MO is done "
        "(cost accountants can always post from the sheet).",
    )
    mes_labor_account_id = _account(
        "Labor Absorbed Account", "Credited with actual labor cost (hours x rates)."
    )
    mes_overhead_account_id = _account(
        "Overhead Absorbed Account",
        "Credited with actual overhead; defaults to the company's production WIP "
        "overhead account.",
    )
    mes_machine_account_id = _account(
        "Machine Cost Account",
        "Credited with machine cost not already posted by the work orders.",
    )
    mes_material_account_id = _account(
        "Material Cost Adjustment Account",
        "Takes the difference between actual material cost (lot purchase prices, "
        "scrapped components) and the stock valuation of consumed components.",
    )
    mes_material_price_variance_account_id = _account(
        "Material Price Variance Account", ""
    )
    mes_material_usage_variance_account_id = _account(
        "Material Usage Variance Account", ""
    )
    mes_labor_rate_variance_account_id = _account("Labor Rate Variance Account", "")
    mes_labor_efficiency_variance_account_id = _account(
        "Labor Efficiency Variance Account", ""
    )
    mes_machine_variance_account_id = _account("Machine Variance Account", "")
    mes_overhead_variance_account_id = _account("Overhead Variance Account", "")
    mes_standard_difference_account_id = _account(
        "Standard Cost Difference Account",
        "Difference between the cost sheet's standard and the product's standard "
        "price valued by the stock.",
    )
