from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import convert_file

from .common_purchase import MesPurchaseCase


@tagged("post_install", "-at_install")
class TestPurchaseSuggestion(MesPurchaseCase):
    def suggest(self, seller, qty, offset, **values):
        """A buy suggestion as the MRP writes it (product unit ``qty``)."""
        product = (
            values.pop("product", None) or seller.product_tmpl_id.product_variant_id
        )
        group = values.pop("group", self.group)
        purchase_qty = product.uom_id._compute_quantity(qty, seller.product_uom_id)
        vals = {
            "planning_group_id": group.id,
            "company_id": group.company_id.id,
            "product_id": product.id,
            "action": "buy",
            "product_qty": qty,
            "purchase_qty": purchase_qty,
            "purchase_uom_id": seller.product_uom_id.id,
            "date_required": self.day(offset),
            "date_order": max(self.day(offset - seller.delay), self.today()),
            "partner_id": seller.partner_id.id,
            "supplierinfo_id": seller.id,
            "price_unit": seller.price,
            "currency_id": seller.currency_id.id,
            "price_subtotal": purchase_qty * seller.price,
            "warehouse_id": group.warehouse_id.id,
        }
        vals.update(values)
        return self.env["mes.mrp.suggestion"].create(vals)

    def order(self, suggestions, user=None):
        suggestions.with_user(user or self.buyer).action_create_purchase_orders()
        return suggestions.purchase_order_id

    # ------------------------------------------------------------------
    # Refusals
    # ------------------------------------------------------------------
    def test_refused_without_purchase_rights(self):
        suggestion = self.suggest(self.steel_steelcorp, 36.0, 14)
        with self.assertRaises(AccessError):
            suggestion.with_user(self.planner).action_create_purchase_orders()
        with self.assertRaises(AccessError):
            suggestion.with_user(self.planner).action_compare_vendors()
        self.assertEqual(suggestion.state, "new")
        self.assertFalse(
            self.env["purchase.order"].search([("partner_id", "=", self.steelcorp.id)])
        )

    def test_refused_when_already_ordered(self):
        first = self.suggest(self.steel_steelcorp, 36.0, 14)
        order = self.order(first)
        second = self.suggest(self.steel_steelcorp, 10.0, 20)
        with self.assertRaisesRegex(
            UserError, r"Buy 36.0 Steel sheet is already ordered \(%s\)" % order.name
        ):
            (first | second).with_user(self.buyer).action_create_purchase_orders()
        # Nothing half-done: the other suggestion was not ordered either.
        self.assertEqual(second.state, "new")
        self.assertEqual(len(order.order_line), 1)
        self.assertEqual(order.order_line.product_qty, 36.0)

    def test_refused_cancelled_make_and_no_vendor(self):
        cancelled = self.suggest(self.steel_steelcorp, 5.0, 10, state="cancelled")
        make = self.suggest(
            self.steel_steelcorp,
            12.0,
            14,
            product=self.pump,
            action="make",
            partner_id=False,
            supplierinfo_id=False,
        )
        no_vendor = self.suggest(
            self.seal_fastseal, 4.0, 14, partner_id=False, supplierinfo_id=False
        )
        with self.assertRaises(UserError) as caught:
            (cancelled | make | no_vendor).with_user(
                self.buyer
            ).action_create_purchase_orders()
        message = str(caught.exception)
        self.assertIn("Buy 5.0 Steel sheet is already cancelled", message)
        self.assertIn("Make 12.0 Pump is not a buy suggestion", message)
        self.assertIn(
            "Buy 4.0 Seal has no vendor: add one on the product's Purchase tab", message
        )
        self.assertFalse(
            self.env["purchase.order"].search([("mes_from_mrp", "=", True)])
        )

    def test_refused_other_company(self):
        other = self.env["res.company"].create(
            {"name": "Other Plant", "currency_id": self.usd.id}
        )
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", other.id)], limit=1
        )
        group = self.env["mes.mrp.planning.group"].search(
            [("company_id", "=", other.id)], limit=1
        ) or self.env["mes.mrp.planning.group"].create(
            {
                "name": "Other pool",
                "company_id": other.id,
                "warehouse_ids": [Command.set(warehouse.ids)],
                "warehouse_id": warehouse.id,
            }
        )
        foreign = self.suggest(self.steel_steelcorp, 8.0, 14, group=group)
        mine = self.suggest(self.steel_steelcorp, 36.0, 14)
        with self.assertRaisesRegex(
            UserError,
            "Buy 8.0 Steel sheet belongs to company Other Plant: select that "
            "company to order it.",
        ):
            (mine | foreign).with_user(self.buyer).action_create_purchase_orders()
        self.assertEqual((mine | foreign).mapped("state"), ["new", "new"])
        self.assertFalse(mine.purchase_line_id)

    # ------------------------------------------------------------------
    # Purchase orders
    # ------------------------------------------------------------------
    def test_multi_currency_vendor(self):
        """One vendor selling in two currencies: one RFQ per currency."""
        global_parts = self.env["res.partner"].create({"name": "GlobalParts"})
        steel_usd = self.env["product.supplierinfo"].create(
            self._vendor(self.steel, global_parts, 3.9, delay=2)
        )
        seal_eur = self.env["product.supplierinfo"].create(
            self._vendor(self.seal, global_parts, 0.4, delay=2, currency=self.eur)
        )
        steel = self.suggest(steel_usd, 30.0, 10)
        seals = (
            self.suggest(seal_eur, 100.0, 10)
            | self.suggest(seal_eur, 60.0, 10)
            | self.suggest(seal_eur, 40.0, 12)
        )
        orders = self.order(steel | seals).sorted("id")
        self.assertEqual(len(orders), 2)
        self.assertEqual(orders.partner_id, global_parts)
        order_usd = orders.filtered(lambda o: o.currency_id == self.usd)
        order_eur = orders.filtered(lambda o: o.currency_id == self.eur)
        self.assertRecordValues(
            order_usd.order_line,
            [{"product_id": self.steel.id, "product_qty": 30.0, "price_unit": 3.9}],
        )
        # Same product, same date: one line; another date: another line.
        self.assertEqual(
            [
                (line.product_qty, line.price_unit, line.date_planned.date())
                for line in order_eur.order_line.sorted("date_planned")
            ],
            [(160.0, 0.4, self.day(10)), (40.0, 0.4, self.day(12))],
        )
        self.assertEqual(order_eur.amount_untaxed, 80.0)
        self.assertEqual(order_eur.currency_id, self.eur)

    def test_rfq_prepared_by_odoo_buy_rule(self):
        """The RFQ has what Odoo's buy rule gives a vendor's order (payment
        terms, fiscal position, buyer), with MRP's receipt type and deadline."""
        term = self.env["account.payment.term"].search([], limit=1)
        fiscal_position = self.env["account.fiscal.position"].create(
            {"name": "Imports", "company_id": self.company.id}
        )
        self.steelcorp.with_company(self.company).write(
            {
                "property_supplier_payment_term_id": term.id,
                "property_account_position_id": fiscal_position.id,
                "buyer_id": self.purchase_manager.id,
            }
        )
        order = self.order(self.suggest(self.steel_steelcorp, 36.0, 14))
        self.assertRecordValues(
            order,
            [
                {
                    "partner_id": self.steelcorp.id,
                    "payment_term_id": term.id,
                    "fiscal_position_id": fiscal_position.id,
                    "user_id": self.purchase_manager.id,
                    "picking_type_id": self.warehouse.in_type_id.id,
                    "currency_id": self.usd.id,
                    "mes_from_mrp": True,
                }
            ],
        )
        self.assertEqual(order.date_order.date(), self.day(11))

    def test_price_break_for_the_line_quantity(self):
        """20 + 40 kg on the same day make one 60 kg line at the 50 kg break."""
        small = self.suggest(self.steel_steelcorp, 20.0, 14)
        big = self.suggest(self.steel_steelcorp, 40.0, 14)
        order = self.order(small | big)
        self.assertRecordValues(
            order.order_line,
            [{"product_qty": 60.0, "price_unit": 3.6, "price_subtotal": 216.0}],
        )
        self.assertEqual(small.purchase_line_id, big.purchase_line_id)

    def test_reuse_draft_rfq_created_by_mrp(self):
        manual = self.env["purchase.order"].create(
            {
                "partner_id": self.steelcorp.id,
                "order_line": [
                    Command.create({"product_id": self.steel.id, "product_qty": 5.0})
                ],
            }
        )
        first = self.order(self.suggest(self.steel_steelcorp, 36.0, 14))
        self.assertNotEqual(first, manual, "a manual RFQ is never reused")
        second = self.order(self.suggest(self.steel_steelcorp, 10.0, 20))
        self.assertEqual(second, first)
        self.assertEqual(sorted(first.order_line.mapped("product_qty")), [10.0, 36.0])
        # Same day as a line already there: merged, priced for the total.
        third = self.order(self.suggest(self.steel_steelcorp, 20.0, 14))
        self.assertEqual(third, first)
        line14 = first.order_line.filtered(
            lambda line: line.date_planned.date() == self.day(14)
        )
        self.assertRecordValues(line14, [{"product_qty": 56.0, "price_unit": 3.6}])
        self.assertEqual(len(line14.mes_suggestion_ids), 2)
        # Once sent to the vendor, the RFQ is left alone.
        first.write({"state": "sent"})
        fourth = self.order(self.suggest(self.steel_steelcorp, 5.0, 25))
        self.assertNotEqual(fourth, first)
        self.assertTrue(fourth.mes_from_mrp)
        self.assertEqual(len(first.order_line), 2)

    def test_switch_vendor_raises_to_minimum_and_orders_in_its_currency(self):
        suggestion = self.suggest(self.steel_steelcorp, 36.0, 14)
        comparison = Form.from_action(
            self.env, suggestion.with_user(self.buyer).action_compare_vendors()
        ).record
        line = comparison.line_ids.filtered(
            lambda line: line.partner_id == self.eurosteel
        )
        line.with_user(self.buyer).action_select()
        self.assertRecordValues(
            suggestion,
            [
                {
                    "partner_id": self.eurosteel.id,
                    "supplierinfo_id": self.steel_eurosteel.id,
                    "currency_id": self.eur.id,
                    "product_qty": 100.0,
                    "purchase_qty": 100.0,
                    "price_unit": 3.0,
                    "price_subtotal": 300.0,
                    "date_order": self.today(),
                    "exception": "expedite",
                }
            ],
        )
        order = self.order(suggestion)
        self.assertEqual(order.currency_id, self.eur)
        self.assertRecordValues(
            order.order_line,
            [{"product_qty": 100.0, "price_unit": 3.0, "price_subtotal": 300.0}],
        )
        with self.assertRaisesRegex(UserError, "Only buy suggestions that are not"):
            suggestion.with_user(self.buyer).action_compare_vendors()

    def test_vendor_uom_conversion(self):
        """30 seals bought by the dozen: 2.5 dozens at the dozen price."""
        suggestion = self.suggest(self.seal_fastseal, 30.0, 14)
        suggestion.with_user(self.buyer)._mes_set_vendor(self.seal_sealco)
        self.assertRecordValues(
            suggestion,
            [
                {
                    "purchase_qty": 2.5,
                    "purchase_uom_id": self.uom_dozen.id,
                    "supplierinfo_id": self.seal_sealco_2dz.id,
                    "price_unit": 10.8,
                }
            ],
        )
        order = self.order(suggestion)
        self.assertRecordValues(
            order.order_line,
            [
                {
                    "product_qty": 2.5,
                    "product_uom_id": self.uom_dozen.id,
                    "product_uom_qty": 30.0,
                    "price_unit": 10.8,
                    "price_subtotal": 27.0,
                }
            ],
        )

    def test_in_transit_on_suggestion(self):
        order = self.order(self.suggest(self.steel_steelcorp, 50.0, 5))
        later = self.suggest(self.steel_steelcorp, 30.0, 30)
        self.assertEqual(later.in_transit_qty, 0.0, "an RFQ is not in transit yet")
        order.button_confirm()
        later.invalidate_recordset(["in_transit_qty", "in_transit_date"])
        self.assertRecordValues(
            later.with_user(self.buyer),
            [{"in_transit_qty": 50.0, "in_transit_date": self.day(5)}],
        )

    def test_demo_tier_rule_needs_a_purchase_manager(self):
        convert_file(
            self.env,
            "mes_inventory_mrp",
            "demo/mes_purchase_tier_demo.xml",
            {},
            mode="init",
        )
        rule = self.env.ref("mes_inventory_mrp.tier_definition_purchase_above_10000")
        self.assertEqual(rule.model, "purchase.order")
        small = self.order(self.suggest(self.steel_steelcorp, 2500.0, 14))
        self.assertEqual(small.amount_total, 9000.0, "2500 kg at the 50 kg break")
        small.with_user(self.buyer).button_confirm()
        self.assertEqual(small.state, "purchase")
        big = self.order(self.suggest(self.steel_steelcorp, 3000.0, 20))
        self.assertNotEqual(big, small)
        self.assertEqual(big.amount_total, 10800.0)
        with self.assertRaisesRegex(ValidationError, "Purchase above 10,000"):
            big.with_user(self.buyer).button_confirm()
        big.with_user(self.buyer).request_validation()
        reviewers = big.review_ids.reviewer_ids
        self.assertIn(self.purchase_manager, reviewers)
        self.assertNotIn(self.buyer, reviewers)
        big.with_user(self.purchase_manager).validate_tier()
        big.invalidate_recordset()
        big.with_user(self.buyer).button_confirm()
        self.assertEqual(big.state, "purchase")

    def test_confirmed_po_too_late_gets_reschedule_message(self):
        """A confirmed PO arriving after the need: netted, with reschedule in."""
        delivery = self.make_delivery(self.steel, 36.0, 14)
        self.run_mrp()
        suggestion = self.new_suggestions(self.steel)
        self.assertEqual(suggestion.product_qty, 36.0)
        order = self.order(suggestion)
        order.order_line.date_planned = self.at_noon(18)
        order.button_confirm()
        self.assertEqual(
            order.picking_ids.move_ids.date.date(), self.day(18), "receipt at day 18"
        )
        run = self.run_mrp()
        self.assertFalse(self.new_suggestions(self.steel))
        self.assertRecordValues(
            self.env["mes.mrp.message"].search(
                [("run_id", "=", run.id), ("product_id", "=", self.steel.id)]
            ),
            [
                {
                    "message_type": "reschedule_in",
                    "purchase_line_id": order.order_line.id,
                    "date_current": self.day(18),
                    "date_suggested": self.day(14),
                    "product_qty": 36.0,
                }
            ],
        )
        self.assertEqual(delivery.move_ids.product_qty, 36.0)
