from odoo import models


class ProductProduct(models.Model):
    _inherit = "product.product"

    def action_mes_stock_card(self):
        """Stock card: this product in every warehouse, by role and state."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mes_shopfloor.action_mes_stock_view"
        )
        action["name"] = self.env._("Stock of %s", self.display_name)
        action["domain"] = [("product_id", "=", self.id)]
        action["view_mode"] = "pivot,list"
        action["views"] = [(False, "pivot"), (False, "list")]
        action["context"] = {
            "pivot_row_groupby": ["warehouse_id", "location_role"],
            "pivot_column_groupby": ["state"],
            "pivot_measures": ["quantity"],
        }
        return action
