from odoo import fields, models


class MesMrpRun(models.Model):
    """Runs started by the scheduled planning of their group."""

    _inherit = "mes.mrp.run"

    trigger = fields.Selection(
        [("manual", "Manual"), ("scheduled", "Scheduled")],
        default="manual",
        required=True,
        readonly=True,
        copy=False,
        help="Manual: started by a planner (Run, Run in background, a script). "
        "Scheduled: started by the daily planning of its group.",
    )

    def _planning_tz(self):
        # Nobody planned a scheduled run: its days are the company's.
        if self.trigger == "scheduled" and self.planning_group_id:
            return self.planning_group_id._mes_tz()
        return super()._planning_tz()
