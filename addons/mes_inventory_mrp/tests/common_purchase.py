"""Data and steps of flow 1 (MRP suggestions to purchase orders), shared by the
addon's tests and the cross-addon scenario in tests/scenarios at the repo root."""

from datetime import datetime, time, timedelta

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import Form
from odoo.tests.common import TransactionCase, new_test_user


class MesPurchaseCase(TransactionCase):
    """A pump made of steel (kg) and seals (units) with competing vendors.

    - Steel: SteelCorp (USD, kg, 4.00, break 3.60 from 50 kg, 3 days) and
      EuroSteel (EUR, kg, 3.00, minimum 100 kg, 30 days).
    - Seals: FastSeal (USD, units, 0.85, 20 days) and SealCo (USD, dozens,
      12.00, break 10.80 from 2 dozens, 5 days).
    """

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        env = cls.env
        cls.company = env.company
        cls.company.days_to_purchase = 0
        cls.usd = cls.company.currency_id
        cls.eur = env.ref("base.EUR")
        if cls.eur == cls.usd:
            cls.eur = env.ref("base.CHF")
        cls.eur.active = True
        env["res.currency.rate"].search([("currency_id", "=", cls.eur.id)]).unlink()
        env["res.currency.rate"].create(
            {
                "currency_id": cls.eur.id,
                "company_id": cls.company.id,
                "name": fields.Date.today() - timedelta(days=30),
                "rate": 0.5,
            }
        )
        cls.warehouse = env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.group = env["mes.mrp.planning.group"].search(
            [("warehouse_ids", "in", cls.warehouse.ids)], limit=1
        )
        if not cls.group:
            cls.group = env["mes.mrp.planning.group"].create(
                {
                    "name": "Main pool",
                    "company_id": cls.company.id,
                    "warehouse_ids": [Command.set(cls.warehouse.ids)],
                    "warehouse_id": cls.warehouse.id,
                }
            )
        cls.uom_unit = env.ref("uom.product_uom_unit")
        cls.uom_dozen = env.ref("uom.product_uom_dozen")
        cls.uom_kg = env.ref("uom.product_uom_kgm")

        cls.planner = new_test_user(
            env,
            login="mes_planner",
            name="Pia Planner",
            groups="mes_inventory_mrp.group_mrp_planner",
        )
        cls.buyer = new_test_user(
            env,
            login="mes_buyer",
            name="Bob Buyer",
            groups="purchase.group_purchase_user,stock.group_stock_user",
        )
        cls.purchase_manager = new_test_user(
            env,
            login="mes_purchase_manager",
            name="Mia Manager",
            groups="purchase.group_purchase_manager,stock.group_stock_user",
        )

        Partner = env["res.partner"]
        cls.steelcorp = Partner.create({"name": "SteelCorp"})
        cls.eurosteel = Partner.create({"name": "EuroSteel"})
        cls.fastseal = Partner.create({"name": "FastSeal"})
        cls.sealco = Partner.create({"name": "SealCo"})
        cls.customer = Partner.create({"name": "Hydro Customer"})

        Product = env["product.product"]
        cls.steel = Product.create(
            {
                "name": "Steel sheet",
                "is_storable": True,
                "uom_id": cls.uom_kg.id,
                "supplier_taxes_id": [Command.clear()],
            }
        )
        cls.seal = Product.create(
            {
                "name": "Seal",
                "is_storable": True,
                "uom_id": cls.uom_unit.id,
                "supplier_taxes_id": [Command.clear()],
            }
        )
        cls.pump = Product.create(
            {"name": "Pump", "is_storable": True, "uom_id": cls.uom_unit.id}
        )
        Info = env["product.supplierinfo"]
        cls.steel_steelcorp = Info.create(
            cls._vendor(cls.steel, cls.steelcorp, 4.0, delay=3, sequence=1)
        )
        cls.steel_steelcorp_50 = Info.create(
            cls._vendor(cls.steel, cls.steelcorp, 3.6, delay=3, min_qty=50, sequence=1)
        )
        cls.steel_eurosteel = Info.create(
            cls._vendor(
                cls.steel,
                cls.eurosteel,
                3.0,
                delay=30,
                min_qty=100,
                currency=cls.eur,
                sequence=2,
            )
        )
        cls.seal_fastseal = Info.create(
            cls._vendor(cls.seal, cls.fastseal, 0.85, delay=20, sequence=1)
        )
        cls.seal_sealco = Info.create(
            cls._vendor(
                cls.seal, cls.sealco, 12.0, delay=5, uom=cls.uom_dozen, sequence=2
            )
        )
        cls.seal_sealco_2dz = Info.create(
            cls._vendor(
                cls.seal,
                cls.sealco,
                10.8,
                delay=5,
                min_qty=2,
                uom=cls.uom_dozen,
                sequence=2,
            )
        )
        cls.bom = env["mrp.bom"].create(
            {
                "product_tmpl_id": cls.pump.product_tmpl_id.id,
                "product_qty": 1.0,
                "type": "normal",
                "bom_line_ids": [
                    Command.create({"product_id": cls.steel.id, "product_qty": 3.0}),
                    Command.create({"product_id": cls.seal.id, "product_qty": 2.0}),
                ],
            }
        )

    @classmethod
    def _vendor(
        cls,
        product,
        partner,
        price,
        delay=0,
        min_qty=0.0,
        uom=None,
        currency=None,
        sequence=1,
    ):
        return {
            "product_tmpl_id": product.product_tmpl_id.id,
            "partner_id": partner.id,
            "price": price,
            "delay": delay,
            "min_qty": min_qty,
            "product_uom_id": (uom or product.uom_id).id,
            "currency_id": (currency or cls.usd).id,
            "sequence": sequence,
        }

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def today(self):
        return fields.Date.context_today(
            self.env["mes.mrp.run"].with_user(self.planner)
        )

    def day(self, offset):
        return self.today() + timedelta(days=offset)

    def at_noon(self, offset):
        return datetime.combine(self.day(offset), time(12))

    def run_mrp(self):
        """Run the MRP of the pool as the planner; returns the run."""
        run = (
            self.env["mes.mrp.run"]
            .with_user(self.planner)
            .create({"planning_group_id": self.group.id})
        )
        run.action_run()
        self.assertEqual(run.state, "done", run.error_message)
        return run.with_env(self.env)

    def new_suggestions(self, products):
        return (
            self.env["mes.mrp.suggestion"]
            .search(
                [
                    ("product_id", "in", products.ids),
                    ("planning_group_id", "=", self.group.id),
                    ("state", "=", "new"),
                ]
            )
            .sorted(lambda s: (s.product_id.id, s.date_required, s.id))
        )

    def make_mo(self, qty, offset):
        with Form(self.env["mrp.production"]) as mo_form:
            mo_form.product_id = self.pump
            mo_form.bom_id = self.bom
            mo_form.product_qty = qty
            mo_form.date_start = self.at_noon(offset)
        production = mo_form.record
        production.action_confirm()
        return production

    def make_delivery(self, product, qty, offset):
        with Form(self.env["stock.picking"]) as picking_form:
            picking_form.picking_type_id = self.warehouse.out_type_id
            picking_form.partner_id = self.customer
            picking_form.scheduled_date = self.at_noon(offset)
            with picking_form.move_ids.new() as move:
                move.product_id = product
                move.product_uom_qty = qty
        picking = picking_form.record
        picking.action_confirm()
        return picking

    def receive(self, order, qty):
        """Receive ``qty`` of the order's only open receipt, backorder the rest."""
        picking = order.picking_ids.filtered(
            lambda p: p.state not in ("done", "cancel")
        )
        self.assertEqual(len(picking), 1)
        with Form(picking) as picking_form:
            with picking_form.move_ids.edit(0) as move:
                move.quantity = qty
        action = picking.button_validate()
        if isinstance(action, dict):
            Form.from_action(self.env, action).save().process()
        return picking

    def compare_line(self, comparison, suggestion, partner):
        lines = comparison.line_ids.filtered(
            lambda line: line.suggestion_id == suggestion and line.partner_id == partner
        )
        self.assertEqual(len(lines), 1, "one comparison line per vendor offer")
        return lines

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

    def _projection(self, product):
        action = product.with_user(self.planner).action_open_mes_projection()
        return self.env[action["res_model"]].search(action["domain"])
