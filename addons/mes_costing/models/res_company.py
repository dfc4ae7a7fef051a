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
    mes_cost_actual_valuation = fields.Boolean(
        "Value Finished Goods at Actual Cost",
        default=True,
        help="FIFO and average-cost finished products of an MO are valued at the "
        "cost sheet's actual cost instead of Odoo's own valuation. It takes effect "
        "only once costing is set up for the company (at least one cost rate): "
        "before that, Odoo values manufactured goods as it always does.",
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

    def _mes_values_at_actual_cost(self):
        """True when this company's MOs value their finished goods at the cost
        sheet's actual cost: it asked for it and has set up costing (a cost
        rate). Until then installing the addon leaves Odoo's valuation alone."""
        self.ensure_one()
        return self.mes_cost_actual_valuation and bool(
            # sudo: whoever closes the MO decides its valuation, rates are
            # readable by cost accountants only
            self.env["mes.cost.rate"]
            .sudo()
            .search_count([("company_id", "=", self.id)], limit=1)
        )
