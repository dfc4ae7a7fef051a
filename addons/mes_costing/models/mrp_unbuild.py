from odoo import models


class MrpUnbuild(models.Model):
    _inherit = "mrp.unbuild"

    def action_unbuild(self):
        res = super().action_unbuild()
        # sudo: the unbuild user reverses cost entries the engine posted
        sheets = self.mo_id.sudo().mes_cost_sheet_ids.filtered(
            lambda s: s.state == "posted"
        )
        for sheet in sheets:
            if sheet._mes_posting_scale():
                sheet._mes_post()
            else:
                sheet._mes_reverse()
        return res
