import base64
from datetime import datetime

from psycopg2.errors import CheckViolation

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import MesCase


@tagged("post_install", "-at_install")
class TestStockReconciliation(MesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.stock = (
            env["stock.warehouse"]
            .search([("company_id", "=", env.company.id)], limit=1)
            .lot_stock_id
        )
        Location = env["stock.location"]
        cls.bin_a = Location.create(
            {"name": "Bin A", "usage": "internal", "location_id": cls.stock.id}
        )
        cls.bin_b = Location.create(
            {
                "name": "Bin B",
                "usage": "internal",
                "location_id": cls.stock.id,
                "barcode": "BIN-B",
            }
        )
        Product = env["product.product"]
        cls.bolt = Product.create(
            {
                "name": "Bolt",
                "default_code": "BOLT",
                "is_storable": True,
                "standard_price": 10.0,
            }
        )
        cls.glue = Product.create(
            {
                "name": "Glue",
                "default_code": "GLUE",
                "barcode": "5901234123457",
                "is_storable": True,
                "tracking": "lot",
                "standard_price": 250.0,
            }
        )
        cls.motor = Product.create(
            {
                "name": "Motor",
                "default_code": "MOTOR",
                "is_storable": True,
                "standard_price": 2000.0,
            }
        )
        cls.glue_lot = env["stock.lot"].create(
            {"name": "G-1", "product_id": cls.glue.id}
        )
        Quant = env["stock.quant"]
        Quant._update_available_quantity(cls.bolt, cls.bin_a, 100.0)
        Quant._update_available_quantity(cls.bolt, cls.bin_b, 20.0)
        Quant._update_available_quantity(cls.glue, cls.bin_a, 10.0, lot_id=cls.glue_lot)
        Quant._update_available_quantity(cls.motor, cls.bin_a, 5.0)

        def user(login, groups):
            return env["res.users"].create(
                {
                    "name": login,
                    "login": login,
                    "group_ids": [Command.set([env.ref(g).id for g in groups])],
                }
            )

        cls.clerk = user("clerk", ["stock.group_stock_user"])
        cls.stock_manager = user("stockman", ["stock.group_stock_manager"])
        cls.plant_manager = user(
            "plantman", ["stock.group_stock_user", "mrp.group_mrp_manager"]
        )
        cls.outsider = user("outsider", ["base.group_user"])

    def count(self, product, location, qty, lot=None, at=None):
        return self.env["mes.stock.count"].create(
            {
                "product_id": product.id,
                "location_id": location.id,
                "lot_id": lot.id if lot else False,
                "quantity": qty,
                "counted_at": at or datetime(2026, 3, 1, 8, 0),
            }
        )

    def new_run(self, user=None, **vals):
        Run = self.env["mes.stock.reconciliation"]
        if user:
            Run = Run.with_user(user)
        return Run.create(vals)

    def lines_by_key(self, run):
        return {
            (line.product_id.default_code, line.location_id.name, line.lot_id.name): (
                line.book_qty,
                line.counted_qty,
                line.difference,
                line.value,
            )
            for line in run.line_ids
        }

    def test_finds_every_seeded_discrepancy(self):
        self.count(self.bolt, self.bin_a, 90.0, at=datetime(2026, 3, 1, 7, 0))
        # the later count of the same place wins
        self.count(self.bolt, self.bin_a, 95.0, at=datetime(2026, 3, 1, 9, 0))
        self.count(self.bolt, self.bin_b, 0.0)  # all 20 missing
        self.count(self.glue, self.bin_a, 12.0, lot=self.glue_lot)  # 2 found
        self.count(self.motor, self.bin_a, 5.0)  # right: no line
        self.count(self.motor, self.bin_b, 1.0)  # not in the books at all
        run = self.new_run()
        run.action_compute()
        self.assertEqual(
            self.lines_by_key(run),
            {
                ("BOLT", "Bin A", False): (100.0, 95.0, -5.0, -50.0),
                ("BOLT", "Bin B", False): (20.0, 0.0, -20.0, -200.0),
                ("GLUE", "Bin A", "G-1"): (10.0, 12.0, 2.0, 500.0),
                ("MOTOR", "Bin B", False): (0.0, 1.0, 1.0, 2000.0),
            },
        )
        self.assertEqual(run.discrepancy_count, 4)
        self.assertEqual(run.value_total, 2250.0)
        self.assertEqual(run.value_abs_total, 2750.0)
        self.assertEqual(len(run.count_ids), 6)
        self.assertTrue(run.name.startswith("REC/"))

    def test_location_scope(self):
        self.count(self.bolt, self.bin_a, 99.0)
        self.count(self.bolt, self.bin_b, 19.0)
        run = self.new_run(location_ids=[Command.set(self.bin_b.ids)])
        run.action_compute()
        self.assertEqual(
            self.lines_by_key(run),
            {("BOLT", "Bin B", False): (20.0, 19.0, -1.0, -10.0)},
        )

    def test_small_adjustment_applies_without_review(self):
        self.count(self.bolt, self.bin_a, 95.0)
        self.count(self.glue, self.bin_a, 11.0, lot=self.glue_lot)
        run = self.new_run(user=self.clerk)
        run.action_compute()
        self.assertEqual(run.value_abs_total, 300.0)
        self.assertFalse(run.need_validation)
        run.action_apply()
        self.assertEqual(run.state, "done")
        self.assertEqual(
            self.bolt.with_context(location=self.bin_a.id).qty_available, 95
        )
        self.assertEqual(
            self.glue.with_context(
                location=self.bin_a.id, lot_id=self.glue_lot.id
            ).qty_available,
            11,
        )
        self.assertEqual(set(run.count_ids.mapped("state")), {"reconciled"})
        moves = self.env["stock.move"].search(
            [
                ("product_id", "in", (self.bolt | self.glue).ids),
                ("is_inventory", "=", True),
            ]
        )
        self.assertEqual(len(moves), 2)
        self.assertEqual(set(moves.mapped("reference")), {run.name})
        # the counts are used once: a new run finds nothing
        again = self.new_run()
        again.action_compute()
        self.assertFalse(again.line_ids)

    def test_adjustment_keeps_moves_made_after_the_count(self):
        self.count(self.bolt, self.bin_a, 95.0)
        run = self.new_run()
        run.action_compute()
        # 30 more arrive between the computation and the application
        self.env["stock.quant"]._update_available_quantity(self.bolt, self.bin_a, 30.0)
        run.action_apply()
        self.assertEqual(
            self.bolt.with_context(location=self.bin_a.id).qty_available, 125.0
        )

    def test_medium_value_needs_a_stock_manager(self):
        self.count(self.motor, self.bin_a, 3.0)  # -2 x 2000 = -4000
        run = self.new_run(user=self.clerk)
        run.action_compute()
        self.assertEqual(run.value_abs_total, 4000.0)
        self.assertTrue(run.need_validation)
        with self.assertRaisesRegex(ValidationError, "needs to be validated"):
            run.action_apply()
        self.assertEqual(
            self.motor.with_context(location=self.bin_a.id).qty_available, 5.0
        )
        run.request_validation()
        self.assertEqual(
            run.review_ids.definition_id,
            self.env.ref(
                "mes_inventory_mrp.tier_definition_reconciliation_stock_manager"
            ),
        )
        self.assertFalse(run.with_user(self.clerk).can_review)
        run.with_user(self.stock_manager).validate_tier()
        self.assertEqual(run.validation_status, "validated")
        run.with_user(self.clerk).action_apply()
        self.assertEqual(run.state, "done")
        self.assertEqual(
            self.motor.with_context(location=self.bin_a.id).qty_available, 3.0
        )

    def test_high_value_needs_a_plant_manager(self):
        self.count(self.motor, self.bin_a, 0.0)  # -5 x 2000 = -10000
        run = self.new_run()
        run.action_compute()
        run.request_validation()
        self.assertEqual(
            run.review_ids.definition_id,
            self.env.ref(
                "mes_inventory_mrp.tier_definition_reconciliation_plant_manager"
            ),
        )
        self.assertFalse(run.with_user(self.stock_manager).can_review)
        self.assertTrue(run.with_user(self.plant_manager).can_review)
        run.with_user(self.plant_manager).validate_tier()
        run.action_apply()
        self.assertEqual(
            self.motor.with_context(location=self.bin_a.id).qty_available, 0.0
        )

    def test_recompute_after_review_restarts_it(self):
        self.count(self.motor, self.bin_a, 3.0)
        run = self.new_run()
        run.action_compute()
        run.request_validation()
        self.assertTrue(run.review_ids)
        self.count(self.motor, self.bin_a, 4.9, at=datetime(2026, 3, 2))
        run.action_compute()
        self.assertFalse(run.review_ids)
        self.assertEqual(run.value_abs_total, 200.0)
        run.action_apply()
        self.assertEqual(run.state, "done")

    def test_apply_needs_a_computed_draft(self):
        run = self.new_run()
        with self.assertRaisesRegex(UserError, "compute it before applying"):
            run.action_apply()
        run.action_cancel()
        with self.assertRaisesRegex(UserError, "not a draft"):
            run.action_compute()

    def test_count_cannot_be_negative(self):
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(CheckViolation),
            self.env.cr.savepoint(),
        ):
            self.count(self.bolt, self.bin_a, -1.0)

    def test_access(self):
        with self.assertRaises(AccessError):
            self.new_run(user=self.outsider)
        with self.assertRaises(AccessError):
            self.env["mes.stock.count"].with_user(self.outsider).create(
                {
                    "product_id": self.bolt.id,
                    "location_id": self.bin_a.id,
                    "quantity": 1.0,
                }
            )
        run = self.new_run(user=self.clerk)
        with self.assertRaises(AccessError):
            run.with_user(self.clerk).unlink()

    def csv(self, text):
        return base64.b64encode(text.encode())

    def test_csv_import_all_or_nothing(self):
        bad = self.csv(
            "location,product,lot,quantity\n"
            "BIN-B,BOLT,,18\n"
            "WH/Stock/Bin A,NOPE,,1\n"
            "WH/Stock/Bin A,GLUE,,3\n"
            "WH/Stock/Bin A,BOLT,,-4\n"
        )
        wizard = self.env["mes.stock.count.import"].create({"file": bad})
        with self.assertRaises(UserError) as error:
            wizard.action_import()
        message = str(error.exception)
        self.assertIn("line 3: product NOPE unknown", message)
        self.assertIn("line 4: lot required", message)
        self.assertIn("line 5: quantity -4 is negative", message)
        self.assertNotIn("line 2", message)
        self.assertFalse(self.env["mes.stock.count"].search([]))

    def test_csv_import_creates_counts_and_reconciliation(self):
        good = self.csv(
            "location,product,lot,quantity,counted_at\n"
            "BIN-B,BOLT,,18,2026-03-01T06:00:00\n"
            "WH/Stock/Bin A,5901234123457,G-1,10,\n"
        )
        form = Form(self.env["mes.stock.count.import"].with_user(self.clerk))
        form.file = good
        wizard = form.save()
        action = wizard.action_import()
        run = self.env["mes.stock.reconciliation"].browse(action["res_id"])
        counts = run.count_ids
        self.assertEqual(len(counts), 2)
        self.assertEqual(set(counts.mapped("source")), {"import"})
        self.assertEqual(set(counts.mapped("origin")), {"CSV import"})
        self.assertEqual(min(counts.mapped("counted_at")), datetime(2026, 3, 1, 6, 0))
        self.assertEqual(
            self.lines_by_key(run),
            {("BOLT", "Bin B", False): (20.0, 18.0, -2.0, -20.0)},
        )
