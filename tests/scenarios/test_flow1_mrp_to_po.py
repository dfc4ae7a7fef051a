"""Flow 1 of DESIGN.md: MRP suggestions to purchase orders, netted next run.

Run by pytest-odoo against a database where mes_inventory_mrp is installed::

    python3 -m pytest -p odoo --odoo-database=<db> \
        --odoo-addons-path=/work/odoo/addons,/work/odoo/odoo/addons,$PWD/addons \
        tests/scenarios/test_flow1_mrp_to_po.py
"""

from odoo.addons.mes_inventory_mrp.tests.common_purchase import MesPurchaseCase
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestFlow1MrpToPurchaseOrder(MesPurchaseCase):
    def test_flow1_mrp_to_purchase_orders(self):
        """MO + delivery → MRP run → suggestions grouped by vendor → compare →
        switch vendor → RFQs in one click (per vendor and currency, per need
        date, vendor UoM, price breaks) → tier approval by a purchase manager
        → confirmed → rerun nets the PO (no new suggestion, projection shows it
        in transit) → partial receipt → rerun nets the rest → cancel the rest →
        rerun suggests it again, pegged to the MO component demand."""
        again = self.check_flow1()
        # The need that came back is ordered again, into a new RFQ: the first
        # one is confirmed, so it is not reused.
        first = self.env["purchase.order"].search(
            [("partner_id", "=", self.steelcorp.id), ("state", "=", "purchase")]
        )
        action = again.with_user(self.buyer).action_create_purchase_orders()
        order = again.purchase_order_id
        self.assertEqual(action["res_id"], order.id)
        self.assertNotEqual(order, first)
        self.assertRecordValues(
            order,
            [{"state": "draft", "mes_from_mrp": True, "partner_id": self.steelcorp.id}],
        )
        self.assertRecordValues(
            order.order_line, [{"product_qty": 16.0, "price_unit": 4.0}]
        )
