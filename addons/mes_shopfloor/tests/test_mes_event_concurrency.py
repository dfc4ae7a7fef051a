"""Real parallel transactions against PostgreSQL.

These tests commit their data (threads with their own cursors only see
committed rows) and remove it afterwards; they do not run inside the usual
test transaction.
"""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from psycopg2 import errors as pg_errors

from odoo import api
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.orm.environments import Transaction
from odoo.tests import tagged
from odoo.tests.common import BaseCase, get_db_name
from odoo.tools import SQL, mute_logger

ADMIN_UID = 2


class MesEventConcurrencyCase(BaseCase):
    """Committed fixture (products, lots, two confirmed orders) shared by the
    tests of a class, purged at its end."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        cls.tag = uuid.uuid4().hex[:6].upper()
        cls.addClassCleanup(cls._purge)
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, ADMIN_UID, {})
            stock = (
                env["stock.warehouse"]
                .search([("company_id", "=", env.company.id)], limit=1)
                .lot_stock_id
            )
            Location = env["stock.location"]
            line = Location.create(
                {
                    "name": f"Line C{cls.tag}",
                    "usage": "internal",
                    "location_id": stock.id,
                }
            )
            dests = Location.create(
                [
                    {
                        "name": f"Cell C{cls.tag}-{i}",
                        "usage": "internal",
                        "location_id": stock.id,
                    }
                    for i in range(8)
                ]
            )
            Product = env["product.product"]
            comp = Product.create(
                {
                    "name": f"Resin C{cls.tag}",
                    "default_code": f"RES-C{cls.tag}",
                    "is_storable": True,
                    "tracking": "lot",
                }
            )
            bolt = Product.create({"name": f"Bolt C{cls.tag}", "is_storable": True})
            finished = Product.create(
                {
                    "name": f"Pump C{cls.tag}",
                    "is_storable": True,
                    "tracking": "serial",
                }
            )
            lot = env["stock.lot"].create(
                {"name": f"L-C{cls.tag}", "product_id": comp.id}
            )
            env["stock.quant"]._update_available_quantity(comp, line, 100.0, lot_id=lot)
            env["stock.quant"]._update_available_quantity(bolt, line, 10.0)
            bom = env["mrp.bom"].create(
                {
                    "product_tmpl_id": finished.product_tmpl_id.id,
                    "product_qty": 1.0,
                    "bom_line_ids": [
                        Command.create({"product_id": comp.id, "product_qty": 10.0})
                    ],
                }
            )
            # two orders of 5 (50 units of the lot each, reserved at confirm)
            mos = env["mrp.production"].create(
                [
                    {
                        "product_id": finished.id,
                        "bom_id": bom.id,
                        "product_qty": 5.0,
                        "location_src_id": stock.id,
                    }
                    for _i in range(2)
                ]
            )
            mos.action_confirm()
            cls.ids = {
                "stock": stock.id,
                "line": line.id,
                "dests": dests.ids,
                "comp": comp.id,
                "bolt": bolt.id,
                "finished": finished.id,
                "lot": lot.id,
                "mo": mos[0].id,
                "mos": mos.ids,
                "bom": bom.id,
                "extra_locations": [],
            }

    @classmethod
    def _purge(cls):
        """Remove what the class committed (and what its events created)."""
        ids = cls.ids
        products = (ids["comp"], ids["bolt"], ids["finished"])
        locations = (ids["line"], *ids["dests"], *ids["extra_locations"])
        with cls.registry.cursor() as cr:
            for query in (
                SQL(
                    "DELETE FROM stock_move_line WHERE product_id IN %s",
                    products,
                ),
                SQL("DELETE FROM stock_move WHERE product_id IN %s", products),
                SQL("DELETE FROM stock_scrap WHERE product_id IN %s", products),
                SQL("DELETE FROM stock_quant WHERE product_id IN %s", products),
                SQL("DELETE FROM mes_event WHERE source LIKE %s", f"c{cls.tag}%"),
                SQL("DELETE FROM mrp_production WHERE id IN %s", tuple(ids["mos"])),
                SQL("DELETE FROM mrp_bom WHERE id = %s", ids["bom"]),
                SQL("DELETE FROM stock_lot WHERE product_id IN %s", products),
                SQL(
                    "UPDATE product_product SET active = FALSE WHERE id IN %s",
                    products,
                ),
                SQL(
                    "UPDATE stock_location SET active = FALSE WHERE id IN %s",
                    locations,
                ),
            ):
                cr.execute(query)

    def run_parallel(self, workers, job):
        """Run ``job(index, env)`` in ``workers`` threads, each with its own
        cursor, started together; returns their results (or exceptions)."""
        barrier = threading.Barrier(workers)

        def run(index):
            with self.registry.cursor() as cr:
                env = self.env_for(cr)
                barrier.wait(timeout=10)
                try:
                    return job(index, env)
                except Exception as exc:
                    cr.rollback()
                    return exc

        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(run, range(workers)))

    def env_for(self, cr):
        # the test runner holds the registry lock: bind the cursor ourselves
        cr.transaction = Transaction(self.registry)
        return api.Environment(cr, ADMIN_UID, {})

    def fetch(self, query):
        with self.registry.cursor() as cr:
            cr.execute(query)
            return cr.fetchall()


@tagged("post_install", "-at_install")
class TestMesEventConcurrency(MesEventConcurrencyCase):
    def test_eight_workers_consume_the_same_lot(self):
        """8 workers x 3 consumptions of 5 units (120) of one lot of 100 at
        the line, for two orders that reserved 50 each: exactly 20 events
        apply (10 per order), 4 are refused, the lot ends at 0 and no quant
        is ever negative."""
        ids = self.ids

        def job(index, env):
            # one event per request: a batch is applied at once under its
            # locks, so only separate requests interleave between workers
            # (batches of three: test_eight_workers_batches_of_three)
            events = [
                {
                    "type": "consume",
                    "source": f"c{self.tag}-w{index}",
                    "external_id": f"{n}",
                    "production_id": ids["mos"][index % 2],
                    "product_id": ids["comp"],
                    "lot_id": ids["lot"],
                    "location_id": ids["line"],
                    "quantity": 5,
                }
                for n in range(3)
            ]
            return [
                result
                for event in events
                for result in env["mes.event"].mes_process_events([event])
            ]

        with mute_logger("odoo.sql_db"):
            outcomes = self.run_parallel(8, job)
        for outcome in outcomes:
            self.assertIsInstance(outcome, list, outcome)
        results = [r for outcome in outcomes for r in outcome]
        applied = [r for r in results if r["status"] == "applied"]
        refused = [r for r in results if r["status"] == "error"]
        self.assertEqual(len(applied), 20, results)
        self.assertEqual(len(refused), 4, results)
        for result in refused:
            self.assertEqual(result["field"], "quantity")
            self.assertIn("only 0.0 free", result["error"])
        line_qty = self.fetch(
            SQL(
                "SELECT COALESCE(SUM(quantity), 0),"
                " COUNT(*) FILTER (WHERE quantity < 0) FROM stock_quant"
                " WHERE product_id = %s AND location_id = %s",
                ids["comp"],
                ids["line"],
            )
        )[0]
        self.assertEqual(line_qty, (0.0, 0))
        consumed = self.fetch(
            SQL(
                "SELECT raw_material_production_id, SUM(quantity) FROM stock_move"
                " WHERE raw_material_production_id IN %s AND state = 'done'"
                " GROUP BY raw_material_production_id ORDER BY 1",
                tuple(ids["mos"]),
            )
        )
        self.assertEqual(consumed, [(ids["mos"][0], 50.0), (ids["mos"][1], 50.0)])
        events = self.fetch(
            SQL(
                "SELECT state, COUNT(*) FROM mes_event WHERE source LIKE %s"
                " GROUP BY state ORDER BY state",
                f"c{self.tag}-w%",
            )
        )
        self.assertEqual(events, [("applied", 20), ("failed", 4)])
        # every applied event posted exactly one done move
        posted = self.fetch(
            SQL(
                "SELECT COUNT(*), SUM(m.quantity) FROM stock_move m JOIN mes_event e"
                " ON e.id = m.mes_event_id WHERE e.source LIKE %s AND m.state = 'done'",
                f"c{self.tag}-w%",
            )
        )[0]
        self.assertEqual(posted, (20, 100.0))

    def test_two_reservations_for_the_last_ten_units(self):
        ids = self.ids
        with self.registry.cursor() as cr:
            env = self.env_for(cr)
            moves = env["stock.move"].create(
                [
                    {
                        "product_id": ids["bolt"],
                        "product_uom_qty": 10.0,
                        "location_id": ids["line"],
                        "location_dest_id": ids["dests"][i],
                    }
                    for i in range(2)
                ]
            )
            moves._action_confirm(merge=False)
            move_ids = moves.ids

        def job(index, env):
            move = env["stock.move"].browse(move_ids[index])
            move._action_assign()
            env.cr.commit()
            return move.quantity

        with mute_logger("odoo.sql_db"):
            outcomes = self.run_parallel(2, job)
        failed = [o for o in outcomes if isinstance(o, Exception)]
        reserved = [o for o in outcomes if not isinstance(o, Exception)]
        for exc in failed:
            # the loser failed cleanly: a serialization failure, rolled back
            self.assertIsInstance(
                exc, (pg_errors.SerializationFailure, pg_errors.LockNotAvailable)
            )
        self.assertEqual(sorted(reserved), [10.0] if failed else [0.0, 10.0])
        states = self.fetch(
            SQL(
                "SELECT state, quantity FROM stock_move WHERE id IN %s ORDER BY id",
                tuple(move_ids),
            )
        )
        self.assertEqual(sorted(q for _s, q in states), [0.0, 10.0])
        quant = self.fetch(
            SQL(
                "SELECT SUM(quantity), SUM(reserved_quantity) FROM stock_quant"
                " WHERE product_id = %s AND location_id = %s",
                ids["bolt"],
                ids["line"],
            )
        )[0]
        self.assertEqual(quant, (10.0, 10.0))

    def test_the_same_serial_is_never_created_twice(self):
        ids = self.ids

        def produce(index, env):
            return env["mes.event"].mes_process_events(
                [
                    {
                        "type": "produce",
                        "source": f"c{self.tag}-sn",
                        "external_id": f"p{index}",
                        "production_id": ids["mo"],
                        "serials": [f"SN-C{self.tag}"],
                    }
                ]
            )[0]

        results = self.run_parallel(2, produce)
        self.assertEqual(
            sorted(r["status"] for r in results), ["applied", "error"], results
        )
        loser = next(r for r in results if r["status"] == "error")
        self.assertEqual(loser["field"], "serials")
        self.assertIn("already exist", loser["error"])
        count = self.fetch(
            SQL("SELECT COUNT(*) FROM stock_lot WHERE name = %s", f"SN-C{self.tag}")
        )[0][0]
        self.assertEqual(count, 1)

    def test_database_refuses_a_duplicate_serial(self):
        """The host checks lot names in Python only: two transactions creating
        the same serial at once both pass it; the unique index stops one."""
        ids = self.ids
        name = f"DB-C{self.tag}"

        def create(index, env):
            env["stock.lot"].create({"name": name, "product_id": ids["finished"]})
            env.cr.commit()
            return True

        with mute_logger("odoo.sql_db"):
            outcomes = self.run_parallel(2, create)
        self.assertEqual(outcomes.count(True), 1, outcomes)
        loser = next(o for o in outcomes if o is not True)
        self.assertIsInstance(loser, pg_errors.UniqueViolation)
        count = self.fetch(SQL("SELECT COUNT(*) FROM stock_lot WHERE name = %s", name))[
            0
        ][0]
        self.assertEqual(count, 1)


@tagged("post_install", "-at_install")
class TestMesEventBatchConcurrency(MesEventConcurrencyCase):
    """Batches of events from parallel workers: a batch takes its locks once
    and is applied as a whole."""

    def negative_quants(self):
        return self.fetch(
            SQL(
                "SELECT COUNT(*) FROM stock_quant q JOIN stock_location l"
                " ON l.id = q.location_id WHERE l.usage = 'internal'"
                " AND q.quantity < 0"
            )
        )[0][0]

    def test_eight_workers_batches_of_three(self):
        """8 workers, one batch of 3 consumptions of 5 each, two orders that
        reserved 50 of a lot of 100: 10 events apply per order; in a batch
        that runs short the event that does not fit is refused (409) and the
        next ones of its order are not applied (424)."""
        ids = self.ids

        def job(index, env):
            return env["mes.event"].mes_process_events(
                [
                    {
                        "type": "consume",
                        "source": f"c{self.tag}-b{index}",
                        "external_id": f"{n}",
                        "production_id": ids["mos"][index % 2],
                        "product_id": ids["comp"],
                        "lot_id": ids["lot"],
                        "location_id": ids["line"],
                        "quantity": 5,
                    }
                    for n in range(3)
                ]
            )

        with mute_logger("odoo.sql_db"):
            outcomes = self.run_parallel(8, job)
        for outcome in outcomes:
            self.assertIsInstance(outcome, list, outcome)
        applied = [r for o in outcomes for r in o if r["status"] == "applied"]
        self.assertEqual(len(applied), 20, outcomes)
        refused = 0
        for outcome in outcomes:
            short = None
            for result in outcome:
                if result["status"] == "applied":
                    self.assertIsNone(short, outcome)  # nothing after a refusal
                    continue
                refused += 1
                if short is None:
                    self.assertEqual(
                        (result["code"], result["field"]), (409, "quantity")
                    )
                    self.assertIn("only 0.0 free", result["error"])
                    short = f"{result['source']}/{result['external_id']}"
                else:
                    self.assertEqual(result["code"], 424, outcome)
                    self.assertIn(short, result["error"])
        self.assertEqual(refused, 4)
        consumed = self.fetch(
            SQL(
                "SELECT raw_material_production_id, SUM(quantity) FROM stock_move"
                " WHERE raw_material_production_id IN %s AND state = 'done'"
                " GROUP BY raw_material_production_id ORDER BY 1",
                tuple(ids["mos"]),
            )
        )
        self.assertEqual(consumed, [(ids["mos"][0], 50.0), (ids["mos"][1], 50.0)])
        self.assertEqual(self.negative_quants(), 0)
        # each order still has one open component move, nothing reserved left
        open_moves = self.fetch(
            SQL(
                "SELECT COUNT(*), COALESCE(SUM(quantity), 0) FROM stock_move"
                " WHERE raw_material_production_id IN %s"
                " AND state NOT IN ('done', 'cancel')",
                tuple(ids["mos"]),
            )
        )[0]
        self.assertEqual(open_moves, (2, 0.0))

    def test_parallel_moves_from_a_parent_location(self):
        """The stock of the line is in the line and two bins of it: 8
        workers move 3 at a time from the line to their cell; exactly what
        there is moves (from the bins too), the rest is refused, no quant is
        negative and the totals match."""
        ids = self.ids
        with self.registry.cursor() as cr:
            env = self.env_for(cr)
            bins = env["stock.location"].create(
                [
                    {
                        "name": f"Bin C{self.tag}-{i}",
                        "usage": "internal",
                        "location_id": ids["line"],
                    }
                    for i in range(2)
                ]
            )
            bolt = env["product.product"].browse(ids["bolt"])
            for location in bins:
                env["stock.quant"]._update_available_quantity(bolt, location, 40.0)
            ids["extra_locations"] += bins.ids
        # 10 in the line, 80 in its bins: 30 moves of 3 fit, 10 do not

        def job(index, env):
            return env["mes.event"].mes_process_events(
                [
                    {
                        "type": "move",
                        "source": f"c{self.tag}-m{index}",
                        "external_id": f"{n}",
                        "product_id": ids["bolt"],
                        "location_id": ids["line"],
                        "location_dest_id": ids["dests"][index],
                        "quantity": 3,
                    }
                    for n in range(5)
                ]
            )

        with mute_logger("odoo.sql_db"):
            outcomes = self.run_parallel(8, job)
        results = [r for outcome in outcomes for r in outcome]
        self.assertEqual(
            sorted({(r["status"], r["code"]) for r in results}),
            [("applied", 200), ("error", 409)],
            results,
        )
        self.assertEqual(sum(r["status"] == "applied" for r in results), 30)
        self.assertEqual(self.negative_quants(), 0)
        moved = self.fetch(
            SQL(
                "SELECT COALESCE(SUM(quantity), 0) FROM stock_quant"
                " WHERE product_id = %s AND location_id IN %s",
                ids["bolt"],
                tuple(ids["dests"]),
            )
        )[0][0]
        left = self.fetch(
            SQL(
                "SELECT COALESCE(SUM(quantity), 0) FROM stock_quant"
                " WHERE product_id = %s AND location_id IN %s",
                ids["bolt"],
                (ids["line"], *bins.ids),
            )
        )[0][0]
        self.assertEqual((moved, left), (90.0, 0.0))
