from odoo import models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        pending = self.move_ids.filtered(lambda m: m.state not in ("done", "cancel"))
        res = super()._action_done()
        # The host may delete moves while validating (kit components exploded,
        # moves merged): only the moves still there were received.
        received = pending.exists().filtered(
            lambda m: m.state == "done" and m.picking_code == "incoming"
        )
        if received:
            self._mes_goods_received(received)
        return res

    def _mes_goods_received(self, moves):
        """Hook called once per validation with the receipt moves just done.

        Runs in the validating transaction, after stock is updated, so addons that
        react to arrivals (the shop floor refreshes kitting of waiting MOs) see the
        new quants. Override, call ``super()``, and work on ``moves`` in bulk.
        """
        return True
