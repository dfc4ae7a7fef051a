from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tests.common import TransactionCase, new_test_user


@tagged("post_install", "-at_install")
class TestOverReceipt(TransactionCase):
    """Receipts of a PO line beyond ordered + tolerance (company 5 % by
    default once the company controls over-receipts, category override)
    need a purchase manager's approval."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company = env.company
        cls.company.mes_over_receipt_control = True
        cls.vendor = env["res.partner"].create({"name": "SteelCorp"})
        cls.category = env["product.category"].create({"name": "Raw steel"})
        cls.steel = env["product.product"].create(
            {
                "name": "Steel plate",
                "default_code": "STEEL",
                "is_storable": True,
                "categ_id": cls.category.id,
                "supplier_taxes_id": [Command.clear()],
            }
        )
        cls.clerk = new_test_user(
            env,
            login="mes_or_clerk",
            name="Carl Clerk",
            groups="stock.group_stock_user",
        )
        cls.buyer = new_test_user(
            env,
            login="mes_or_buyer",
            name="Bea Buyer",
            groups="purchase.group_purchase_user,stock.group_stock_user",
        )
        cls.manager = new_test_user(
            env,
            login="mes_or_manager",
            name="Mia Manager",
            groups="purchase.group_purchase_manager,stock.group_stock_user",
        )

    def order(self, qty=10.0):
        po = self.env["purchase.order"].create(
            {
                "partner_id": self.vendor.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.steel.id,
                            "product_qty": qty,
                            "price_unit": 4.0,
                        }
                    )
                ],
            }
        )
        po.button_confirm()
        return po

    def type_qty(self, picking, qty, user=None):
        """The clerk types the received quantity on the receipt (saved, as
        the web client saves the form before calling Validate)."""
        picking = picking.with_user(user or self.clerk)
        with Form(picking) as form:
            with form.move_ids.edit(0) as move:
                move.quantity = qty
        return picking

    def receive(self, picking, qty, user=None):
        """The clerk types the quantity on the receipt and validates."""
        return self.type_qty(picking, qty, user).button_validate()

    def test_default_tolerance_is_5_percent(self):
        self.assertEqual(
            self.env["res.company"]
            .create({"name": "New Plant"})
            .mes_over_receipt_tolerance,
            5.0,
        )

    def test_without_control_odoo_receives_anything(self):
        # plain Odoo flows are left alone until the company switches it on
        with Form(self.env["res.config.settings"]) as settings:
            settings.mes_over_receipt_control = False
        po = self.order(5.0)
        self.receive(po.picking_ids, 7.0)
        self.assertEqual(po.order_line.qty_received, 7.0)
        # ... except for a category that sets its own tolerance
        self.category.write(
            {"mes_over_receipt_custom": True, "mes_over_receipt_tolerance": 10.0}
        )
        po = self.order(5.0)
        with self.assertRaisesRegex(UserError, "allowed 5.5 Units"):
            self.receive(po.picking_ids, 7.0)

    def test_within_tolerance_accepted(self):
        po = self.order(10.0)
        picking = po.picking_ids
        self.receive(picking, 10.5)
        self.assertEqual(picking.state, "done")
        self.assertEqual(po.order_line.qty_received, 10.5)

    def test_beyond_tolerance_refused_with_the_figures(self):
        po = self.order(10.0)
        picking = self.type_qty(po.picking_ids, 12.0)
        with self.assertRaises(UserError) as error:
            picking.button_validate()
        message = str(error.exception)
        self.assertIn(picking.name, message)
        self.assertIn(po.name, message)
        self.assertIn("[STEEL] Steel plate", message)
        self.assertIn("ordered 10 Units", message)
        self.assertIn("received 12 Units", message)
        self.assertIn("allowed 10.5 Units", message)
        self.assertIn("tolerance 5 %", message)
        self.assertEqual(picking.state, "assigned")
        self.assertEqual(po.order_line.qty_received, 0.0)
        self.assertTrue(picking.mes_over_receipt_to_approve)

    def test_partial_receipts_add_up(self):
        po = self.order(10.0)
        first = po.picking_ids
        first.move_ids.quantity = 6.0
        first.move_ids.picked = True
        first.with_context(cancel_backorder=False)._action_done()
        backorder = po.picking_ids - first
        self.assertEqual(po.order_line.qty_received, 6.0)
        with self.assertRaisesRegex(UserError, "received 11 Units, allowed 10.5"):
            self.receive(backorder, 5.0)
        self.receive(backorder, 4.5)
        self.assertEqual(po.order_line.qty_received, 10.5)

    def test_manager_approves_then_accepted_and_logged(self):
        po = self.order(10.0)
        picking = self.type_qty(po.picking_ids, 12.0)
        with self.assertRaises(UserError):
            picking.button_validate()
        # the clerk's quantity stays on the receipt; the manager approves it
        self.assertTrue(picking.mes_over_receipt_to_approve)
        self.assertIn("received 12 Units", picking.mes_over_receipt_info)
        picking.with_user(self.manager).action_mes_approve_over_receipt()
        self.assertFalse(picking.mes_over_receipt_to_approve)
        self.assertEqual(picking.mes_over_receipt_approved_by_id, self.manager)
        log = picking.message_ids.filtered(
            lambda m: "Over-receipt approved by Mia Manager" in (m.body or "")
        )
        self.assertEqual(len(log), 1)
        self.assertIn("ordered 10 Units, received 12 Units, allowed 10.5", log.body)
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.assertEqual(po.order_line.qty_received, 12.0)

    def test_approval_covers_the_approved_quantity_only(self):
        po = self.order(10.0)
        picking = po.picking_ids
        picking.move_ids.quantity = 12.0
        picking.with_user(self.manager).action_mes_approve_over_receipt()
        with self.assertRaisesRegex(UserError, "received 13 Units"):
            self.receive(picking, 13.0)

    def test_stock_user_and_buyer_cannot_approve(self):
        po = self.order(10.0)
        picking = po.picking_ids
        picking.move_ids.quantity = 12.0
        for user in (self.clerk, self.buyer):
            with self.assertRaises(AccessError):
                picking.with_user(user).action_mes_approve_over_receipt()
            # nor by writing the approved quantity by hand
            with self.assertRaises(AccessError):
                picking.move_ids.with_user(user).write(
                    {"mes_over_receipt_approved_qty": 12.0}
                )
        self.assertEqual(picking.move_ids.mes_over_receipt_approved_qty, 0.0)
        with self.assertRaises(UserError):
            self.receive(picking, 12.0)

    def test_nothing_to_approve(self):
        po = self.order(10.0)
        with self.assertRaisesRegex(UserError, "nothing to approve"):
            po.picking_ids.with_user(self.manager).action_mes_approve_over_receipt()

    def test_category_override_and_zero_tolerance(self):
        with Form(self.category) as form:
            form.mes_over_receipt_custom = True
            form.mes_over_receipt_tolerance = 20.0
        po = self.order(10.0)
        self.receive(po.picking_ids, 12.0)
        self.assertEqual(po.order_line.qty_received, 12.0)

        # a sub-category inherits its parent's override; 0 means none
        self.category.mes_over_receipt_tolerance = 0.0
        child = self.env["product.category"].create(
            {"name": "Plates", "parent_id": self.category.id}
        )
        self.steel.categ_id = child
        po = self.order(10.0)
        with self.assertRaisesRegex(UserError, "received 10.01 Units, allowed 10 "):
            self.receive(po.picking_ids, 10.01)
        self.receive(po.picking_ids, 10.0)
        self.assertEqual(po.picking_ids.state, "done")

    def test_extra_move_of_the_same_product_counts(self):
        po = self.order(10.0)
        picking = po.picking_ids
        picking.move_ids.quantity = 10.0
        self.env["stock.move"].create(
            {
                "product_id": self.steel.id,
                "product_uom_qty": 3.0,
                "quantity": 3.0,
                "picking_id": picking.id,
                "location_id": picking.location_id.id,
                "location_dest_id": picking.location_dest_id.id,
            }
        )
        with self.assertRaisesRegex(UserError, "received 13 Units"):
            picking.with_user(self.clerk).button_validate()

    def test_hostile_tolerances_refused(self):
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.company.mes_over_receipt_tolerance = -1.0
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.category.write(
                {"mes_over_receipt_custom": True, "mes_over_receipt_tolerance": -5}
            )
        with self.assertRaises(ValueError):
            self.company.mes_over_receipt_tolerance = "a lot"

    def test_returns_and_plain_receipts_untouched(self):
        # a receipt without purchase order is not checked
        picking_type = self.env["stock.picking.type"].search(
            [("code", "=", "incoming"), ("company_id", "=", self.company.id)], limit=1
        )
        receipt = self.env["stock.picking"].create(
            {
                "picking_type_id": picking_type.id,
                "location_id": self.env.ref("stock.stock_location_suppliers").id,
                "location_dest_id": picking_type.default_location_dest_id.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": self.steel.id,
                            "product_uom_qty": 1.0,
                            "quantity": 50.0,
                        }
                    )
                ],
            }
        )
        receipt.action_confirm()
        receipt.move_ids.quantity = 50.0
        receipt.button_validate()
        self.assertEqual(receipt.state, "done")

    def test_product_without_category_uses_the_company_tolerance(self):
        self.steel.categ_id = False
        po = self.order(10.0)
        with self.assertRaisesRegex(UserError, "allowed 10.5 Units"):
            self.receive(po.picking_ids, 11.0)
        self.receive(po.picking_ids, 10.5)
        self.assertEqual(po.order_line.qty_received, 10.5)

    def test_other_company_receipt_cannot_be_approved(self):
        po = self.order(10.0)
        picking = po.picking_ids
        picking.move_ids.quantity = 12.0
        other = self.env["res.company"].create({"name": "Other Plant"})
        outsider = new_test_user(
            self.env,
            login="mes_or_other_manager",
            name="Olga Other",
            groups="purchase.group_purchase_manager,stock.group_stock_user",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        with self.assertRaises(AccessError):
            picking.with_user(outsider).action_mes_approve_over_receipt()
        self.assertEqual(picking.move_ids.mes_over_receipt_approved_qty, 0.0)
