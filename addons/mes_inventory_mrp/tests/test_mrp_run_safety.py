from odoo.addons.mes_inventory_mrp.models.mes_mrp_run import LOCK_KEY
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import tagged

from .mrp_common import MrpCase, at, day


@tagged("post_install", "-at_install")
class TestMrpRunSafety(MrpCase):
    """Locks, background runs, access rights, companies and query counts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clerk = cls.env["res.users"].create(
            {
                "name": "Stock Clerk Sam",
                "login": "mes_clerk_sam",
                "group_ids": [Command.set([cls.env.ref("stock.group_stock_user").id])],
            }
        )

    def test_second_run_of_a_group_is_refused(self):
        run = (
            self.env["mes.mrp.run"]
            .with_user(self.planner)
            .create({"planning_group_id": self.group.id})
        )
        # Another worker holds the group's lock (as a run in progress does).
        with self.registry.cursor() as other:
            other.execute(
                "SELECT pg_try_advisory_xact_lock(%s, %s)", (LOCK_KEY, self.group.id)
            )
            self.assertTrue(other.fetchone()[0])
            with self.assertRaises(UserError) as caught:
                run.action_run()
            other.rollback()
        self.assertEqual(
            str(caught.exception),
            "Planning group %s is being planned by another MRP run: wait until it "
            "ends, then run again." % self.group.display_name,
        )
        self.assertEqual(run.state, "draft")
        # Lock released: the run goes through.
        run.action_run()
        self.assertEqual(run.state, "done")

    def test_run_in_background(self):
        bolt = self._product("Bolt")
        self._seller(bolt)
        self._delivery(bolt, 4.0, 2)
        runs = (
            self.env["mes.mrp.run"]
            .with_user(self.planner)
            .create([{"planning_group_id": self.group.id}] * 2)
        )
        runs[0].action_run_background()
        self.assertTrue(runs[0].in_queue)
        self.assertEqual(runs[0].state, "draft")
        with self.assertRaisesRegex(UserError, "already has a run in progress"):
            runs[1].action_run_background()
        with self.assertRaisesRegex(UserError, "already started"):
            runs[0].action_run_background()

        self.env["mes.mrp.run"]._cron_run_queued()

        self.assertEqual(runs[0].state, "done")
        self.assertFalse(runs[0].in_queue)
        self.assertEqual(runs[0].progress, 100.0)
        self.assertEqual(
            self._rows(self._suggestions(bolt), ("product_qty", "date_required")),
            [(4.0, day(2))],
        )
        self.assertEqual(runs[1].state, "draft")

    def test_stock_user_cannot_run_or_approve(self):
        bolt = self._product("Bolt")
        self._seller(bolt)
        self._delivery(bolt, 4.0, 2)
        with self.assertRaises(AccessError):
            self.env["mes.mrp.run"].with_user(self.clerk).create(
                {"planning_group_id": self.group.id}
            )
        run = (
            self.env["mes.mrp.run"]
            .with_user(self.planner)
            .create({"planning_group_id": self.group.id})
        )
        with self.assertRaisesRegex(AccessError, "Only MRP planners can run the MRP"):
            run.with_user(self.clerk).action_run()
        with self.assertRaises(AccessError):
            run.with_user(self.clerk).action_run_background()
        with self.assertRaises(AccessError):
            self.group.with_user(self.clerk).action_run_mrp()
        run.action_run()
        # Stock users read suggestions, but cannot approve or change them.
        suggestion = (
            self.env["mes.mrp.suggestion"]
            .with_user(self.clerk)
            .search([("product_id", "=", bolt.id)])
        )
        self.assertEqual(suggestion.product_qty, 4.0)
        with self.assertRaisesRegex(AccessError, "Only MRP planners can approve"):
            suggestion.action_approve()
        with self.assertRaises(AccessError):
            suggestion.write({"product_qty": 9.0})
        self.assertEqual(suggestion.state, "new")

    def test_approve_checks(self):
        orphan = self._product("Orphan")
        self._delivery(orphan, 1.0, 2)
        self._run()
        suggestion = self._suggestions(orphan).with_user(self.planner)
        with self.assertRaisesRegex(UserError, "has no source"):
            suggestion.action_approve()
        suggestion.action_cancel()
        with self.assertRaisesRegex(UserError, "Only new suggestions can be approved"):
            suggestion.action_approve()

    def test_multi_company(self):
        company_b = self.env["res.company"].create({"name": "Plant B"})
        group_b = self.env["mes.mrp.planning.group"].search(
            [("company_id", "=", company_b.id)]
        )
        warehouse_b = self.env["stock.warehouse"].search(
            [("company_id", "=", company_b.id)]
        )
        self.assertEqual(group_b.warehouse_ids, warehouse_b)
        self.planner.company_ids = [Command.link(company_b.id)]
        shared = self._product("Shared part")
        self._seller(shared, company_id=self.company.id)
        self._seller(shared, partner=self.vendor2, sequence=20, company_id=False)
        # Company A has plenty; company B has a delivery of its own.
        self._stock(shared, 100.0)
        self._move(
            shared.with_company(company_b),
            5.0,
            at(3),
            source=warehouse_b.lot_stock_id,
            picking_type=warehouse_b.out_type_id,
        )

        run_b = (
            self.env["mes.mrp.run"]
            .with_user(self.planner)
            .with_context(allowed_company_ids=[company_b.id, self.company.id])
            .create({"planning_group_id": group_b.id})
        )
        run_b.action_run()
        self._run()

        suggestions = self.env["mes.mrp.suggestion"].search(
            [("product_id", "=", shared.id)]
        )
        self.assertEqual(
            self._rows(
                suggestions, ("company_id", "partner_id", "product_qty", "warehouse_id")
            ),
            [(company_b, self.vendor2, 5.0, warehouse_b)],
        )
        # A user of company A only sees nothing of company B's plan.
        only_a = self.env["res.users"].create(
            {
                "name": "Planner A",
                "login": "mes_planner_a",
                "company_id": self.company.id,
                "company_ids": [Command.set(self.company.ids)],
                "group_ids": [
                    Command.set(
                        [self.env.ref("mes_inventory_mrp.group_mrp_planner").id]
                    )
                ],
            }
        )
        for model in ("mes.mrp.suggestion", "mes.mrp.run", "mes.mrp.planning.group"):
            records = self.env[model].with_user(only_a).search([])
            self.assertNotIn(company_b, records.company_id, model)

    def _make_products(self, count, prefix):
        products = self.env["product.product"].create(
            [
                {"name": "%s %03d" % (prefix, i), "is_storable": True}
                for i in range(count)
            ]
        )
        self.env["product.supplierinfo"].create(
            [
                {
                    "partner_id": self.vendor.id,
                    "product_tmpl_id": product.product_tmpl_id.id,
                    "delay": 0,
                }
                for product in products
            ]
        )
        for product in products:
            self._stock(product, 1.0)
            self._delivery(product, 3.0, 5)
        return products

    def test_query_count_does_not_grow_with_products(self):
        self._make_products(10, "Small")
        self._count_run_queries()  # warm the caches the new data emptied
        small, small_run = self._count_run_queries()
        self._make_products(90, "Large")
        self._count_run_queries()
        large, large_run = self._count_run_queries()
        self.assertEqual(small_run.suggestion_count, 10)
        self.assertEqual(large_run.suggestion_count, 100)
        self.assertEqual(large_run.product_count, 100)
        self.assertEqual(
            large, small, "queries: %s for 10, %s for 100" % (small, large)
        )
