from datetime import timedelta

from odoo import fields
from odoo.fields import Command
from odoo.tests import HttpCase, tagged

from .common_fg import MesFgCommon


@tagged("post_install", "-at_install")
class TestTourFlow5(MesFgCommon, HttpCase):
    """Flow 5 in a browser: MO done -> finished lot with expiry -> FEFO
    delivery -> genealogy back to the component lot and its vendor."""

    def test_flow5_fg_receipt_fefo_trace_tour(self):
        resin = self._product("Resin F5", tracking="lot")
        kit = self._product(
            "Seal Kit F5",
            tracking="lot",
            use_expiration_date=True,
            expiration_time=365,
            mes_lot_prefix="KITF5",
        )
        self._bom(kit, [(resin, 2.0)])
        _po, _receipt, resin_lot = self._buy(resin, 10.0, "RES-F5")
        # an older lot of kits that expires first
        old_lot = self.env["stock.lot"].create(
            {
                "name": "OLD-F5",
                "product_id": kit.id,
                "expiration_date": fields.Datetime.now() + timedelta(days=30),
            }
        )
        self.env["stock.quant"]._update_available_quantity(
            kit, self.stock, 2.0, lot_id=old_lot
        )
        mo = self._mo(kit, 5.0)
        customers = self.env.ref("stock.stock_location_customers")
        delivery = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.out_type_id.id,
                "partner_id": self.customer.id,
                "origin": "FLOW5-SO",
                "move_ids": [
                    Command.create(
                        {
                            "product_id": kit.id,
                            "product_uom_qty": 4.0,
                            "location_id": self.stock.id,
                            "location_dest_id": customers.id,
                        }
                    )
                ],
            }
        )
        delivery.action_confirm()
        self.start_tour(
            f"/odoo/action-mrp.mrp_production_action/{mo.id}",
            "mes_shopfloor_flow5_fg_trace",
            login="admin",
            timeout=180,
        )
        self.assertEqual(mo.state, "done")
        new_lot = mo.lot_producing_ids
        self.assertEqual(len(new_lot), 1)
        self.assertTrue(new_lot.name.startswith("KITF5-"))
        self.assertEqual(
            new_lot.expiration_date.date(),
            (fields.Datetime.now() + timedelta(days=365)).date(),
        )
        self.assertEqual(delivery.state, "done")
        shipped = {ml.lot_id: ml.quantity for ml in delivery.move_ids.move_line_ids}
        # FEFO: both old kits first, then 2 of the new lot
        self.assertEqual(shipped, {old_lot: 2.0, new_lot: 2.0})
        self.assertEqual(resin_lot.name, "RES-F5")
