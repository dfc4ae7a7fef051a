from odoo import fields, models


class MrpProduction(models.Model):
    _inherit = "mrp.production"

    mes_cost_sheet_ids = fields.One2many(
        "mes.cost.sheet", "production_id", string="Cost Sheets"
    )
    mes_labor_entry_ids = fields.One2many(
        "mes.labor.entry", "production_id", string="Labor Entries"
    )
    mes_labor_entry_count = fields.Integer(compute="_compute_mes_labor_entry_count")

    def _compute_mes_labor_entry_count(self):
        counts = dict(
            self.env["mes.labor.entry"]._read_group(
                [("production_id", "in", self.ids)], ["production_id"], ["__count"]
            )
        )
        for mo in self:
            mo.mes_labor_entry_count = counts.get(mo, 0)

    def _mes_cost_sheet(self):
        """The MO's cost sheet, created when missing."""
        self.ensure_one()
        # sudo: cost sheets are readable by cost accountants only, but any
        # manufacturing user closing the MO triggers their computation
        sheet = self.sudo().mes_cost_sheet_ids[:1]
        if not sheet:
            sheet = self.env["mes.cost.sheet"].sudo().create({"production_id": self.id})
        return sheet

    def _cal_price(self, consumed_moves):
        """Value the finished goods at the cost sheet's actual cost (FIFO and
        average products; standard-cost products stay at standard).

        Changes the host's valuation of manufactured goods, on purpose, only for
        companies that set costing up (``res.company._mes_values_at_actual_cost``):
        a plain MO keeps Odoo's own valuation (readme/USAGE.md).
        """
        res = super()._cal_price(consumed_moves)
        if not self.company_id._mes_values_at_actual_cost():
            return res
        finished = self.move_finished_ids.filtered(
            lambda m: (
                m.product_id == self.product_id
                and m.state not in ("done", "cancel")
                and m.quantity > 0
            )
        )
        if len(finished) != 1 or finished.product_id.cost_method not in (
            "fifo",
            "average",
        ):
            return res
        qty_mo = finished.product_uom._compute_quantity(
            finished.quantity, self.product_uom_id, round=False
        )
        sheet = self._mes_cost_sheet()
        sheet._mes_compute(qty_produced=self.qty_produced + qty_mo)
        quantity = finished.product_uom._compute_quantity(
            finished.quantity, finished.product_id.uom_id
        )
        share = sum(
            m.cost_share
            for m in self.move_byproduct_ids
            if m.state not in ("done", "cancel") and m.quantity > 0
        )
        finished.price_unit = sheet.total_actual * (1 - share / 100.0) / quantity
        return res

    def _post_inventory(self, cancel_backorder=False):
        res = super()._post_inventory(cancel_backorder=cancel_backorder)
        for mo in self.filtered(lambda p: p.state == "done"):
            sheet = mo._mes_cost_sheet()
            sheet._mes_compute()
            if mo.company_id.mes_cost_post_on_close:
                sheet._mes_post()
        return res

    def action_view_mes_cost_sheet(self):
        """Open the MO's cost sheet, computed from the current data."""
        self.ensure_one()
        sheet = self.mes_cost_sheet_ids[:1] or self.env["mes.cost.sheet"].create(
            {"production_id": self.id}
        )
        if sheet.state == "draft":
            sheet._mes_compute()
        return {
            "type": "ir.actions.act_window",
            "res_model": "mes.cost.sheet",
            "res_id": sheet.id,
            "view_mode": "form",
        }

    def action_view_mes_labor_entries(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Labor Entries"),
            "res_model": "mes.labor.entry",
            "view_mode": "list,form",
            "domain": [("production_id", "=", self.id)],
            "context": {"default_workorder_id": self.workorder_ids[:1].id},
        }
