from odoo import api, fields, models

from ..tools import records_action


class MrpProduction(models.Model):
    _inherit = "mrp.production"

    mes_suggestion_ids = fields.One2many(
        "mes.mrp.suggestion",
        "production_id",
        string="MRP Suggestions",
        readonly=True,
    )
    mes_suggestion_count = fields.Integer(
        string="MRP Suggestion Count", compute="_compute_mes_suggestion_count"
    )

    @api.depends("mes_suggestion_ids")
    def _compute_mes_suggestion_count(self):
        counts = dict(
            self.env["mes.mrp.suggestion"]._read_group(
                [("production_id", "in", self.ids)], ["production_id"], ["__count"]
            )
        )
        for production in self:
            production.mes_suggestion_count = counts.get(production, 0)

    def action_confirm(self):
        # What a project that holds stock makes goes to its location.
        for production in self.filtered(
            lambda p: p.state == "draft" and p.project_id.mes_hold_stock
        ):
            warehouse = production.picking_type_id.warehouse_id
            if warehouse and production.location_dest_id == warehouse.lot_stock_id:
                production.location_dest_id = production.project_id._mes_stock_location(
                    warehouse
                )
        return super().action_confirm()

    def _get_mes_action(self):
        """The MOs just made from suggestions: a list, or the form if one."""
        return records_action(self, "mrp.mrp_production_action")

    def action_view_mes_suggestions(self):
        """Open the MRP suggestions this manufacturing order was created from."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mes_inventory_mrp.mes_mrp_suggestion_action"
        )
        action["domain"] = [("production_id", "=", self.id)]
        action["context"] = {"create": False}
        return action
