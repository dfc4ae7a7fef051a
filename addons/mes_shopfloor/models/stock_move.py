from odoo import fields, models


class StockMove(models.Model):
    _inherit = "stock.move"

    mes_fg_production_id = fields.Many2one(
        "mrp.production",
        string="Finished Goods of",
        index="btree_not_null",
        readonly=True,
        copy=False,
        help="Manufacturing order whose finished goods this receipt move stores.",
    )

    def _mes_allows_unreleased_lots(self):
        # A finished-goods receipt stores what was just produced, pending or not.
        return bool(self.mes_fg_production_id) or super()._mes_allows_unreleased_lots()

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
