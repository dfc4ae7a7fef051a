"""Flow 1 of DESIGN.md: MRP suggestions to purchase orders and manufacturing
orders, netted next run; action messages applied to the POs and MOs.

Run by pytest-odoo against a database where mes_inventory_mrp is installed::

    python3 -m pytest -p odoo --odoo-database=<db> \
        --odoo-addons-path=/work/odoo/addons,/work/odoo/odoo/addons,$PWD/addons \
        tests/scenarios/test_flow1_mrp_to_po.py
"""

from odoo import Command
from odoo.addons.mes_inventory_mrp.tests.common_purchase import MesPurchaseCase
from odoo.tests import Form, tagged
from odoo.tests.common import new_test_user


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

    def test_flow1_mos_for_make_suggestions_and_applied_messages(self):
        """Delivery of pumps → MRP → make the pump, buy its steel and seals →
        Create Orders on a mixed selection: one confirmed MO and an RFQ → rerun
        nets the MO, the seals still to buy are pegged to its component move →
        ordered and confirmed → the customer wants the pumps a week earlier →
        rerun: reschedule in on the MO, applied in one click → rerun: the POs
        must come earlier, applied in one click → rerun: nothing left to do."""
        env = self.env
        self.pump.route_ids = [
            Command.link(env.ref("mrp.route_warehouse0_manufacture").id)
        ]
        self.bom.produce_delay = 2
        lead = new_test_user(
            env,
            login="mes_lead_planner",
            name="Lea Lead",
            groups="mes_inventory_mrp.group_mrp_planner,purchase.group_purchase_user",
        )
        delivery = self.make_delivery(self.pump, 5, 28)

        run = self.run_mrp()
        make = self.new_suggestions(self.pump)
        self.assertRecordValues(
            make,
            [
                {
                    "action": "make",
                    "product_qty": 5.0,
                    "date_required": self.day(28),
                    "date_order": self.day(26),
                    "bom_id": self.bom.id,
                }
            ],
        )
        steel, seal = self.new_suggestions(self.steel | self.seal)
        self.assertEqual(
            [(s.product_id, s.product_qty, s.date_required) for s in (steel, seal)],
            [(self.steel, 15.0, self.day(26)), (self.seal, 10.0, self.day(26))],
        )
        self.assertEqual(steel.pegging_ids.parent_suggestion_id, make)

        # One click on the make and the steel: an MO and an RFQ.
        result = (make | steel).with_user(lead).action_create_orders()
        self.assertEqual(result["tag"], "display_notification")
        mo = make.production_id
        self.assertRecordValues(
            mo,
            [
                {
                    "product_id": self.pump.id,
                    "product_qty": 5.0,
                    "bom_id": self.bom.id,
                    "state": "confirmed",
                    "origin": run.display_name,
                    "picking_type_id": self.warehouse.manu_type_id.id,
                }
            ],
        )
        self.assertEqual(mo.date_start.date(), self.day(26))
        self.assertEqual(mo.date_finished.date(), self.day(28))
        self.assertEqual((make.state, steel.state), ("ordered", "ordered"))
        steel_order = steel.purchase_order_id
        steel_order.with_user(self.buyer).button_confirm()
        self.assertEqual(steel_order.state, "purchase")

        # The MO is netted; the seals still to buy serve its component move.
        self.run_mrp()
        self.assertFalse(self.new_suggestions(self.pump | self.steel))
        seal = self.new_suggestions(self.seal)
        self.assertEqual(seal.product_qty, 10.0)
        seal_move = mo.move_raw_ids.filtered(lambda m: m.product_id == self.seal)
        self.assertEqual(seal.pegging_ids.move_id, seal_move)
        self.assertIn(seal.pegging_ids.move_id, mo.move_raw_ids)
        seal.with_user(self.buyer).action_create_purchase_orders()
        seal_order = seal.purchase_order_id
        seal_order.with_user(self.buyer).button_confirm()
        self.assertFalse(self.new_suggestions(self.pump | self.steel | self.seal))

        # The customer wants the pumps a week earlier.
        with Form(delivery) as picking_form:
            picking_form.scheduled_date = self.at_noon(21)
        Message = env["mes.mrp.message"]
        run3 = self.run_mrp()
        mo_message = Message.search([("run_id", "=", run3.id)])
        self.assertRecordValues(
            mo_message,
            [
                {
                    "production_id": mo.id,
                    "message_type": "reschedule_in",
                    "date_current": self.day(28),
                    "date_suggested": self.day(21),
                    "state": "new",
                }
            ],
        )
        mo_message.with_user(lead).action_apply()
        self.assertEqual(mo.date_finished.date(), self.day(21))
        self.assertEqual(mo.date_start.date(), self.day(19))
        self.assertEqual(set(mo.move_raw_ids.mapped("date")), {mo.date_start})
        self.assertEqual(mo_message.state, "applied")
        self.assertIn(run3.display_name, mo.message_ids[:1].body)

        # The components are needed earlier now: bring both POs forward.
        run4 = self.run_mrp()
        po_messages = Message.search([("run_id", "=", run4.id)]).sorted(
            lambda m: m.product_id.id
        )
        self.assertEqual(
            [
                (m.purchase_id, m.message_type, m.date_current, m.date_suggested)
                for m in po_messages
            ],
            [
                (steel_order, "reschedule_in", self.day(26), self.day(19)),
                (seal_order, "reschedule_in", self.day(26), self.day(19)),
            ],
        )
        po_messages.with_user(lead).action_apply()
        for order in (steel_order, seal_order):
            self.assertEqual(order.order_line.date_planned.date(), self.day(19))
            self.assertEqual(
                order.picking_ids.move_ids.mapped(lambda m: m.date.date()),
                [self.day(19)],
            )
            self.assertIn(run4.display_name, order.message_ids[:1].body)

        # Everything is where the plan wants it.
        run5 = self.run_mrp()
        self.assertFalse(Message.search([("run_id", "=", run5.id)]))
        self.assertFalse(self.new_suggestions(self.pump | self.steel | self.seal))
        self.assertEqual(
            Message.search_count(
                [
                    ("id", "in", (mo_message | po_messages).ids),
                    ("state", "=", "applied"),
                ]
            ),
            3,
        )
