"""Net change: the plan written as a difference, dirty marks, net-change runs
equal to a regenerative run, automatic net change, locks."""

import random
from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo import Command
from odoo.addons.mes_inventory_mrp.models.mes_mrp_run import LOCK_KEY, MesMrpRun
from odoo.exceptions import UserError
from odoo.sql_db import Cursor
from odoo.tests import tagged
from odoo.tests.common import freeze_time

from ..planning.writer import (
    MESSAGE_FIGURES,
    MESSAGE_IDENTITY,
    SUGGESTION_FIGURES,
    SUGGESTION_IDENTITY,
)
from .mrp_common import RUN_DATE, MrpCase, at, day

PLAN_TABLES = ("mes_mrp_suggestion", "mes_mrp_pegging", "mes_mrp_message")


@contextmanager
def count_plan_writes():
    """Count the INSERT, UPDATE and DELETE statements on the plan's tables."""
    counts = []
    execute = Cursor.execute

    def counting(cr, query, params=None, log_exceptions=True):
        text = str(query.code if hasattr(query, "code") else query).lstrip().upper()
        if text.startswith(("INSERT", "UPDATE", "DELETE")) and any(
            table.upper() in text.split("WHERE")[0] for table in PLAN_TABLES
        ):
            counts.append(text[:60])
        return execute(cr, query, params, log_exceptions)

    with patch.object(Cursor, "execute", counting):
        yield counts


