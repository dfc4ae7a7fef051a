"""Flow 5 of DESIGN.md: finished-goods receipt with serials and expiry, FEFO
delivery of released serials, trace back to the component lots and the POs.

Component lots bought from two vendors (PO receipts) → two MOs of a
serial-tracked pump, ten days apart → each closes into a finished-goods receipt
carrying its generated serials, pending inspection, with their expiry dates →
an inspector releases some → the customer delivery reserves first-expiry-first
among released serials only (a pending one is skipped) → the genealogy of the
shipped serial reaches the component lots, their POs and vendors.
"""

from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.addons.mes_inventory_mrp.tests.common import MesCase
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestFlow5FgReceiptTrace(MesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        env.user.group_ids = [
            Command.link(env.ref("stock.group_production_lot").id),
            Command.link(env.ref("stock.group_stock_multi_locations").id),
        ]
        cls.warehouse = env["stock.warehouse"].search(
            [("company_id", "=", env.company.id)], limit=1
        )
        cls.stock = cls.warehouse.lot_stock_id
        cls.customers = env.ref("stock.stock_location_customers")
        # MOs output to the shop-floor output area; closed MOs are received
        # from there into finished-goods stock.
        cls.output = env["stock.location"].create(
            {
                "name": "Shop-floor output",
                "usage": "internal",
                "location_id": cls.warehouse.view_location_id.id,
            }
        )
        cls.warehouse.manu_type_id.write(
            {
                "default_location_dest_id": cls.output.id,
                "mes_fg_location_id": cls.stock.id,
            }
        )
        Partner = env["res.partner"]
        cls.polymer = Partner.create({"name": "Polymer Supply"})
        cls.resinworks = Partner.create({"name": "Resin Works"})
        cls.customer = Partner.create({"name": "Acme Pumps"})
        Product = env["product.product"]
        cls.resin = Product.create(
            {"name": "Resin", "is_storable": True, "tracking": "lot"}
        )
        cls.shaft = Product.create(
            {"name": "Steel shaft", "is_storable": True, "tracking": "lot"}
        )
        cls.pump = Product.create(
            {
                "name": "Pump",
                "is_storable": True,
                "tracking": "serial",
                "use_expiration_date": True,
                "expiration_time": 30,
                "mes_lot_prefix": "PMP",
                "mes_lot_initial_state": "pending",
            }
        )
        env["mrp.bom"].create(
            {
                "product_tmpl_id": cls.pump.product_tmpl_id.id,
                "product_qty": 1.0,
                "bom_line_ids": [
                    Command.create({"product_id": cls.resin.id, "product_qty": 2.0}),
                    Command.create({"product_id": cls.shaft.id, "product_qty": 1.0}),
                ],
            }
        )
        cls.inspector = new_test_user(
            env,
            login="mes_inspector5",
            name="Ines Inspector",
            groups="mes_inventory_mrp.group_quality_inspector,stock.group_stock_user",
        )
        cls.clerk = new_test_user(
            env,
            login="mes_clerk5",
            name="Carl Clerk",
            groups="stock.group_stock_user,stock.group_production_lot",
        )

    # ------------------------------------------------------------------
    # Steps a user does
    # ------------------------------------------------------------------
    def _buy(self, vendor, product, qty, price, lot_name):
        """Purchase order confirmed, its receipt validated with a new lot."""
        order = self._mes_buy_and_receive(
            vendor, product, qty, price, lot_name, user=self.clerk
        )
        receipt = order.picking_ids
        return order, receipt, receipt.move_ids.move_line_ids.lot_id

    def _produce(self, qty):
        """MO confirmed, reserved and closed; returns it with its FG receipt
        validated by the clerk."""
        with Form(self.env["mrp.production"]) as mo_form:
            mo_form.product_id = self.pump
            mo_form.product_qty = qty
        mo = mo_form.record
        self.assertEqual(mo.location_dest_id, self.output)
        mo.action_confirm()
        mo.action_assign()
        self.assertEqual(mo.reservation_state, "assigned")
        mo.button_mark_done()
        self.assertEqual(mo.state, "done")
        serials = mo.lot_producing_ids.sorted("name")
        self.assertEqual(len(serials), qty)
        day = fields.Date.context_today(mo).strftime("%Y%m%d")
        self.assertEqual(
            {lot.name.rsplit("-", 1)[0] for lot in serials}, {f"PMP-{day}"}
        )
        self.assertEqual(set(serials.mapped("mes_quality_state")), {"pending"})
        receipt = mo.mes_fg_picking_ids
        self.assertRecordValues(
            receipt,
            [
                {
                    "state": "assigned",
                    "origin": mo.name,
                    "location_id": self.output.id,
                    "location_dest_id": self.stock.id,
                }
            ],
        )
        self.assertEqual(receipt.move_ids.mes_fg_production_id, mo)
        self.assertEqual(receipt.move_line_ids.lot_id, serials)
        receipt.with_user(self.clerk).button_validate()
        self.assertEqual(receipt.state, "done")
        return mo, serials

    def _release(self, lots, reason):
        action = lots.with_user(self.inspector).action_mes_release()
        wizard_form = Form(
            self.env[action["res_model"]]
            .with_user(self.inspector)
            .with_context(**action["context"])
        )
        wizard_form.reason = reason
        wizard_form.save().action_apply()

    def _delivery(self, qty):
        with Form(self.env["stock.picking"]) as picking_form:
            picking_form.picking_type_id = self.warehouse.out_type_id
            picking_form.partner_id = self.customer
            with picking_form.move_ids.new() as move:
                move.product_id = self.pump
                move.product_uom_qty = qty
        delivery = picking_form.record
        delivery.action_confirm()
        return delivery

    # ------------------------------------------------------------------
    def test_flow5_fg_receipt_fefo_delivery_and_trace(self):
        ten_days_ago = fields.Datetime.now() - timedelta(days=10)
        with freeze_time(ten_days_ago):
            po_a, in_a, res_a = self._buy(self.polymer, self.resin, 5, 8.0, "RES-A")
            po_s, in_s, shaft = self._buy(self.polymer, self.shaft, 3, 20.0, "ST-1")
            po_b, in_b, res_b = self._buy(self.resinworks, self.resin, 5, 9.0, "RES-B")
            # Made ten days ago: its serials expire in 20 days.
            mo_old, (old1, old2) = self._produce(2)
        for lot in old1 | old2:
            self.assertEqual(lot.expiration_date, ten_days_ago + timedelta(days=30))
        # FIFO on components: the older MO took 4 kg of RES-A.
        self.assertEqual(
            {(ml.lot_id, ml.quantity) for ml in mo_old.move_raw_ids.move_line_ids},
            {(res_a, 4.0), (shaft, 2.0)},
        )

        before = fields.Datetime.now()
        mo_new, new1 = self._produce(1)
        self.assertAlmostEqual(
            new1.expiration_date,
            before + timedelta(days=30),
            delta=timedelta(minutes=5),
        )
        self.assertEqual(
            {(ml.lot_id, ml.quantity) for ml in mo_new.move_raw_ids.move_line_ids},
            {(res_a, 1.0), (res_b, 1.0), (shaft, 1.0)},
        )
        quants = self.env["stock.quant"].search(
            [("product_id", "=", self.pump.id), ("location_id", "=", self.stock.id)]
        )
        self.assertEqual(quants.lot_id, old1 | old2 | new1)
        self.assertEqual(self.pump.qty_available, 3.0)

        # Inspection: one old serial and the new one are released; the other
        # old serial waits. Only inspectors may do it.
        with self.assertRaisesRegex(AccessError, "Only a Quality Inspector"):
            old1.with_user(self.clerk).mes_set_quality_state("released", "ok")
        self._release(old1 | new1, "Pressure test passed")
        self.assertEqual(
            (old1 | old2 | new1).mapped("mes_quality_state"),
            ["released", "pending", "released"],
        )
        self.assertEqual(old1.mes_quality_user_id, self.inspector)
        self.assertEqual(old1.mes_quality_reason, "Pressure test passed")

        # The customer orders 2: first expiry first among released serials,
        # the pending one (expiring sooner than new1) is skipped.
        delivery = self._delivery(2).with_user(self.clerk)
        delivery.action_assign()
        self.assertEqual(delivery.state, "assigned")
        self.assertEqual(delivery.move_line_ids.lot_id, old1 | new1)
        delivery.move_ids.picked = True
        delivery.button_validate()
        self.assertEqual(delivery.state, "done")
        customer_quants = self.env["stock.quant"].search(
            [("product_id", "=", self.pump.id), ("location_id", "=", self.customers.id)]
        )
        self.assertEqual(customer_quants.lot_id, old1 | new1)

        # A second order waits for the pending serial until it is released.
        second = self._delivery(1).with_user(self.clerk)
        second.action_assign()
        self.assertEqual(second.state, "confirmed")
        self.assertFalse(second.move_line_ids)
        self._release(old2, "Retest passed")
        second.action_assign()
        self.assertEqual(second.state, "assigned")
        self.assertEqual(second.move_line_ids.lot_id, old2)

        # Trace the shipped new serial back to the resin lots, shaft, POs.
        action = new1.with_user(self.clerk).action_mes_genealogy_backward()
        genealogy = self.env["mes.genealogy"].browse(action["res_id"])
        lines = genealogy.line_ids.sorted("sequence")
        self.assertEqual(
            [
                (
                    line.level,
                    line.kind,
                    line.lot_id,
                    line.quantity,
                    line.production_id,
                    line.purchase_id,
                    line.partner_id,
                    line.picking_id,
                )
                for line in lines
            ],
            [
                (0, "lot", new1, 0.0, mo_new, po_a[:0], self.polymer[:0], in_a[:0]),
                (
                    1,
                    "lot",
                    res_a,
                    1.0,
                    mo_new[:0],
                    po_a[:0],
                    self.polymer[:0],
                    in_a[:0],
                ),
                (2, "purchase", res_a, 5.0, mo_new[:0], po_a, self.polymer, in_a),
                (
                    1,
                    "lot",
                    res_b,
                    1.0,
                    mo_new[:0],
                    po_a[:0],
                    self.polymer[:0],
                    in_a[:0],
                ),
                (2, "purchase", res_b, 5.0, mo_new[:0], po_b, self.resinworks, in_b),
                (
                    1,
                    "lot",
                    shaft,
                    1.0,
                    mo_new[:0],
                    po_a[:0],
                    self.polymer[:0],
                    in_a[:0],
                ),
                (2, "purchase", shaft, 3.0, mo_new[:0], po_s, self.polymer, in_s),
            ],
        )
        self.assertEqual(lines[0].child_ids, lines[1] | lines[3] | lines[5])
        self.assertEqual(lines[2].parent_id, lines[1])
        self.assertEqual(lines[2].date, in_a.date_done)
        # An old serial carries half of its MO's components.
        (old_tree,) = old1._mes_trace_backward()
        self.assertEqual(old_tree["productions"], mo_old)
        self.assertEqual(
            [(c["lot"], c["qty"]) for c in old_tree["components"]],
            [(res_a, 2.0), (shaft, 1.0)],
        )
        self.assertEqual(
            [
                (r["purchase"], r["vendor"], r["qty"])
                for c in old_tree["components"]
                for r in c["receipts"]
            ],
            [(po_a, self.polymer, 5.0), (po_s, self.polymer, 3.0)],
        )
        # Forward from RES-A: both MOs, every serial, the customer.
        forward = res_a._mes_affected_lots()
        self.assertEqual(
            [(node["lot"], level) for node, level in forward],
            [(res_a, 0), (old1, 1), (old2, 1), (new1, 1)],
        )
