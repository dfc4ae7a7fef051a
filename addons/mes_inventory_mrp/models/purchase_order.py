from odoo import api, fields, models

from ..tools import records_action


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    mes_from_mrp = fields.Boolean(
        string="Created by MRP",
        copy=False,
        readonly=True,
        help="Request for quotation opened from MRP suggestions. While it is a "
        "draft nobody has sent, the next suggestions for the same vendor, "
        "company, currency and receipt type are added to it.",
    )
    mes_suggestion_count = fields.Integer(
        string="MRP Suggestions", compute="_compute_mes_suggestion_count"
    )

    @api.depends("order_line.mes_suggestion_ids")
    def _compute_mes_suggestion_count(self):
        counts = dict(
            self.env["mes.mrp.suggestion"]._read_group(
                [("purchase_line_id.order_id", "in", self.ids)],
                ["purchase_order_id"],
                ["__count"],
            )
        )
        for order in self:
            order.mes_suggestion_count = counts.get(order, 0)

    def _mes_project_location(self):
        """The location of this order's project in its receipt warehouse when
        the project holds stock (else an empty recordset)."""
        self.ensure_one()
        warehouse = self.picking_type_id.warehouse_id
        if not (self.project_id.mes_hold_stock and warehouse) or self.dest_address_id:
            return self.env["stock.location"]
        return self.project_id._mes_stock_location(warehouse)

    def _get_destination_location(self):
        # Goods bought for a project that holds stock land in its location.
        location_id = super()._get_destination_location()
        if self.project_id.mes_hold_stock:
            warehouse = self.picking_type_id.warehouse_id
            if warehouse and location_id == warehouse.lot_stock_id.id:
                location = self._mes_project_location()
                return location.id or location_id
        return location_id

    def _get_final_location_record(self):
        location = super()._get_final_location_record()
        if self.project_id.mes_hold_stock:
            warehouse = self.picking_type_id.warehouse_id
            if warehouse and location == warehouse.lot_stock_id:
                return self._mes_project_location() or location
        return location

    def _get_mes_action(self):
        """The orders just made from suggestions: a list, or the form if one."""
        return records_action(self, "purchase.purchase_rfq")

    def action_view_mes_suggestions(self):
        """Open the MRP suggestions this order was created from."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mes_inventory_mrp.action_mes_purchase_suggestion"
        )
        action["domain"] = [("purchase_line_id.order_id", "=", self.id)]
        action["context"] = {"create": False}
        return action


class PurchaseOrderLine(models.Model):
    _inherit = "purchase.order.line"

    mes_suggestion_ids = fields.One2many(
        "mes.mrp.suggestion",
        "purchase_line_id",
        string="MRP Suggestions",
        readonly=True,
    )
