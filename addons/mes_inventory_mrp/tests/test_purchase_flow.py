from odoo.tests import tagged

from .common_purchase import MesPurchaseCase


@tagged("post_install", "-at_install")
class TestPurchaseFlow(MesPurchaseCase):
    def test_flow1_mrp_to_purchase_orders(self):
        """MO and delivery → run → compare → switch → RFQs → tier approval →
        rerun nets the PO → partial receipt → cancel the rest → suggested again."""
        self.check_flow1()
