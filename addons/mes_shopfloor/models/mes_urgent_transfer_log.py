from odoo import fields, models


class MesUrgentTransferLog(models.Model):
    _name = "mes.urgent.transfer.log"
    _description = "Urgent Transfer Log"
    _order = "id desc"

    transfer_id = fields.Many2one(
        "mes.urgent.transfer", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="transfer_id.company_id", store=True, index=True
    )
    event = fields.Selection(
        [
            ("request", "Requested"),
            ("approve", "Approved"),
            ("fast_track", "Fast Track"),
            ("release", "Released"),
            ("receive", "Received"),
            ("cancel", "Cancelled"),
            ("overdue", "Overdue"),
        ],
        required=True,
    )
    user_id = fields.Many2one("res.users", string="By", required=True)
    date = fields.Datetime(default=fields.Datetime.now, required=True)
    note = fields.Text(string="Why")
    duration_minutes = fields.Float(string="Request to Receipt (min)")
