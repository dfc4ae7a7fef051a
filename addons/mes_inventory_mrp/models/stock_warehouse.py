from odoo import api, models


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    @api.model_create_multi
    def create(self, vals_list):
        warehouses = super().create(vals_list)
        # A new warehouse joins its company's pool (or starts one) so the MRP
        # sees its stock; consultants move it to another group if needed.
        # sudo: the warehouse creator may not have rights on planning groups.
        self.env["mes.mrp.planning.group"].sudo()._create_default_groups(
            warehouses.company_id
        )
        return warehouses
