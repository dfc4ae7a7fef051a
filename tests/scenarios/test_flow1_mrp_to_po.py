"""Flow 1 of DESIGN.md: MRP suggestions to purchase orders and manufacturing
orders, netted next run; action messages applied to the POs and MOs.

Run by pytest-odoo against a database where mes_inventory_mrp is installed::

    python3 -m pytest -p odoo --odoo-database=<db> \
        --odoo-addons-path=/work/odoo/addons,/work/odoo/odoo/addons,$PWD/addons \
        tests/scenarios/test_flow1_mrp_to_po.py
"""

from odoo import Command
from odoo.addons.mes_inventory_mrp.tests.common_purchase import MesPurchaseCase
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged
from odoo.tests.common import new_test_user


@tagged("post_install", "-at_install")
class TestFlow1MrpToPurchaseOrder(MesPurchaseCase):
    # ------------------------------------------------------------------
    # Flow 1
    # ------------------------------------------------------------------
    def check_flow1(self):
        """MO and delivery → MRP → compare, switch → RFQs → approval → netting."""
        Suggestion = self.env["mes.mrp.suggestion"].with_user(self.buyer)
        production = self.make_mo(12, 14)
        self.assertEqual(
            production.move_raw_ids.mapped(lambda m: (m.product_id, m.product_qty)),
            [(self.steel, 36.0), (self.seal, 24.0)],
        )
        self.make_delivery(self.seal, 12, 21)

        # Run 1: one buy per need date, from the vendors Odoo picks.
        run = self.run_mrp()
        suggestions = self.new_suggestions(self.steel | self.seal)
        self.assertEqual(
            [
                (
                    s.product_id,
                    s.action,
                    s.product_qty,
                    s.date_required,
                    s.partner_id,
                    s.date_order,
                    s.exception,
                )
                for s in suggestions
            ],
            [
                (
                    self.steel,
                    "buy",
                    36.0,
                    self.day(14),
                    self.steelcorp,
                    self.day(11),
                    "none",
                ),
                (
                    self.seal,
                    "buy",
                    24.0,
                    self.day(14),
                    self.fastseal,
                    self.today(),
                    "expedite",
                ),
                (
                    self.seal,
                    "buy",
                    12.0,
                    self.day(21),
                    self.fastseal,
                    self.day(1),
                    "none",
                ),
            ],
        )
        steel_sug, seal14, seal21 = suggestions
        self.assertEqual(steel_sug.run_id, run)
        self.assertEqual(steel_sug.supplierinfo_id, self.steel_steelcorp)
        self.assertEqual(steel_sug.price_unit, 4.0)
        self.assertEqual(steel_sug.in_transit_qty, 0.0)

        # The buyer's list groups them by vendor, with totals per currency.
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mes_inventory_mrp.action_mes_purchase_suggestion"
        )
        self.assertIn("'search_default_group_vendor': 1", action["context"])
        self.assertIn("'search_default_group_currency': 1", action["context"])
        groups = Suggestion._read_group(
            [("action", "=", "buy"), ("id", "in", suggestions.ids)],
            ["partner_id", "currency_id"],
            ["price_subtotal:sum", "__count"],
        )
        self.assertEqual(
            sorted((p.name, c, round(t, 2), n) for p, c, t, n in groups),
            [("FastSeal", self.usd, 30.6, 2), ("SteelCorp", self.usd, 144.0, 1)],
        )

        # Compare the seal vendors: FastSeal would be 6 days late for day 14.
        comparison = Form.from_action(
            self.env, (seal14 | seal21).with_user(self.buyer).action_compare_vendors()
        ).record
        self.assertEqual(len(comparison.line_ids), 4)
        fast14 = self.compare_line(comparison, seal14, self.fastseal)
        self.assertRecordValues(
            fast14,
            [
                {
                    "purchase_qty": 24.0,
                    "purchase_uom_id": self.uom_unit.id,
                    "price_unit": 0.85,
                    "price_subtotal": 20.4,
                    "delay": 20,
                    "date_arrival": self.day(20),
                    "on_time": False,
                    "days_late": 6,
                    "is_current": True,
                }
            ],
        )
        co14 = self.compare_line(comparison, seal14, self.sealco)
        self.assertRecordValues(
            co14,
            [
                {
                    "supplierinfo_id": self.seal_sealco_2dz.id,
                    "purchase_qty": 2.0,
                    "purchase_uom_id": self.uom_dozen.id,
                    "min_qty": 0.0,
                    "price_unit": 10.8,
                    "price_subtotal": 21.6,
                    "delay": 5,
                    "date_order": self.day(9),
                    "date_arrival": self.day(14),
                    "on_time": True,
                    "is_current": False,
                }
            ],
        )
        co21 = self.compare_line(comparison, seal21, self.sealco)
        self.assertRecordValues(
            co21,
            [
                {
                    "supplierinfo_id": self.seal_sealco.id,
                    "purchase_qty": 1.0,
                    "price_unit": 12.0,
                    "price_subtotal": 12.0,
                    "date_order": self.day(16),
                    "on_time": True,
                }
            ],
        )

        # Switch both seal suggestions to SealCo, one click each.
        co14.with_user(self.buyer).action_select()
        self.compare_line(comparison, seal21, self.sealco).with_user(
            self.buyer
        ).action_select()
        self.assertTrue(self.compare_line(comparison, seal14, self.sealco).is_current)
        self.assertRecordValues(
            seal14 | seal21,
            [
                {
                    "partner_id": self.sealco.id,
                    "supplierinfo_id": self.seal_sealco_2dz.id,
                    "product_qty": 24.0,
                    "purchase_qty": 2.0,
                    "purchase_uom_id": self.uom_dozen.id,
                    "price_unit": 10.8,
                    "price_subtotal": 21.6,
                    "date_order": self.day(9),
                    "exception": "none",
                    "state": "new",
                },
                {
                    "partner_id": self.sealco.id,
                    "supplierinfo_id": self.seal_sealco.id,
                    "product_qty": 12.0,
                    "purchase_qty": 1.0,
                    "purchase_uom_id": self.uom_dozen.id,
                    "price_unit": 12.0,
                    "price_subtotal": 12.0,
                    "date_order": self.day(16),
                    "exception": "none",
                    "state": "new",
                },
            ],
        )

        # Steel: EuroSteel is cheaper per kg but its minimum and delay hurt.
        steel_cmp = Form.from_action(
            self.env, steel_sug.with_user(self.buyer).action_compare_vendors()
        ).record
        self.assertRecordValues(
            self.compare_line(steel_cmp, steel_sug, self.eurosteel),
            [
                {
                    "purchase_qty": 100.0,
                    "min_qty": 100.0,
                    "price_unit": 3.0,
                    "currency_id": self.eur.id,
                    "price_subtotal": 300.0,
                    "price_subtotal_company": 600.0,
                    "date_arrival": self.day(30),
                    "days_late": 16,
                    "on_time": False,
                }
            ],
        )
        self.assertRecordValues(
            self.compare_line(steel_cmp, steel_sug, self.steelcorp),
            [{"price_subtotal": 144.0, "on_time": True, "is_current": True}],
        )

        # One click: one RFQ per vendor, one line per need date.
        result = suggestions.with_user(self.buyer).action_create_purchase_orders()
        orders = self.env["purchase.order"].search(
            [("id", "in", suggestions.purchase_order_id.ids)], order="id"
        )
        self.assertEqual(result["domain"], [("id", "in", orders.ids)])
        self.assertEqual(len(orders), 2)
        order_seal = orders.filtered(lambda o: o.partner_id == self.sealco)
        order_steel = orders.filtered(lambda o: o.partner_id == self.steelcorp)
        for order in orders:
            self.assertRecordValues(
                order,
                [
                    {
                        "state": "draft",
                        "mes_from_mrp": True,
                        "currency_id": self.usd.id,
                        "picking_type_id": self.warehouse.in_type_id.id,
                        "origin": run.display_name,
                        "company_id": self.company.id,
                    }
                ],
            )
        self.assertEqual(order_seal.date_order.date(), self.day(9))
        self.assertEqual(order_steel.date_order.date(), self.day(11))
        seal_lines = order_seal.order_line.sorted("date_planned")
        self.assertEqual(
            [
                (
                    line.product_id,
                    line.product_qty,
                    line.product_uom_id,
                    line.price_unit,
                    line.date_planned.date(),
                    line.mes_suggestion_ids,
                )
                for line in seal_lines
            ],
            [
                (self.seal, 2.0, self.uom_dozen, 10.8, self.day(14), seal14),
                (self.seal, 1.0, self.uom_dozen, 12.0, self.day(21), seal21),
            ],
        )
        self.assertRecordValues(
            order_steel.order_line,
            [
                {
                    "product_id": self.steel.id,
                    "product_qty": 36.0,
                    "product_uom_id": self.uom_kg.id,
                    "price_unit": 4.0,
                    "price_subtotal": 144.0,
                }
            ],
        )
        self.assertEqual(order_steel.order_line.date_planned.date(), self.day(14))
        self.assertEqual(order_seal.amount_total, 33.6)
        self.assertEqual(set(suggestions.mapped("state")), {"ordered"})
        self.assertEqual(steel_sug.purchase_line_id, order_steel.order_line)
        self.assertEqual(order_steel.mes_suggestion_count, 1)
        self.assertEqual(order_seal.mes_suggestion_count, 2)

        # Approvals: above 100 a purchase manager must approve first.
        self.env["tier.definition"].create(
            {
                "name": "Purchases above 100",
                "model_id": self.env.ref("purchase.model_purchase_order").id,
                "review_type": "group",
                "reviewer_group_id": self.env.ref("purchase.group_purchase_manager").id,
                "definition_domain": "[('amount_total', '>', 100)]",
            }
        )
        order_seal.with_user(self.buyer).button_confirm()
        self.assertEqual(order_seal.state, "purchase")
        buyer_steel = order_steel.with_user(self.buyer)
        self.assertTrue(buyer_steel.need_validation)
        with self.assertRaisesRegex(ValidationError, "needs to be validated"):
            buyer_steel.button_confirm()
        self.assertEqual(order_steel.state, "draft")
        buyer_steel.request_validation()
        # need_validation is computed without dependencies: read it afresh, as
        # the next request of the user would.
        order_steel.invalidate_recordset()
        self.assertEqual(order_steel.validation_status, "pending")
        with self.assertRaisesRegex(ValidationError, "validation process is still"):
            buyer_steel.button_confirm()
        reviewer_steel = order_steel.with_user(self.purchase_manager)
        self.assertTrue(reviewer_steel.can_review)
        reviewer_steel.validate_tier()
        self.assertEqual(order_steel.validation_status, "validated")
        buyer_steel.button_confirm()
        self.assertEqual(order_steel.state, "purchase")
        receipt = order_steel.picking_ids
        self.assertEqual(receipt.move_ids.product_qty, 36.0)
        self.assertEqual(
            steel_sug.with_user(self.buyer)._mes_in_transit(self.steel, self.group),
            {(self.steel.id, self.group.id): (36.0, self.day(14))},
        )

        # Rerun: the confirmed POs cover every need, nothing new to buy.
        run2 = self.run_mrp()
        self.assertFalse(self.new_suggestions(self.steel | self.seal))
        self.assertFalse(
            self.env["mes.mrp.message"].search(
                [
                    ("run_id", "=", run2.id),
                    ("product_id", "in", (self.steel | self.seal).ids),
                ]
            )
        )
        projection = self._projection(self.steel)
        day14 = projection.filtered(lambda r: r.date == self.day(14))
        self.assertRecordValues(
            day14,
            [
                {
                    "demand": 36.0,
                    "receipts": 36.0,
                    "in_transit": 36.0,
                    "planned": 0.0,
                    "on_hand": 0.0,
                }
            ],
        )
        # Ordered suggestions stay, linked to the PO, through any rerun.
        self.assertEqual(steel_sug.state, "ordered")
        self.assertEqual(steel_sug.purchase_order_id, order_steel)

        # Partial receipt: 20 kg arrive, 16 kg stay in transit.
        self.receive(order_steel, 20.0)
        self.assertEqual(self.steel.qty_available, 20.0)
        backorder = order_steel.picking_ids.filtered(lambda p: p.state != "done")
        self.assertEqual(backorder.move_ids.product_qty, 16.0)
        self.run_mrp()
        self.assertFalse(self.new_suggestions(self.steel))
        self.assertEqual(
            Suggestion._mes_in_transit(self.steel, self.group),
            {(self.steel.id, self.group.id): (16.0, self.day(14))},
        )

        # Cancel the rest: the need comes back on the next run.
        backorder.action_cancel()
        run4 = self.run_mrp()
        again = self.new_suggestions(self.steel)
        self.assertRecordValues(
            again,
            [
                {
                    "run_id": run4.id,
                    "action": "buy",
                    "product_qty": 16.0,
                    "date_required": self.day(14),
                    "partner_id": self.steelcorp.id,
                    "supplierinfo_id": self.steel_steelcorp.id,
                    "price_unit": 4.0,
                    "date_order": self.day(11),
                    "in_transit_qty": 0.0,
                }
            ],
        )
        self.assertEqual(
            again.pegging_ids.mapped(lambda p: (p.move_id, p.product_qty)),
            [
                (
                    production.move_raw_ids.filtered(
                        lambda m: m.product_id == self.steel
                    ),
                    16.0,
                )
            ],
        )
        return again

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
