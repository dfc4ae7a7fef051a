from datetime import datetime

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tests.common import TransactionCase, new_test_user


@tagged("post_install", "-at_install")
class TestFrozenLocation(TransactionCase):
    """Starting a count freezes its locations: nothing moves in or out,
    reservations skip them, the MRP still nets them; applying or cancelling
    the count unfreezes them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company = env.company
        cls.warehouse = env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.stock = cls.warehouse.lot_stock_id
        Location = env["stock.location"]
        cls.bin_a = Location.create(
            {"name": "Bin A", "usage": "internal", "location_id": cls.stock.id}
        )
        cls.bin_a1 = Location.create(
            {"name": "Shelf 1", "usage": "internal", "location_id": cls.bin_a.id}
        )
        cls.bin_b = Location.create(
            {"name": "Bin B", "usage": "internal", "location_id": cls.stock.id}
        )
        cls.bolt = env["product.product"].create(
            {"name": "Bolt", "default_code": "BOLT", "is_storable": True}
        )
        Quant = env["stock.quant"]
        Quant._update_available_quantity(cls.bolt, cls.bin_a, 10.0)
        Quant._update_available_quantity(cls.bolt, cls.bin_b, 3.0)
        cls.clerk = new_test_user(
            env,
            login="mes_fz_clerk",
            name="Carl Clerk",
            groups="stock.group_stock_user",
        )
        cls.stock_manager = new_test_user(
            env,
            login="mes_fz_manager",
            name="Sam Stockman",
            groups="stock.group_stock_manager",
        )
        cls.planner = new_test_user(
            env,
            login="mes_fz_planner",
            name="Pia Planner",
            groups="mes_inventory_mrp.group_mrp_planner,stock.group_stock_user",
        )
        cls.customer = env["res.partner"].create({"name": "Customer"})

    def start_count(self, *locations, user=None):
        """The clerk creates a reconciliation for the locations and starts
        the count, as on the form."""
        Run = self.env["mes.stock.reconciliation"].with_user(user or self.clerk)
        with Form(Run) as form:
            for location in locations:
                form.location_ids.add(location)
        run = form.record
        run.action_start_count()
        return run

    def transfer(self, source, dest, qty, picking_type=None):
        picking_type = picking_type or self.warehouse.int_type_id
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": picking_type.id,
                "location_id": source.id,
                "location_dest_id": dest.id,
                "partner_id": self.customer.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": self.bolt.id,
                            "product_uom_qty": qty,
                            "location_id": source.id,
                            "location_dest_id": dest.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        return picking

    def test_starting_a_count_freezes_the_location_and_below(self):
        run = self.start_count(self.bin_a)
        self.assertTrue(self.bin_a.mes_frozen)
        self.assertTrue(self.bin_a1.mes_frozen)
        self.assertFalse(self.bin_b.mes_frozen)
        self.assertEqual(self.bin_a.mes_frozen_reconciliation_id, run)
        self.assertEqual(self.bin_a.mes_frozen_user_id, self.clerk)
        self.assertEqual(run.frozen_location_ids, self.bin_a | self.bin_a1)
        self.assertTrue(run.date_count_started)

    def test_transfer_out_refused(self):
        picking = self.transfer(self.bin_a, self.bin_b, 4.0)
        picking.action_assign()
        self.assertEqual(picking.move_ids.quantity, 4.0)  # reserved before
        run = self.start_count(self.bin_a)
        with self.assertRaises(UserError) as error:
            picking.with_user(self.clerk).button_validate()
        message = str(error.exception)
        self.assertIn("out of WH/Stock/Bin A", message)
        self.assertIn("frozen for count %s" % run.name, message)
        self.assertEqual(picking.state, "assigned")

    def test_receipt_into_frozen_location_refused(self):
        self.start_count(self.bin_a)
        receipt = self.transfer(
            self.env.ref("stock.stock_location_suppliers"),
            self.bin_a,
            5.0,
            picking_type=self.warehouse.in_type_id,
        )
        receipt.move_ids.quantity = 5.0
        with self.assertRaisesRegex(UserError, "into WH/Stock/Bin A"):
            receipt.with_user(self.clerk).button_validate()
        self.assertEqual(
            self.env["stock.quant"]._get_available_quantity(self.bolt, self.bin_a),
            10.0,
        )

    def test_reservation_skips_frozen_stock(self):
        self.start_count(self.bin_a)
        delivery = self.transfer(
            self.stock,
            self.env.ref("stock.stock_location_customers"),
            5.0,
            picking_type=self.warehouse.out_type_id,
        )
        delivery.action_assign()
        self.assertEqual(delivery.move_ids.quantity, 3.0)
        self.assertEqual(delivery.move_ids.move_line_ids.location_id, self.bin_b)
        self.assertEqual(delivery.state, "assigned")  # partially available

    def test_mrp_still_nets_frozen_stock(self):
        self.start_count(self.bin_a)
        group = self.env["mes.mrp.planning.group"].search(
            [("warehouse_ids", "in", self.warehouse.ids)], limit=1
        )
        self.transfer(
            self.stock,
            self.env.ref("stock.stock_location_customers"),
            15.0,
            picking_type=self.warehouse.out_type_id,
        )
        run = (
            self.env["mes.mrp.run"]
            .with_user(self.planner)
            .create({"planning_group_id": group.id})
        )
        run.action_run()
        suggestions = run.suggestion_ids.filtered(lambda s: s.product_id == self.bolt)
        # 15 needed, 10 frozen + 3 on hand: 2 to get
        self.assertEqual(sum(suggestions.mapped("product_qty")), 2.0)

    def test_applying_the_count_unfreezes(self):
        run = self.start_count(self.bin_a)
        self.env["mes.stock.count"].create(
            {
                "product_id": self.bolt.id,
                "location_id": self.bin_a.id,
                "quantity": 9.0,
                "counted_at": datetime(2026, 3, 1, 8, 0),
            }
        )
        run = run.with_user(self.clerk)
        run.action_compute()
        run.action_apply()  # the adjustment itself moves in the frozen location
        self.assertEqual(run.state, "done")
        self.assertFalse(self.bin_a.mes_frozen)
        self.assertFalse(self.bin_a1.mes_frozen)
        self.assertFalse(self.bin_a.mes_frozen_reconciliation_id)
        self.assertEqual(
            self.env["stock.quant"]._get_available_quantity(self.bolt, self.bin_a),
            9.0,
        )
        picking = self.transfer(self.bin_a, self.bin_b, 4.0)
        picking.action_assign()
        picking.with_user(self.clerk).button_validate()
        self.assertEqual(picking.state, "done")

    def test_cancelling_the_count_unfreezes(self):
        run = self.start_count(self.bin_a)
        run.with_user(self.clerk).action_cancel()
        self.assertFalse(self.bin_a.mes_frozen)

    def test_count_start_needs_locations_and_no_other_count(self):
        Run = self.env["mes.stock.reconciliation"].with_user(self.clerk)
        with self.assertRaisesRegex(UserError, "choose the locations to count"):
            Run.create({}).action_start_count()
        first = self.start_count(self.bin_a)
        with self.assertRaisesRegex(UserError, "already started"):
            first.action_start_count()
        with self.assertRaisesRegex(UserError, "already frozen"):
            self.start_count(self.stock)
        self.assertFalse(self.stock.mes_frozen)
        self.assertFalse(self.bin_b.mes_frozen)

    def test_start_count_from_the_location(self):
        action = self.bin_b.with_user(self.clerk).action_mes_start_count()
        run = self.env["mes.stock.reconciliation"].browse(action["res_id"])
        self.assertEqual(run.location_ids, self.bin_b)
        self.assertTrue(self.bin_b.mes_frozen)

    def test_manual_freeze_by_stock_manager_only(self):
        with self.assertRaises(AccessError):
            self.bin_b.with_user(self.clerk).action_mes_freeze()
        with self.assertRaises(AccessError):
            self.bin_b.with_user(self.clerk).write({"mes_frozen": True})
        self.bin_b.with_user(self.stock_manager).action_mes_freeze()
        self.assertTrue(self.bin_b.mes_frozen)
        self.assertFalse(self.bin_b.mes_frozen_reconciliation_id)
        self.start_count(self.bin_a)
        with self.assertRaises(AccessError):
            self.bin_a.with_user(self.clerk).action_mes_unfreeze()
        self.bin_a.with_user(self.stock_manager).action_mes_unfreeze()
        self.assertFalse(self.bin_a.mes_frozen)
        self.assertFalse(self.bin_a1.mes_frozen)
        with self.assertRaisesRegex(UserError, "not an internal location"):
            self.env.ref("stock.stock_location_customers").with_user(
                self.stock_manager
            ).action_mes_freeze()
