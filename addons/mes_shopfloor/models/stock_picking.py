from odoo import fields, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    mes_production_id = fields.Many2one(
        "mrp.production",
        string="Line-side MO",
        readonly=True,
        copy=False,
        index="btree_not_null",
        check_company=True,
        help="Manufacturing order this line-side pick, surplus return or urgent "
        "transfer serves.",
    )
    mes_transfer_kind = fields.Selection(
        [
            ("pick", "Line-side Pick"),
            ("return", "Surplus Return"),
            ("urgent", "Urgent Transfer"),
        ],
        string="Shop-floor Transfer",
        readonly=True,
        copy=False,
    )

    def _action_done(self):
        pending = self.move_ids.filtered(lambda m: m.state not in ("done", "cancel"))
        res = super()._action_done()
        # moves the host deleted while validating (kits, merges) are gone
        done = pending.exists().filtered(
            lambda m: m.state == "done" and m.picking_code != "incoming"
        )
        if done:
            self.env["mrp.production"]._mes_refresh_kitting_for_products(
                done.product_id
            )
        done_pickings = self.filtered(lambda p: p.state == "done")
        if done_pickings:
            self.env["mes.urgent.transfer"].sudo().search(
                [("picking_id", "in", done_pickings.ids), ("state", "=", "in_transit")]
            )._mes_mark_received()
        return res

    def _mes_goods_received(self, moves):
        res = super()._mes_goods_received(moves)
        self.env["mrp.production"]._mes_refresh_kitting_for_products(moves.product_id)
        return res
