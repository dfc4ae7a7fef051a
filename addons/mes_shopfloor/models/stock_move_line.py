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

    def _check_company(self, fnames=None):
        # lines of moves posted by a batch of events: see stock.move
        posted = self.env.context.get("mes_event_post_ids")
        if posted and all(line.move_id.id in posted for line in self):
            return
        super()._check_company(fnames=fnames)
