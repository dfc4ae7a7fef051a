from odoo import models


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    def button_confirm(self):
        res = super().button_confirm()
        # A confirmed PO is a receipt that may now cover MO shortages: the
        # shortage lines name it (reverse pegging) without waiting for a move.
        self._mes_refresh_kitting_of_components()
        return res

    def button_cancel(self):
        res = super().button_cancel()
        self._mes_refresh_kitting_of_components()
        return res

    def _mes_refresh_kitting_of_components(self):
        products = self.order_line.product_id.filtered("is_storable")
        self.env["mrp.production"]._mes_refresh_kitting_for_products(products)
