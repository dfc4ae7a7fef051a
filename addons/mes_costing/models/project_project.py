from odoo import api, models
from odoo.fields import Domain


class ProjectProject(models.Model):
    _inherit = "project.project"

    @api.model
    def _mes_stock_value(self, projects=None):
        """Stock held by projects (all, or ``projects``), valued as Odoo values
        the quants: ``{(project, product): (quantity, value)}``."""
        domain = Domain("mes_project_id", "!=", False)
        if projects is not None:
            domain &= Domain("mes_project_id", "in", projects.ids)
        # sudo: the quant value is a stock manager field; the cost accountant
        # reading this report sees values, not the quants' other data.
        groups = (
            self.env["stock.quant"]
            .sudo()
            ._read_group(
                domain & Domain("company_id", "in", self.env.companies.ids),
                ["mes_project_id", "product_id"],
                ["quantity:sum", "value:sum"],
            )
        )
        return {
            (project.with_env(self.env), product.with_env(self.env)): (qty, value)
            for project, product, qty, value in groups
        }

    def action_mes_stock_value(self):
        """Project Stock Value: quantity and value per project and product."""
        action = self.env["stock.quant"]._get_quants_action(extend=True)
        action.pop("path", None)
        domain = [("mes_project_id", "!=", False)]
        if self:
            domain.append(("mes_project_id", "in", self.ids))
        action.update(
            name=self.env._("Project Stock Value"),
            domain=domain,
            view_mode="pivot,list",
            views=[
                (
                    self.env.ref("mes_costing.stock_quant_view_pivot_mes_project").id,
                    "pivot",
                ),
                *[view for view in action["views"] if view[1] == "list"],
            ],
        )
        return action