@tagged("post_install", "-at_install")
class TestMrpNetChange(MrpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bolt = cls._product("Bolt")
        cls.bolt_seller = cls._seller(cls.bolt, delay=2)
        cls.nut = cls._product("Nut")
        cls._seller(cls.nut, delay=1)
        cls.frame = cls._product("Frame", make=True)
        cls.tube = cls._product("Tube")
        cls._seller(cls.tube, partner=cls.vendor2, delay=3)
        cls.frame_bom = cls._bom(cls.frame, [(cls.tube, 2.0), (cls.bolt, 4.0)])

    def _plan_run(self, mode="regenerative"):
        run = (
            self.env["mes.mrp.run"]
            .with_user(self.planner)
            .create({"planning_group_id": self.group.id, "mode": mode})
        )
        run.action_run()
        return run.sudo()

    def _dirty(self):
        self.env.cr.flush()
        return (
            self.env["mes.mrp.dirty"]
            .search([("planning_group_id", "=", self.group.id)])
            .product_id
        )

    def _new(self):
        return self.env["mes.mrp.suggestion"].search(
            [("planning_group_id", "=", self.group.id), ("state", "=", "new")],
            order="id",
        )

    # ------------------------------------------------------------------
    # The plan written as a difference
    # ------------------------------------------------------------------
    def test_rerun_on_unchanged_data_writes_no_row(self):
        self._delivery(self.bolt, 10.0, 5)
        self._delivery(self.frame, 3.0, 12)
        self._purchase(self.nut, 5.0, 20)
        first = self._plan_run()
        self.assertEqual(first.suggestion_count, 4)
        self.assertEqual(first.message_count, 1)  # cancel the unneeded nuts
        before = self._new()
        pegging = before.pegging_ids

        with count_plan_writes() as writes:
            again = self._plan_run()

        self.assertEqual(writes, [])
        self.assertEqual(again.rows_written, 0)
        self.assertEqual(again.suggestion_count, 4)
        self.assertEqual(self._new(), before)
        self.assertEqual(before.run_id, first)
        self.assertEqual(before.pegging_ids, pegging)
        # A net-change run with nothing changed returns at once.
        with count_plan_writes() as writes:
            net = self._plan_run("net_change")
        self.assertEqual(writes, [])
        self.assertRecordValues(
            net, [{"state": "done", "product_count": 0, "rows_written": 0}]
        )

    def test_changed_figures_are_updated_in_place(self):
        old = self._delivery(self.bolt, 10.0, 5)
        late = self._delivery(self.nut, 2.0, 8)
        first = self._plan_run()
        bolt_order = self._suggestions(self.bolt)
        nut_order = self._suggestions(self.nut)
        new = self._delivery(self.bolt, 5.0, 5)  # same day: the same order, more
        late.date = at(9)  # a new need date: another order

        second = self._plan_run("net_change")

        self.assertEqual(self._suggestions(self.bolt), bolt_order)
        self.assertRecordValues(
            bolt_order,
            [{"product_qty": 15.0, "purchase_qty": 15.0, "run_id": second.id}],
        )
        self.assertEqual(
            sorted(bolt_order.pegging_ids.mapped("product_qty")), [5.0, 10.0]
        )
        new_nut = self._suggestions(self.nut)
        self.assertNotEqual(new_nut, nut_order)
        self.assertFalse(nut_order.exists())
        self.assertEqual(new_nut.date_required, day(9))
        # bolt: 1 update + 1 peg (+ the old peg again when the new need sorts
        # first); nut: 1 delete (its peg goes with it) + 1 insert + 1 peg
        new_first = f"move:{new.id}" < f"move:{old.id}"
        self.assertEqual(second.rows_written, 7 if new_first else 5)
        self.assertEqual(second.product_count, 2)
        self.assertEqual(first.product_count, 2)

    def test_stable_ids_survive_an_unrelated_change(self):
        self._delivery(self.bolt, 10.0, 5)
        self._delivery(self.bolt, 6.0, 15)
        self._delivery(self.tube, 4.0, 7)
        self._plan_run()
        first, second = self._suggestions(self.bolt)
        tube = self._suggestions(self.tube)
        first.with_user(self.planner).action_approve()
        second.with_user(self.planner).note = "Ask HuaSteel for a better price"
        buyer = self.planner.with_context(active_ids=tube.ids)
        comparison = (
            self.env["mes.vendor.comparison"]
            .with_user(buyer)
            .create({"suggestion_ids": [Command.set(tube.ids)]})
        )
        lines = comparison.line_ids
        self.assertTrue(lines)

        self._delivery(self.nut, 3.0, 4)  # unrelated
        for mode in ("net_change", "regenerative"):
            with self.subTest(mode=mode):
                run = self._plan_run(mode)
                self.assertRecordValues(
                    first | second | tube,
                    [
                        {"state": "approved", "product_qty": 10.0, "note": False},
                        {
                            "state": "new",
                            "product_qty": 6.0,
                            "note": "Ask HuaSteel for a better price",
                        },
                        {"state": "new", "product_qty": 4.0, "note": False},
                    ],
                )
                self.assertEqual(self._suggestions(self.bolt), second)
                self.assertEqual(self._suggestions(self.tube), tube)
                self.assertEqual(comparison.suggestion_ids, tube)
                self.assertEqual(comparison.line_ids, lines)
                self.assertEqual(self._suggestions(self.nut).product_qty, 3.0)
        self.assertEqual(run.rows_written, 0)

    # ------------------------------------------------------------------
    # Dirty marks
    # ------------------------------------------------------------------
    def test_changes_mark_their_products(self):
        self._plan_run()
        self.assertFalse(self._dirty())
        checks = [
            ("delivery", lambda: self._delivery(self.bolt, 1.0, 3), self.bolt),
            ("stock", lambda: self._stock(self.nut, 2.0), self.nut),
            (
                "BOM line",
                lambda: self.frame_bom.bom_line_ids[0].write({"product_qty": 3.0}),
                self.frame | self.tube,
            ),
            ("vendor", lambda: self.bolt_seller.write({"min_qty": 50.0}), self.bolt),
            (
                "planning parameter",
                lambda: self.tube.write({"mes_safety_stock": 5.0}),
                self.tube,
            ),
            (
                "forecast",
                lambda: self.env["mes.mrp.forecast"].create(
                    {
                        "planning_group_id": self.group.id,
                        "product_id": self.nut.id,
                        "date": day(4),
                        "product_qty": 8.0,
                    }
                ),
                self.nut,
            ),
        ]
        for what, change, products in checks:
            with self.subTest(what=what):
                self.env["mes.mrp.dirty"].search([]).unlink()
                change()
                self.assertEqual(self._dirty(), products)
        # A run consumes the marks it planned.
        self._plan_run("net_change")
        self.assertFalse(self._dirty())
        # Approving a suggestion marks its product (it becomes supply).
        self._plan_run()
        self._suggestions(self.nut).with_user(self.planner).action_approve()
        self.assertEqual(self._dirty(), self.nut)

    def test_lot_quarantine_marks_and_replans(self):
        resin = self._product("Resin", tracking="lot")
        self._seller(resin)
        lot = self.env["stock.lot"].create(
            {
                "name": "R-1",
                "product_id": resin.id,
                "company_id": self.company.id,
                "mes_quality_state": "released",
            }
        )
        self._stock(resin, 10.0, lot=lot)
        self._delivery(resin, 6.0, 3)
        self._plan_run()
        self.assertFalse(self._suggestions(resin))
        self.env["mes.mrp.dirty"].search([]).unlink()

        lot.mes_set_quality_state("quarantine", "contaminated")

        self.assertEqual(self._dirty(), resin)
        run = self._plan_run("net_change")
        self.assertEqual(run.product_count, 1)
        self.assertEqual(self._suggestions(resin).product_qty, 6.0)

    def test_full_replan_when_marks_cannot_be_trusted(self):
        self._delivery(self.bolt, 10.0, 5)
        self._delivery(self.nut, 1.0, 5)
        self._plan_run()
        self.assertFalse(self.group.replan_all)
        # A module update: every group plans everything at its next net change.
        self.env["mes.mrp.planning.group"]._mes_replan_all_groups()
        self.assertTrue(self.group.replan_all)
        run = self._plan_run("net_change")
        self.assertEqual(run.product_count, 2)
        self.assertFalse(self.group.replan_all)
        # The group's own parameters too.
        self.group.sudo().horizon_days = 60
        self.assertTrue(self.group.replan_all)
        # And a new day: nothing changed but the run date moved everything.
        self._plan_run()
        with freeze_time(datetime(2030, 3, 5, 10)):
            self._delivery(self.nut, 1.0, 9)
            run = self._plan_run("net_change")
        self.assertEqual(run.product_count, 2)
        self.assertEqual(run.run_date, RUN_DATE + timedelta(days=1))

    def test_marks_survive_a_failed_run(self):
        self._delivery(self.bolt, 10.0, 5)
        self._plan_run()
        self._delivery(self.bolt, 5.0, 8)
        self.assertEqual(self._dirty(), self.bolt)

        def crash(run, result, inputs):
            raise RuntimeError("worker lost")

        with (
            patch.object(MesMrpRun, "_write_plan", crash),
            self.assertRaisesRegex(RuntimeError, "worker lost"),
            self.env.cr.savepoint(),
        ):
            self._plan_run("net_change")
        self.assertEqual(self._dirty(), self.bolt)
        run = self._plan_run("net_change")
        self.assertEqual(run.product_count, 1)
        self.assertEqual(
            self._rows(self._suggestions(self.bolt), ("product_qty", "date_required")),
            [(10.0, day(5)), (5.0, day(8))],
        )
        self.assertFalse(self._dirty())

    def test_a_bom_loop_keeps_the_marks(self):
        self._delivery(self.frame, 2.0, 9)
        self._plan_run()
        tube_bom = self._bom(self.tube, [(self.nut, 1.0)])
        self.tube.route_ids = [Command.link(self.manufacture_route.id)]
        # Odoo refuses a loop in the UI; imported data can still hold one.
        self.env.cr.execute(
            "UPDATE mrp_bom_line SET product_id = %s WHERE bom_id = %s",
            (self.frame.id, tube_bom.id),
        )
        self.env.invalidate_all()
        run = self._plan_run("net_change")
        self.assertEqual(run.state, "failed")
        self.assertEqual(self._dirty(), self.tube | self.nut)
        self.env.cr.execute(
            "UPDATE mrp_bom_line SET product_id = %s WHERE bom_id = %s",
            (self.nut.id, tube_bom.id),
        )
        self.env.invalidate_all()
        run = self._plan_run("net_change")
        self.assertEqual(run.state, "done")
        self.assertFalse(self._dirty())
        # The tube is made now, of nuts: 2 frames need 4 tubes, 4 nuts.
        self.assertEqual(
            self._rows(
                self._suggestions(self.tube) | self._suggestions(self.nut),
                ("action", "product_qty"),
            ),
            [("make", 4.0), ("buy", 4.0)],
        )

    def test_two_workers_never_run_the_same_group(self):
        # (No run before in this test: a run's lock lasts its transaction.)
        self._delivery(self.bolt, 10.0, 5)
        run = (
            self.env["mes.mrp.run"]
            .with_user(self.planner)
            .create({"planning_group_id": self.group.id, "mode": "net_change"})
        )
        with self.registry.cursor() as other:
            other.execute(
                "SELECT pg_try_advisory_xact_lock(%s, %s)", (LOCK_KEY, self.group.id)
            )
            self.assertTrue(other.fetchone()[0])
            with self.assertRaisesRegex(UserError, "being planned by another MRP run"):
                run.action_run()
            # The scheduled net change skips the busy group: its run fails,
            # the marks wait for the next call.
            self.group.sudo().auto_net_change = True
            with self.assertLogs(
                "odoo.addons.mes_inventory_mrp.models.mes_mrp_planning_group", "ERROR"
            ):
                self.env["mes.mrp.planning.group"]._cron_net_change()
            other.rollback()
        self.assertEqual(run.state, "draft")
        self.assertIn(self.bolt, self._dirty())
        run.action_run()
        self.assertEqual(run.state, "done")
        self.assertFalse(self._dirty())

    # ------------------------------------------------------------------
    # Automatic net change
    # ------------------------------------------------------------------
    def test_automatic_net_change(self):
        Group = self.env["mes.mrp.planning.group"]
        Run = self.env["mes.mrp.run"]
        group = self.group.sudo()
        self._plan_run()
        group.write({"auto_net_change": True, "net_change_interval": 5})
        self.assertFalse(group._mes_net_change_due())  # nothing changed
        self._delivery(self.bolt, 10.0, 5)

        Group._cron_net_change()

        run = Run.search([("planning_group_id", "=", group.id)], limit=1)
        self.assertRecordValues(
            run, [{"mode": "net_change", "trigger": "scheduled", "state": "done"}]
        )
        self.assertEqual(group.net_change_last, datetime(2030, 3, 4, 10))
        self.assertEqual(self._suggestions(self.bolt).product_qty, 10.0)
        # Within the interval nothing runs, even with changes.
        self._delivery(self.bolt, 2.0, 6)
        Group._cron_net_change()
        self.assertEqual(Run.search([], limit=1), run)
        with freeze_time(datetime(2030, 3, 4, 10, 6)):
            Group._cron_net_change()
            last = Run.search([], limit=1)
            self.assertNotEqual(last, run)
            self.assertEqual(last.product_count, 1)
            # Nothing changed since: no run at the next interval either.
        with freeze_time(datetime(2030, 3, 4, 10, 12)):
            Group._cron_net_change()
            self.assertEqual(Run.search([], limit=1), last)
        self.assertEqual(
            self._rows(self._suggestions(self.bolt), ("product_qty",)),
            [(10.0,), (2.0,)],
        )

    # ------------------------------------------------------------------
    # Identical to a full run (property test on generated plants)
    # ------------------------------------------------------------------
    def _snapshot(self):
        """The group's new plan by identity and figures, ids left out."""
        suggestions = self._new()
        names = SUGGESTION_IDENTITY + SUGGESTION_FIGURES

        def ident(record):
            return tuple(
                record[name].id if hasattr(record[name], "id") else record[name]
                for name in names
            )

        idents = {s.id: ident(s) for s in suggestions}
        pegs = sorted(
            (
                idents[p.suggestion_id.id],
                p.sequence,
                p.demand_type,
                p.move_id.id,
                p.forecast_id.id,
                idents.get(p.parent_suggestion_id.id, p.parent_suggestion_id.id),
                p.root_move_id.id,
                p.root_forecast_id.id,
                p.root_key,
                p.date,
                p.product_qty,
            )
            for p in suggestions.pegging_ids
        )
        messages = sorted(
            tuple(
                m[name].id if hasattr(m[name], "id") else m[name]
                for name in MESSAGE_IDENTITY + MESSAGE_FIGURES
            )
            for m in self.env["mes.mrp.message"].search(
                [("planning_group_id", "=", self.group.id), ("state", "=", "new")]
            )
        )
        return sorted(idents.values(), key=repr), pegs, messages

    def _random_plant(self, seed):
        """Bought parts (one lot-tracked), made parts on up to three levels
        and kits, with stock, deliveries, purchases, MOs and forecasts."""
        rng = random.Random(seed)
        bought = self.env["product.product"]
        for n in range(6):
            product = self._product(
                f"Part {seed}-{n}",
                mes_safety_stock=rng.choice((0.0, 0.0, 3.0)),
                mes_order_multiple=rng.choice((0.0, 0.0, 5.0)),
                mes_lot_days=rng.choice((0, 0, 3)),
                tracking="lot" if n == 0 else "none",
            )
            for partner in rng.sample([self.vendor, self.vendor2], rng.randint(1, 2)):
                self._seller(
                    product,
                    partner=partner,
                    min_qty=rng.choice((0.0, 0.0, 10.0)),
                    price=rng.randint(1, 9),
                    delay=rng.randint(0, 6),
                )
            bought |= product
        lots = self.env["stock.lot"].create(
            [
                {
                    "name": f"R{seed}-{n}",
                    "product_id": bought[0].id,
                    "company_id": self.company.id,
                    "mes_quality_state": "released",
                }
                for n in range(3)
            ]
        )
        for lot in lots:
            self._stock(bought[0], rng.randint(2, 9), lot=lot)
        lower = bought
        made = kits = self.env["product.product"]
        boms = self.env["mrp.bom"]
        for n in range(7):
            kit = n in (2, 5)
            product = self._product(f"Assembly {seed}-{n}", make=not kit)
            components = rng.sample(list(lower), rng.randint(1, 3))
            boms |= self._bom(
                product,
                [(c, float(rng.choice((1, 2, 3)))) for c in components],
                bom_type="phantom" if kit else "normal",
                produce_delay=rng.randint(0, 3),
            )
            if kit:
                kits |= product
            else:
                made |= product
            lower |= product
        deliverable = lower - kits
        for product in rng.sample(list(deliverable), 6):
            self._stock(product, rng.randint(1, 6))
        for _n in range(12):
            self._delivery(
                rng.choice(deliverable), rng.randint(1, 9), rng.randint(-2, 40)
            )
        purchases = self.env["purchase.order"]
        for _n in range(3):
            purchases |= self._purchase(
                rng.choice(bought), rng.randint(2, 12), rng.randint(1, 30)
            )
        productions = self.env["mrp.production"]
        for product in rng.sample(list(made), 3):
            production = self.env["mrp.production"].create(
                {
                    "product_id": product.id,
                    "product_qty": rng.randint(1, 4),
                    "date_start": at(rng.randint(1, 20)),
                }
            )
            production.action_confirm()
            productions |= production
        forecasts = self.env["mes.mrp.forecast"].create(
            [
                {
                    "planning_group_id": self.group.id,
                    "product_id": rng.choice(deliverable).id,
                    "date": day(rng.randint(0, 50)),
                    "product_qty": rng.randint(1, 15),
                }
                for _n in range(3)
            ]
        )
        return rng, {
            "products": deliverable,
            "purchases": purchases,
            "productions": productions,
            "forecasts": forecasts,
            "lots": lots,
            "boms": boms,
        }

    def _random_change(self, rng, plant):
        kind = rng.choice(
            [
                "delivery",
                "po_moved",
                "mo_cancelled",
                "bom_qty",
                "vendor_min",
                "lot_quarantined",
                "forecast",
            ]
        )
        if kind == "delivery":
            self._delivery(
                rng.choice(plant["products"]), rng.randint(1, 9), rng.randint(0, 45)
            )
        elif kind == "po_moved":
            moves = plant["purchases"].picking_ids.move_ids
            if moves:
                rng.choice(moves).date = at(rng.randint(0, 40))
        elif kind == "mo_cancelled":
            open_mos = plant["productions"].filtered(lambda p: p.state != "cancel")
            if open_mos:
                rng.choice(open_mos).action_cancel()
        elif kind == "bom_qty":
            lines = plant["boms"].bom_line_ids
            if lines:
                rng.choice(lines).product_qty = rng.choice((1.0, 2.0, 3.0, 0.5))
        elif kind == "vendor_min":
            sellers = plant["products"].product_tmpl_id.seller_ids
            if sellers:
                rng.choice(sellers).min_qty = rng.choice((0.0, 7.0, 20.0, 60.0))
        elif kind == "lot_quarantined":
            rng.choice(plant["lots"]).mes_set_quality_state(
                rng.choice(("quarantine", "released")), "inspection"
            )
        else:
            rng.choice(plant["forecasts"]).product_qty = rng.randint(0, 20)
        return kind

    def test_net_change_equals_regenerative_on_generated_plants(self):
        replanned = []
        written = []
        for seed in (1, 2, 3):
            with self.subTest(seed=seed):
                rng, plant = self._random_plant(seed)
                self._plan_run()
                for step in range(8):
                    kinds = [
                        self._random_change(rng, plant)
                        for _n in range(rng.randint(1, 2))
                    ]
                    net = self._plan_run("net_change")
                    self.assertEqual(net.state, "done", net.error_message)
                    replanned.append(net.product_count)
                    written.append(net.rows_written)
                    after_net = self._snapshot()
                    full = self._plan_run()
                    self.assertEqual(
                        self._snapshot(), after_net, f"step {step}: {kinds}"
                    )
                    self.assertEqual(full.rows_written, 0, f"step {step}: {kinds}")
        # Net change planned fewer products than the plant holds, most times.
        self.assertLess(min(replanned), full.product_count)
        self.assertGreater(sum(written), 0)

    # ------------------------------------------------------------------
    # Projects that hold stock plan apart (issue 20) under net change too
    # ------------------------------------------------------------------
    def test_net_change_equals_regenerative_with_projects(self):
        Project = self.env["project.project"]
        shared = Project.create({"name": "Shared Press", "mes_hold_stock": True})
        alone = Project.create(
            {"name": "Own Tunnel", "mes_hold_stock": True, "mes_use_free_stock": False}
        )
        self._stock(self.bolt, 6, shared._mes_stock_location(self.warehouse))
        self._stock(self.bolt, 3, alone._mes_stock_location(self.warehouse))
        self._stock(self.bolt, 10)
        self._project_delivery(self.frame, 2, 6, shared)
        self._project_delivery(self.frame, 3, 6, alone)
        self._delivery(self.frame, 1, 6)
        self._delivery(self.bolt, 5, 8)
        self._plan_run()
        projects = set(self._new().project_id)
        self.assertEqual(projects, {shared, alone})
        changes = [
            lambda: self._project_delivery(self.frame, 4, 9, alone),
            lambda: self._project_delivery(self.bolt, 7, 4, shared),
            lambda: self._delivery(self.frame, 2, 6),
            lambda: setattr(shared, "mes_use_free_stock", False),
        ]
        for step, change in enumerate(changes):
            change()
            net = self._plan_run("net_change")
            self.assertEqual(net.state, "done", net.error_message)
            after_net = self._snapshot()
            full = self._plan_run()
            self.assertEqual(self._snapshot(), after_net, f"step {step}")
            self.assertEqual(full.rows_written, 0, f"step {step}")
        # The project that may not use free stock buys for itself alone.
        alone_bolts = self._new().filtered(
            lambda s: s.product_id == self.bolt and s.project_id == alone
        )
        self.assertEqual(sum(alone_bolts.mapped("product_qty")), 4 * (3 + 4) - 3)
