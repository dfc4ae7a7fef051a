"""Guarded fields change only through their actions (issue: approvals and states
that cannot be forged): by ``write``, by ``create`` with the field set, and by
import, a user with write access on the model is refused; the action works."""

from datetime import datetime

from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged

from .mrp_common import MrpCase, day
from .test_stock_reconciliation import TestStockReconciliation


def load_errors(records_model, fields, rows):
    """Import ``rows`` as a user would (base_import ends in ``load``); return
    the error messages (``load`` reports them instead of raising)."""
    result = records_model.load(fields, rows)
    return [m["message"] for m in result["messages"] if m["type"] == "error"]


@tagged("post_install", "-at_install")
class TestGuardedSuggestion(MrpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.buyer = cls.env["res.users"].create(
            {
                "name": "Buyer Bo",
                "login": "mes_guard_buyer",
                "group_ids": [
                    Command.set(
                        [
                            cls.env.ref("purchase.group_purchase_user").id,
                            cls.env.ref("stock.group_stock_user").id,
                        ]
                    )
                ],
            }
        )
        cls.bolt = cls._product("Bolt")
        cls._seller(cls.bolt, price=2.0)

    def _suggestion(self):
        self._delivery(self.bolt, 10.0, 5)
        self._run()
        suggestion = self._suggestions(self.bolt)
        self.assertEqual((suggestion.action, suggestion.state), ("buy", "new"))
        return suggestion

    def test_buyer_cannot_approve_by_writing_the_state(self):
        suggestion = self._suggestion().with_user(self.buyer)
        with self.assertRaisesRegex(AccessError, r"State.*Approve"):
            suggestion.write({"state": "approved"})
        with self.assertRaisesRegex(AccessError, "Only MRP planners"):
            suggestion.action_approve()
        self.assertEqual(suggestion.state, "new")
        # what a buyer may change stays editable
        suggestion.write({"product_qty": 12.0})
        self.assertEqual(suggestion.product_qty, 12.0)
        # the planner's action works
        suggestion.with_user(self.planner).action_approve()
        self.assertEqual(suggestion.state, "approved")

    def test_links_are_set_by_create_orders_only(self):
        suggestion = self._suggestion()
        order = self._purchase(self.bolt, 10.0, 5, confirm=False)
        for user in (self.buyer, self.planner):
            with self.assertRaisesRegex(AccessError, "Create RFQs"):
                suggestion.with_user(user).write(
                    {"purchase_line_id": order.order_line.id}
                )
        with self.assertRaises(AccessError):
            suggestion.with_user(self.planner).write({"state": "ordered"})
        self.assertFalse(suggestion.purchase_line_id)
        suggestion.with_user(self.buyer).action_create_purchase_orders()
        self.assertEqual(suggestion.state, "ordered")
        self.assertTrue(suggestion.purchase_line_id)

    def test_create_and_import_with_a_guarded_field(self):
        vals = {
            "planning_group_id": self.group.id,
            "company_id": self.company.id,
            "product_id": self.bolt.id,
            "action": "buy",
            "product_qty": 5.0,
            "date_required": day(5),
            "date_order": day(5),
        }
        Suggestion = self.env["mes.mrp.suggestion"].with_user(self.planner)
        with self.assertRaisesRegex(AccessError, "State"):
            Suggestion.create(dict(vals, state="approved"))
        # a default given in the context is a value too
        with self.assertRaisesRegex(AccessError, "State"):
            Suggestion.with_context(default_state="approved").create(vals)
        # the default state is no change
        self.assertEqual(Suggestion.create(dict(vals, state="new")).state, "new")
        errors = load_errors(
            Suggestion,
            [
                "planning_group_id/.id",
                "company_id/.id",
                "product_id/.id",
                "action",
                "product_qty",
                "date_required",
                "date_order",
                "state",
            ],
            [
                [
                    str(self.group.id),
                    str(self.company.id),
                    str(self.bolt.id),
                    "buy",
                    "5",
                    str(day(5)),
                    str(day(5)),
                    "approved",
                ]
            ],
        )
        self.assertTrue(errors)
        self.assertIn("set by its actions only", errors[0])
        self.assertFalse(
            self.env["mes.mrp.suggestion"].search(
                [("product_id", "=", self.bolt.id), ("state", "=", "approved")]
            )
        )

    def test_other_company_record_is_neither_shown_nor_changed(self):
        other = self.env["res.company"].create({"name": "MES Other Plant"})
        group = self.env["mes.mrp.planning.group"].search(
            [("company_id", "=", other.id)], limit=1
        ) or self.env["mes.mrp.planning.group"].create(
            {"name": "Other plant", "company_id": other.id}
        )
        product = self.env["product.product"].create(
            {"name": "Other bolt", "is_storable": True, "company_id": other.id}
        )
        suggestion = self.env["mes.mrp.suggestion"].create(
            {
                "planning_group_id": group.id,
                "company_id": other.id,
                "product_id": product.id,
                "action": "buy",
                "product_qty": 3.0,
                "date_required": day(4),
                "date_order": day(4),
            }
        )
        as_planner = suggestion.with_user(self.planner)
        with self.assertRaises(AccessError):
            as_planner.read(["state", "product_qty"])
        for action in ("action_approve", "action_cancel", "action_create_orders"):
            with self.assertRaises(AccessError):
                getattr(as_planner, action)()
        self.assertEqual(suggestion.state, "new")
        self.assertFalse(suggestion.purchase_line_id)

    def test_superuser_code_passes(self):
        """Server code running as superuser (install, scheduled jobs) passes;
        no RPC call runs as superuser."""
        suggestion = self._suggestion()
        suggestion.sudo().write({"state": "cancelled"})
        self.assertEqual(suggestion.state, "cancelled")


@tagged("post_install", "-at_install")
class TestGuardedMessage(MrpCase):
    def _message(self):
        bolt = self._product("Bolt")
        self._seller(bolt)
        self._delivery(bolt, 10.0, 3)
        self._purchase(bolt, 10.0, 9)
        self._run()
        message = self._messages(bolt)
        self.assertEqual(message.message_type, "reschedule_in")
        return message

    def test_state_and_decision_by_apply_or_dismiss_only(self):
        message = self._message().with_user(self.planner)
        for vals in (
            {"state": "dismissed"},
            {"decided_by_id": self.planner.id},
            {"decided_date": datetime(2030, 3, 4, 10, 0)},
            {"result": "done by hand"},
        ):
            with self.assertRaisesRegex(AccessError, "Apply"):
                message.write(vals)
        self.assertEqual(message.state, "new")
        message.action_dismiss()
        self.assertRecordValues(
            message, [{"state": "dismissed", "decided_by_id": self.planner.id}]
        )


@tagged("post_install", "-at_install")
class TestGuardedReconciliation(TestStockReconciliation):
    def test_forged_unit_value_cannot_skip_the_review(self):
        """The forgery: a stock user zeroes a line's unit value so that a
        4,000 adjustment needs no review, then applies it."""
        self.count(self.motor, self.bin_a, 3.0)  # -2 x 2000 = -4000
        run = self.new_run(user=self.clerk)
        run.action_compute()
        line = run.line_ids.with_user(self.clerk)
        for vals in (
            {"standard_price": 0.0},
            {"counted_qty": 5.0},
            {"value": 0.0},
        ):
            with self.assertRaisesRegex(AccessError, "Compute"):
                line.write(vals)
        with self.assertRaises(AccessError):
            line.unlink()
        with self.assertRaises(AccessError):
            run.with_user(self.clerk).write({"value_abs_total": 0.0})
        self.assertEqual(run.value_abs_total, 4000.0)
        with self.assertRaisesRegex(ValidationError, "needs to be validated"):
            run.with_user(self.clerk).action_apply()
        with self.assertRaisesRegex(AccessError, "Apply Adjustments"):
            run.with_user(self.clerk).write({"state": "done"})
        self.assertEqual(run.state, "draft")
        self.assertEqual(
            self.motor.with_context(location=self.bin_a.id).qty_available, 5.0
        )
        self.assertFalse(run.review_ids.filtered(lambda r: r.status == "approved"))

    def test_lines_are_created_by_compute_only(self):
        run = self.new_run(user=self.clerk)
        with self.assertRaises(AccessError):
            self.env["mes.stock.reconciliation.line"].with_user(self.clerk).create(
                {
                    "reconciliation_id": run.id,
                    "product_id": self.bolt.id,
                    "location_id": self.bin_a.id,
                    "counted_qty": 1000.0,
                }
            )
        errors = load_errors(
            self.env["mes.stock.reconciliation"].with_user(self.clerk),
            ["name", "state"],
            [["REC forged", "done"]],
        )
        self.assertIn("set by its actions only", errors[0])
        # unguarded fields stay editable in a draft
        run.with_user(self.clerk).write({"location_ids": [Command.set(self.bin_a.ids)]})
        self.assertEqual(run.location_ids, self.bin_a)

    def test_unit_value_taken_from_the_product_at_submission(self):
        self.count(self.motor, self.bin_a, 4.0)  # -1 x 2000
        run = self.new_run(user=self.clerk)
        run.action_compute()
        self.assertEqual(run.value_abs_total, 2000.0)
        self.motor.standard_price = 12000.0
        run.with_user(self.clerk).request_validation()
        self.assertEqual(run.line_ids.standard_price, 12000.0)
        self.assertEqual(run.value_abs_total, 12000.0)
        self.assertEqual(
            run.review_ids.definition_id,
            self.env.ref(
                "mes_inventory_mrp.tier_definition_reconciliation_plant_manager"
            ),
        )

    def test_apply_without_review_values_at_the_current_cost(self):
        self.count(self.motor, self.bin_a, 4.6)  # -0.4 x 2000 = 800: no tier
        run = self.new_run(user=self.clerk)
        run.action_compute()
        self.assertFalse(run.need_validation)
        # the cost went up since: 0.4 x 12,000 = 4,800 needs a stock manager
        self.motor.standard_price = 12000.0
        with self.assertRaisesRegex(ValidationError, "needs to be validated"):
            run.with_user(self.clerk).action_apply()
        self.assertEqual(run.state, "draft")

    def test_reconciled_count_is_frozen(self):
        count = self.count(self.bolt, self.bin_a, 95.0)
        count.with_user(self.clerk).quantity = 96.0  # pending: editable
        with self.assertRaisesRegex(AccessError, "reconciliation"):
            count.with_user(self.clerk).write({"state": "reconciled"})
        run = self.new_run(user=self.clerk)
        run.action_compute()
        run.action_apply()
        self.assertEqual(count.state, "reconciled")
        with self.assertRaisesRegex(AccessError, "Counted Quantity"):
            count.with_user(self.clerk).quantity = 50.0
        self.assertEqual(count.quantity, 96.0)


@tagged("post_install", "-at_install")
class TestGuardedLotQuality(MrpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inspector = cls.env["res.users"].create(
            {
                "name": "Inspector Ines",
                "login": "mes_guard_inspector",
                "group_ids": [
                    Command.set(
                        [
                            cls.env.ref("stock.group_stock_user").id,
                            cls.env.ref("mes_inventory_mrp.group_quality_inspector").id,
                        ]
                    )
                ],
            }
        )
        cls.clerk = cls.env["res.users"].create(
            {
                "name": "Clerk Carl",
                "login": "mes_guard_clerk",
                "group_ids": [Command.set([cls.env.ref("stock.group_stock_user").id])],
            }
        )
        cls.resin = cls._product("Resin", tracking="lot")

    def test_quality_state_through_the_same_rule(self):
        lot = self.env["stock.lot"].create({"name": "R-1", "product_id": self.resin.id})
        self.assertEqual(lot.mes_quality_state, "released")
        with self.assertRaisesRegex(AccessError, "Quality Inspector"):
            lot.with_user(self.clerk).write({"mes_quality_state": "quarantine"})
        for vals in (
            {"mes_quality_user_id": self.clerk.id},
            {"mes_quality_reason": "looked fine"},
        ):
            with self.assertRaisesRegex(AccessError, "set by its actions only"):
                lot.with_user(self.clerk).write(vals)
        errors = load_errors(
            self.env["stock.lot"].with_user(self.clerk),
            ["name", "product_id/.id", "mes_quality_state"],
            [["R-2", str(self.resin.id), "rejected"]],
        )
        self.assertTrue(errors)
        self.assertFalse(self.env["stock.lot"].search([("name", "=", "R-2")]))
        # the clerk edits what is not guarded
        lot.with_user(self.clerk).write({"ref": "shelf 4"})
        # an inspector's change is the action: logged with who and why
        lot.with_user(self.inspector).mes_set_quality_state("quarantine", "cracks")
        self.assertRecordValues(
            lot,
            [
                {
                    "mes_quality_state": "quarantine",
                    "mes_quality_reason": "cracks",
                    "mes_quality_user_id": self.inspector.id,
                }
            ],
        )

    def test_form_cannot_forge_the_state(self):
        lot = self.env["stock.lot"].create({"name": "R-3", "product_id": self.resin.id})
        form = Form(lot.with_user(self.clerk))
        form.ref = "bin 2"
        form.save()
        self.assertEqual(lot.ref, "bin 2")
        self.assertEqual(lot.mes_quality_state, "released")
