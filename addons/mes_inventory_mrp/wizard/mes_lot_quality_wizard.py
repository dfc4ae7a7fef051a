from odoo import fields, models

from ..models.stock_lot import QUALITY_STATES


class MesLotQualityWizard(models.TransientModel):
    _name = "mes.lot.quality.wizard"
    _description = "Change Lot Quality State"

    lot_ids = fields.Many2many("stock.lot", string="Lots/Serials", required=True)
    new_state = fields.Selection(QUALITY_STATES, required=True)
    reason = fields.Char(required=True, help="Kept in the lot's chatter.")

    def action_apply(self):
        """Apply the new quality state to the lots with the reason."""
        self.ensure_one()
        self.lot_ids.mes_set_quality_state(self.new_state, self.reason)
        return {"type": "ir.actions.act_window_close"}
