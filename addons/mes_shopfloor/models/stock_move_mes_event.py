from odoo import fields, models


class StockMove(models.Model):
    _inherit = "stock.move"

    mes_event_id = fields.Many2one(
        "mes.event",
        string="Shop-floor Event",
        index="btree_not_null",
        copy=False,
        readonly=True,
        ondelete="restrict",
        help="Shop-floor event that posted this move (checked daily against "
        "the events applied).",
    )
