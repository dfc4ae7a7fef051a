from odoo.fields import Command
from odoo.tests import HttpCase, tagged

from .common import ShopfloorCommon


@tagged("post_install", "-at_install")
class TestTourFlows24(ShopfloorCommon, HttpCase):
    """Flows 2 (receipt kits an MO) and 4 (pick, consume, return) in a browser."""

    def test_flow2_receipt_refreshes_kitting_tour(self):
        """A receipt validated in the UI kits the waiting MO at once."""
        self._stock(self.seal, self.central.lot_stock_id, 10)
        # no line side here: the MO consumes from central stock
        self.workcenter.mes_line_location_id = False
        mo = self._mo(self.bom, 5)
        self.assertEqual(mo.mes_kitting_state, "partial")
        # An MO confirmed before the shop-floor module was installed: no kitting
        # state. The board leaves it out instead of showing a column without a
        # title (the tour checks); the receipt of housings does not refresh it.
        Product = self.env["product.product"]
        valve = Product.create({"name": "Legacy Valve", "is_storable": True})
        body = Product.create({"name": "Valve Body", "is_storable": True})
        valve_bom = self.env["mrp.bom"].create(
            {
                "product_tmpl_id": valve.product_tmpl_id.id,
                "product_qty": 1.0,
                "bom_line_ids": [
                    Command.create({"product_id": body.id, "product_qty": 1.0})
                ],
            }
        )
        legacy = self._mo(valve_bom, 1)
        self.env.cr.execute(
            "UPDATE mrp_production SET mes_kitting_state = NULL WHERE id = %s",
            [legacy.id],
        )
        legacy.invalidate_recordset(["mes_kitting_state"])
        vendor = self.env["res.partner"].create({"name": "Housing Supplier"})
        receipt = self._mes_purchase(vendor, self.housing, 10.0, 7.0).picking_ids
        self.start_tour(
            f"/odoo/action-stock.action_picking_tree_all/{receipt.id}",
            "mes_shopfloor_flow2_receipt_kits_mo",
            login="admin",
            timeout=120,
        )
        self.assertEqual(receipt.state, "done")
        self.assertEqual(mo.mes_kitting_state, "kitted")
        self.assertFalse(legacy.mes_kitting_state)
        self.assertEqual(self._qty(self.housing, self.central.lot_stock_id), 10.0)

    def test_flow4_pick_consume_return_tour(self):
        """Picked to the line side, 8 of 10 consumed, 2 back to central."""
        self.company.mes_auto_validate_returns = True
        self._stock(self.housing, self.central.lot_stock_id, 100)
        self._stock(self.seal, self.central.lot_stock_id, 50)
        mo = self._mo(self.bom, 5)
        self.assertEqual(len(mo.mes_pick_picking_ids), 1)
        self.start_tour(
            f"/odoo/action-mrp.mrp_production_action/{mo.id}",
            "mes_shopfloor_flow4_pick_consume_return",
            login="admin",
            timeout=180,
        )
        self.assertEqual(mo.state, "done")
        self.assertEqual(mo.mes_return_picking_ids.state, "done")
        self.assertEqual(self._qty(self.housing, self.central.lot_stock_id), 92.0)
        self.assertEqual(self._qty(self.housing, self.line_a), 0.0)
        self.assertEqual(self._qty(self.seal, self.central.lot_stock_id), 45.0)
        self.assertEqual(self._qty(self.seal, self.line_a), 0.0)


@tagged("post_install", "-at_install")
class TestTourFlow3(ShopfloorCommon, HttpCase):
    """Flow 3 in a browser: shortage -> urgent transfer -> kitted."""

    def test_flow3_urgent_transfer_tour(self):
        self._stock(self.seal, self.line_a, 5)
        self._stock(self.housing, self.remote.lot_stock_id, 20)
        mo = self._mo(self.bom, 5)
        self.assertEqual(mo.mes_kitting_state, "partial")
        # the assembly lead's request, prepared from the MO's shortage
        transfer = (
            self.env["mes.urgent.transfer"]
            .with_user(self.shopfloor_user)
            .create(
                {
                    "product_id": self.housing.id,
                    "quantity": 10.0,
                    "production_id": mo.id,
                    "location_dest_id": self.line_a.id,
                    "source_warehouse_id": self.remote.id,
                    "reason": "Line A stops without housings",
                }
            )
        )
        self.start_tour(
            f"/odoo/action-mrp.mrp_production_action/{mo.id}",
            "mes_shopfloor_flow3_urgent_transfer",
            login="admin",
            timeout=180,
        )
        self.assertEqual(transfer.state, "done")
        self.assertEqual(transfer.picking_id.state, "done")
        self.assertEqual(self._qty(self.housing, self.line_a), 10.0)
        self.assertEqual(self._qty(self.housing, self.remote.lot_stock_id), 10.0)
        self.assertEqual(mo.mes_kitting_state, "kitted")
