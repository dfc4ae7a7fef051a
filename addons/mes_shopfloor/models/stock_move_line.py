from odoo import fields, models


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    mes_event_id = fields.Many2one(
        "mes.event",
        string="Shop-floor Event",
        index="btree_not_null",
        copy=False,
        readonly=True,
        ondelete="restrict",
        help="Shop-floor event whose quantity this line posts.",
    )
