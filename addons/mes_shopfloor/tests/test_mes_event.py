import json
from datetime import datetime
from unittest.mock import patch

import yaml

from odoo.addons.mes_inventory_mrp.tests.common import MesCase
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import mute_logger
from odoo.tools.misc import file_path

from ..events import bulk
from .common_events import build_event_fixture, quant_total


@tagged("post_install", "-at_install")
class TestMesEvent(MesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.f = build_event_fixture(cls.env, "T1")
        cls.Event = cls.env["mes.event"].with_user(cls.f.device)
        cls.seq = 0

    def _event(self, event_type, **values):
        type(self).seq += 1
        payload = {
            "type": event_type,
            "source": "press-1",
            "external_id": f"e-{self.seq}",
        }
        payload.update(values)
        return payload

    def _consume(self, qty=3.0, **values):
        fields = {
            "production": self.f.mo.name,
            "product": self.f.comp.default_code,
            "lot": self.f.lot.name,
            "location_id": self.f.line_side.id,
            "quantity": qty,
        }
        fields.update(values)
        return self._event(
            "consume", **{k: v for k, v in fields.items() if v is not None}
        )

    def receive(self, payload):
        return self.Event._mes_receive(payload)

    # ------------------------------------------------------------------
    # idempotency
    # ------------------------------------------------------------------
    def test_consume_applied_once_duplicate_and_conflict(self):
        f = self.f
        payload = self._consume(3.0)
        result = self.receive(payload)
        self.assertEqual(result["status"], "applied", result)
        self.assertEqual(result["code"], 200)
        event = self.env["mes.event"].browse(result["event_id"])
        self.assertEqual(event.state, "applied")
        self.assertEqual(event.production_id, f.mo)
        self.assertEqual(event.quantity, 3.0)
        self.assertEqual(len(event.payload_hash), 64)
        self.assertEqual(quant_total(self.env, f.comp, f.line_side, f.lot), 97.0)
        raw = f.mo.move_raw_ids.filtered(lambda m: m.product_id == f.comp)
        done = raw.filtered(lambda m: m.state == "done")
        self.assertEqual(done, event.move_ids)
        self.assertEqual(done.quantity, 3.0)
        self.assertEqual(done.move_line_ids.lot_id, f.lot)
        # the rest of the demand stays open on the order
        self.assertEqual(
            sum(raw.filtered(lambda m: m.state != "done").mapped("product_uom_qty")),
            7.0,
        )

        again = self.receive(dict(payload))
        self.assertEqual(again["status"], "duplicate")
        self.assertEqual(again["code"], 200)
        self.assertEqual(again["event_id"], event.id)
        self.assertEqual(quant_total(self.env, f.comp, f.line_side, f.lot), 97.0)

        other = dict(payload, quantity=4.0)
        conflict = self.receive(other)
        self.assertEqual(conflict["status"], "conflict")
        self.assertEqual(conflict["code"], 409)
        self.assertEqual(conflict["field"], "external_id")
        self.assertIn("another payload", conflict["error"])
        self.assertEqual(quant_total(self.env, f.comp, f.line_side, f.lot), 97.0)
        self.assertEqual(
            self.env["mes.event"].search_count([("source", "=", "press-1")]), 1
        )

    def test_canonical_hash_ignores_key_order(self):
        a = {"type": "move", "source": "s", "external_id": "1", "quantity": 2}
        b = {"quantity": 2, "external_id": "1", "source": "s", "type": "move"}
        Event = self.env["mes.event"]
        self.assertEqual(
            Event.mes_canonical_payload(a)[1], Event.mes_canonical_payload(b)[1]
        )

    def test_same_external_id_other_source_is_another_event(self):
        first = self._event(
            "move",
            product_id=self.f.screw.id,
            location_id=self.f.line_side.id,
            location_dest_id=self.f.buffer.id,
            quantity=5,
        )
        second = dict(first, source="press-2")
        self.assertEqual(self.receive(first)["status"], "applied")
        self.assertEqual(self.receive(second)["status"], "applied")
        self.assertEqual(quant_total(self.env, self.f.screw, self.f.buffer), 10.0)

    # ------------------------------------------------------------------
    # event types
    # ------------------------------------------------------------------
    def test_move_event(self):
        f = self.f
        result = self.receive(
            self._event(
                "move",
                product=f.screw.barcode,
                location=f.line_side.complete_name,
                location_dest_id=f.buffer.id,
                quantity=2,
                uom="Dozens",
            )
        )
        self.assertEqual(result["status"], "applied", result)
        event = self.env["mes.event"].browse(result["event_id"])
        self.assertEqual(event.quantity, 24.0)
        self.assertEqual(quant_total(self.env, f.screw, f.buffer), 24.0)
        self.assertEqual(event.move_ids.state, "done")
        self.assertEqual(event.move_ids.location_dest_id, f.buffer)

    def test_produce_serials(self):
        f = self.f
        result = self.receive(
            self._event("produce", production_id=f.mo.id, serials=["SN-1", "SN-2"])
        )
        self.assertEqual(result["status"], "applied", result)
        lots = self.env["stock.lot"].search([("product_id", "=", f.finished.id)])
        self.assertEqual(sorted(lots.mapped("name")), ["SN-1", "SN-2"])
        self.assertEqual(quant_total(self.env, f.finished, f.stock), 2.0)
        self.assertEqual(f.mo.qty_produced, 2.0)
        self.assertNotIn(f.mo.state, ("done", "cancel"))
        # the same serial again (another event) is refused, nothing created
        again = self.receive(
            self._event("produce", production_id=f.mo.id, serials=["SN-3", "SN-2"])
        )
        self.assertEqual(again["status"], "error")
        self.assertEqual(again["field"], "serials")
        self.assertIn("SN-2", again["error"])
        self.assertFalse(self.env["stock.lot"].search([("name", "=", "SN-3")]))
        self.assertEqual(quant_total(self.env, f.finished, f.stock), 2.0)

    def test_produce_lots_and_over_receipt(self):
        f = self.f
        result = self.receive(
            self._event(
                "produce",
                production=f.bulk_mo.name,
                lots=[
                    {"name": "B-1", "quantity": 4, "expiration_date": "2030-01-31"},
                    {"name": "B-2", "quantity": 2},
                ],
            )
        )
        self.assertEqual(result["status"], "applied", result)
        self.assertEqual(quant_total(self.env, f.bulk, f.stock), 6.0)
        b1 = self.env["stock.lot"].search([("name", "=", "B-1")])
        self.assertEqual(b1.expiration_date, datetime(2030, 1, 31))
        # 6 done + 5 > 10 planned with a 0% tolerance
        over = self.receive(
            self._event(
                "produce",
                production=f.bulk_mo.name,
                lots=[{"name": "B-3", "quantity": 5}],
            )
        )
        self.assertEqual(over["status"], "error")
        self.assertEqual(over["field"], "quantity")
        self.assertIn("tolerance", over["error"])
        self.assertEqual(quant_total(self.env, f.bulk, f.stock), 6.0)
        self.env["ir.config_parameter"].set_param(
            "mes_shopfloor.event_over_receipt_tolerance", "10"
        )
        self.assertEqual(
            self.receive(
                self._event(
                    "produce",
                    production=f.bulk_mo.name,
                    lots=[{"name": "B-3", "quantity": 5}],
                )
            )["status"],
            "applied",
        )
        self.assertEqual(quant_total(self.env, f.bulk, f.stock), 11.0)

    def test_scrap_event(self):
        f = self.f
        result = self.receive(
            self._event(
                "scrap",
                product_id=f.comp.id,
                lot_id=f.lot.id,
                location_id=f.line_side.id,
                production_id=f.mo.id,
                quantity=1.5,
            )
        )
        self.assertEqual(result["status"], "applied", result)
        self.assertEqual(quant_total(self.env, f.comp, f.line_side, f.lot), 98.5)
        scrap = self.env["stock.scrap"].search([("product_id", "=", f.comp.id)])
        self.assertEqual(scrap.state, "done")
        self.assertEqual(scrap.scrap_qty, 1.5)
        self.assertEqual(scrap.production_id, f.mo)

    def test_labor_event_logs_work_order_time(self):
        f = self.f
        workorder = f.mo.workorder_ids
        result = self.receive(
            self._event(
                "labor",
                workorder_id=workorder.id,
                user=f.operator.login,
                hours=1.5,
                date_end="2026-03-02T10:00:00Z",
            )
        )
        self.assertEqual(result["status"], "applied", result)
        log = workorder.time_ids
        self.assertEqual(len(log), 1)
        self.assertEqual(log.user_id, f.operator)
        self.assertEqual(log.duration, 90.0)
        self.assertEqual(log.date_start, datetime(2026, 3, 2, 8, 30))
        self.assertEqual(log.date_end, datetime(2026, 3, 2, 10, 0))
        self.assertEqual(log.loss_id.loss_type, "productive")

    def test_labor_event_by_employee_and_workcenter(self):
        if "hr.employee" not in self.env:
            # the Employees app is not required: labor is then given per user
            return
        f = self.f
        employee = self.env["hr.employee"].create(
            {"name": "Ada Press", "user_id": f.operator.id, "barcode": "EMPADA1"}
        )
        result = self.receive(
            self._event(
                "labor",
                production=f.mo.name,
                workcenter=f.workcenter.code,
                employee="EMPADA1",
                hours=0.25,
            )
        )
        self.assertEqual(result["status"], "applied", result)
        self.assertEqual(f.mo.workorder_ids.time_ids.user_id, employee.user_id)
        self.assertEqual(f.mo.workorder_ids.time_ids.duration, 15.0)

    def test_count_event_writes_a_count(self):
        f = self.f
        result = self.receive(
            self._event(
                "count",
                product=f.comp.default_code,
                lot=f.lot.name,
                location_id=f.line_side.id,
                quantity=0,
                counted_at="2026-03-02T07:00:00",
            )
        )
        self.assertEqual(result["status"], "applied", result)
        count = self.env["mes.event"].browse(result["event_id"]).count_id
        self.assertEqual(count.quantity, 0.0)
        self.assertEqual(count.location_id, f.line_side)
        self.assertEqual(count.lot_id, f.lot)
        self.assertEqual(count.source, "event")
        self.assertEqual(count.state, "pending")
        self.assertEqual(count.counted_at, datetime(2026, 3, 2, 7, 0))
        # a count moves no stock
        self.assertEqual(quant_total(self.env, f.comp, f.line_side, f.lot), 100.0)

    # ------------------------------------------------------------------
    # bad input: a clear error naming the field, nothing applied
    # ------------------------------------------------------------------
    def assertRefused(self, payload, field, text, code=None):
        before = (
            quant_total(self.env, self.f.comp, self.f.stock),
            quant_total(self.env, self.f.screw, self.f.stock),
            self.env["stock.move"].search_count([("state", "=", "done")]),
        )
        result = self.receive(payload)
        self.assertEqual(result["status"], "error", result)
        self.assertEqual(result["field"], field, result)
        self.assertIn(text, result["error"])
        if code:
            self.assertEqual(result["code"], code)
        after = (
            quant_total(self.env, self.f.comp, self.f.stock),
            quant_total(self.env, self.f.screw, self.f.stock),
            self.env["stock.move"].search_count([("state", "=", "done")]),
        )
        self.assertEqual(before, after, "nothing may be half-applied")
        return result

    def test_bad_quantities(self):
        self.assertRefused(self._consume(-2), "quantity", "more than zero", 400)
        self.assertRefused(self._consume(0), "quantity", "more than zero")
        self.assertRefused(self._consume("3"), "quantity", "a number")
        self.assertRefused(self._consume(True), "quantity", "a number")
        # more than the lot holds
        result = self.assertRefused(self._consume(101), "quantity", "only 100.0 free")
        self.assertEqual(result["code"], 409)
        event = self.env["mes.event"].browse(result["event_id"])
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.error_field, "quantity")

    def test_unknown_references(self):
        self.assertRefused(
            self._consume(product="NOPE"),
            "product",
            "no product 'NOPE' in company",
            400,
        )
        self.assertRefused(self._consume(lot="LOT-NOPE"), "lot", "'LOT-NOPE'")
        self.assertRefused(
            self._consume(location_id=999999), "location", "no location 999999"
        )
        self.assertRefused(
            self._consume(production="MO/NOPE"), "production", "'MO/NOPE'"
        )
        self.assertRefused(
            self._event(
                "move",
                product_id=self.f.screw.id,
                location_id=self.f.line_side.id,
                quantity=1,
            ),
            "location_dest",
            "required",
        )

    def test_envelope_errors_are_not_stored(self):
        for payload, field in (
            ({"type": "consume", "external_id": "x"}, "source"),
            ({"type": "consume", "source": "s", "external_id": ""}, "external_id"),
            ({"type": "teleport", "source": "s", "external_id": "x"}, "type"),
            (["not", "an", "object"], "event"),
        ):
            result = self.receive(payload)
            self.assertEqual(result["status"], "error")
            self.assertEqual(result["field"], field)
            self.assertNotIn("event_id", result)
        self.assertFalse(self.env["mes.event"].search([("source", "=", "s")]))

    def test_uom_of_another_kind(self):
        self.assertRefused(
            self._consume(uom="kg"), "uom", "not a unit of the same kind as Units"
        )

    def test_untracked_lot_missing_and_not_storable(self):
        self.assertRefused(self._consume(lot=None), "lot", "tracked by lot")
        service = self.env["product.product"].create(
            {"name": "Setup", "default_code": "SETUP-T1", "type": "service"}
        )
        self.assertRefused(
            self._consume(product_id=service.id, product=None), "product", "storable"
        )

    def test_closed_mo_refused(self):
        f = self.f
        f.mo.action_cancel()
        self.assertRefused(self._consume(), "production", "closed order", 409)
        self.assertRefused(
            self._event(
                "labor",
                workorder_id=f.mo.workorder_ids.id,
                user=f.operator.login,
                hours=1,
            ),
            "workorder",
            "closed",
        )

    def test_non_released_lot_refused(self):
        f = self.f
        if "mes_quality_state" not in self.env["stock.lot"]._fields:
            # before lot quality is merged every lot may be consumed
            self.assertEqual(self.receive(self._consume(1))["status"], "applied")
            return
        f.lot.with_context(mes_quality_reason="test").mes_quality_state = "quarantine"
        self.assertRefused(self._consume(1), "lot", "not released", 409)

    def test_wrong_company(self):
        other = self.env["res.company"].create({"name": "Other Plant T1"})
        self.assertRefused(
            self._consume(company_id=other.id), "company_id", "may not post", 403
        )
        other_location = (
            self.env["stock.warehouse"]
            .search([("company_id", "=", other.id)], limit=1)
            .lot_stock_id
        )
        self.assertRefused(
            self._consume(location_id=other_location.id),
            "location",
            "another company",
            403,
        )

    # ------------------------------------------------------------------
    # dead letters, retry and ordering
    # ------------------------------------------------------------------
    def test_failed_event_retry_and_replay(self):
        f = self.f
        payload = self._consume(150)
        result = self.receive(payload)
        self.assertEqual(result["status"], "error")
        event = self.env["mes.event"].browse(result["event_id"])
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.attempts, 1)
        # the stock arrives, the administrator retries the dead letter
        self.env["stock.quant"]._update_available_quantity(
            f.comp, f.line_side, 60.0, lot_id=f.lot
        )
        with self.assertRaises(AccessError):
            event.with_user(f.operator).action_retry()
        event.action_retry()
        self.assertEqual(event.state, "applied")
        self.assertFalse(event.error)
        self.assertEqual(event.attempts, 2)
        self.assertEqual(quant_total(self.env, f.comp, f.line_side, f.lot), 10.0)
        # the device replays it: duplicate, applied once
        self.assertEqual(self.receive(payload)["status"], "duplicate")
        self.assertEqual(quant_total(self.env, f.comp, f.line_side, f.lot), 10.0)

    def test_replay_of_failed_event_applies_it(self):
        f = self.f
        payload = self._consume(150)
        self.assertEqual(self.receive(payload)["status"], "error")
        self.env["stock.quant"]._update_available_quantity(
            f.comp, f.line_side, 60.0, lot_id=f.lot
        )
        self.assertEqual(self.receive(payload)["status"], "applied")
        self.assertEqual(quant_total(self.env, f.comp, f.line_side, f.lot), 10.0)

    def test_batch_keeps_order_per_manufacturing_order(self):
        f = self.f
        batch = [
            self._consume(150),  # fails: not enough stock
            self._consume(2),  # same MO: blocked
            self._event(  # another order: applied
                "move",
                product_id=f.screw.id,
                location_id=f.line_side.id,
                location_dest_id=f.buffer.id,
                quantity=1,
            ),
        ]
        with self.enter_registry_test_mode():
            results = self.Event.mes_process_events(batch)
        self.assertEqual(
            [r["status"] for r in results], ["error", "error", "applied"], results
        )
        self.assertEqual(results[1]["code"], 424)
        self.assertIn(batch[0]["external_id"], results[1]["error"])
        events = self.env["mes.event"].browse([r["event_id"] for r in results])
        self.assertEqual(events.mapped("state"), ["failed", "failed", "applied"])
        self.assertEqual(events.mapped("sequence"), [1, 2, 3])
        self.assertEqual(quant_total(self.env, f.comp, f.line_side, f.lot), 100.0)
        # fix the cause, retry both in the order they came in
        self.env["stock.quant"]._update_available_quantity(
            f.comp, f.line_side, 60.0, lot_id=f.lot
        )
        events[:2].action_retry()
        self.assertEqual(events[:2].mapped("state"), ["applied", "applied"])
        self.assertEqual(quant_total(self.env, f.comp, f.line_side, f.lot), 8.0)

    def test_bulk_queries_do_not_grow_with_the_batch(self):
        """References are read once per model, events stored in one
        statement, moves validated at once: 50 events cost the queries of
        10."""
        f = self.f

        def queries(count):
            events = [
                self._event(
                    "move",
                    product=f.screw.default_code,
                    location_id=f.line_side.id,
                    location_dest_id=f.buffer.id,
                    quantity=1,
                )
                for _i in range(count)
            ]
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            results = bulk.receive(self.Event.env, events)
            self.assertEqual({r["status"] for r in results}, {"applied"})
            return self.env.cr.sql_log_count - before

        queries(2)  # warm the caches of the registry
        small, large = queries(10), queries(50)
        self.assertLessEqual(large, small + 2, (small, large))
        self.assertEqual(quant_total(self.env, f.screw, f.buffer), 62.0)

    def test_transfers_written_early_are_planned_again(self):
        """Transfers are written before the locks; when the stock changed
        while the batch waited, they are planned and written again under the
        locks, and nothing of the first writing stays."""
        f = self.f
        events = [
            self._event(
                "move",
                product_id=f.screw.id,
                location_id=f.line_side.id,
                location_dest_id=f.buffer.id,
                quantity=qty,
            )
            for qty in (1, 2, 3)
        ]
        signature = bulk.Batch._signature
        calls = []

        def changed(items):
            calls.append(True)
            return [*signature(items), len(calls)]  # never the same twice

        with patch.object(bulk.Batch, "_signature", staticmethod(changed)):
            results = bulk.receive(self.Event.env, events)
        self.assertEqual(len(calls), 2)
        self.assertEqual({r["status"] for r in results}, {"applied"})
        events = self.env["mes.event"].browse([r["event_id"] for r in results])
        self.assertEqual(events.move_ids.mapped("state"), ["done"])
        self.assertFalse(
            self.env["stock.move"].search(
                [("origin", "like", "MES press-1/"), ("state", "!=", "done")]
            )
        )
        self.assertEqual(quant_total(self.env, f.screw, f.buffer), 6.0)
        # without a change, what was written early is what is validated
        again = self._event(
            "move",
            product_id=f.screw.id,
            location_id=f.line_side.id,
            location_dest_id=f.buffer.id,
            quantity=4,
        )
        self.assertEqual(bulk.receive(self.Event.env, [again])[0]["status"], "applied")
        self.assertEqual(quant_total(self.env, f.screw, f.buffer), 10.0)

    def test_batch_too_large(self):
        with self.assertRaisesRegex(Exception, "at most 1000 events"):
            self.Event.mes_process_events([{}] * 1001)

    # ------------------------------------------------------------------
    # scheduled check: events applied vs stock moves
    # ------------------------------------------------------------------
    def test_cron_check_matches_and_flags_mismatch(self):
        f = self.f
        ok = self.receive(self._consume(2))
        moved = self.receive(
            self._event(
                "move",
                product_id=f.screw.id,
                location_id=f.line_side.id,
                location_dest_id=f.buffer.id,
                quantity=3,
            )
        )
        Event = self.env["mes.event"]
        report = Event._cron_check_event_moves()
        self.assertEqual(report["mismatches"], [])
        self.assertGreaterEqual(report["events"], 2)
        # a move detached from its event behind the API's back
        broken = Event.browse(moved["event_id"])
        broken.move_ids.mes_event_id = False
        with mute_logger("odoo.addons.mes_shopfloor.models.mes_event"):
            report = Event._cron_check_event_moves()
        self.assertEqual(report["mismatches"], [broken.id])
        self.assertEqual(len(broken.activity_ids), 1)
        self.assertIn("expects 3.0", str(broken.activity_ids.note))
        self.assertFalse(Event.browse(ok["event_id"]).activity_ids)

    # ------------------------------------------------------------------
    # access
    # ------------------------------------------------------------------
    def test_access(self):
        f = self.f
        self.receive(self._consume(1))
        # a shop-floor user reads events but cannot write them
        user = self.env["res.users"].create(
            {
                "name": "Lead T1",
                "login": "lead-t1",
                "group_ids": [
                    Command.set([self.env.ref("mes_shopfloor.group_shopfloor_user").id])
                ],
            }
        )
        events = self.env["mes.event"].with_user(user).search([])
        self.assertTrue(events)
        with self.assertRaises(AccessError):
            events.with_user(user).action_retry()
        # without any shop-floor group the events are hidden
        with self.assertRaises(AccessError):
            self.env["mes.event"].with_user(f.operator).search([])
        payload = json.loads(events[0].payload)
        self.assertEqual(payload["type"], "consume")

    def test_count_events_feed_the_reconciliation(self):
        f = self.f
        for qty, lot in ((97.0, f.lot), (480.0, None)):
            values = {"lot_id": lot.id} if lot else {}
            product = f.comp if lot else f.screw
            self.assertEqual(
                self.receive(
                    self._event(
                        "count",
                        product_id=product.id,
                        location_id=f.line_side.id,
                        quantity=qty,
                        **values,
                    )
                )["status"],
                "applied",
            )
        run = self.env["mes.stock.reconciliation"].create(
            {"location_ids": [Command.set(f.line_side.ids)]}
        )
        run.action_compute()
        found = {
            (line.product_id, line.lot_id): (line.book_qty, line.difference, line.value)
            for line in run.line_ids
        }
        self.assertEqual(
            found,
            {
                (f.comp, f.lot): (100.0, -3.0, -30.0),
                (f.screw, self.env["stock.lot"]): (500.0, -20.0, -10.0),
            },
        )

    def test_openapi_contract_is_valid_yaml(self):
        path = file_path("mes_shopfloor/static/openapi/mes_events_v1.yaml")
        with open(path, encoding="utf-8") as stream:
            spec = yaml.safe_load(stream)
        self.assertEqual(spec["openapi"][:2], "3.")
        self.assertIn("/mes/api/v1/events", spec["paths"])
        schemas = spec["components"]["schemas"]
        self.assertEqual(
            schemas["Event"]["properties"]["type"]["enum"],
            ["consume", "produce", "scrap", "labor", "move", "count"],
        )
        self.assertEqual(
            schemas["Result"]["properties"]["status"]["enum"],
            ["applied", "duplicate", "conflict", "error"],
        )
        self.assertEqual(schemas["Batch"]["properties"]["events"]["maxItems"], 1000)

    def test_event_for_the_users_second_company(self):
        f = self.f
        other = self.env["res.company"].create({"name": "Second Plant T1"})
        f.device.company_ids = [Command.link(other.id)]
        location = (
            self.env["stock.warehouse"]
            .search([("company_id", "=", other.id)], limit=1)
            .lot_stock_id
        )
        payload = self._event(
            "count",
            company_id=other.id,
            product_id=f.screw.id,
            location_id=location.id,
            quantity=7,
        )
        first = self.receive(payload)
        self.assertEqual(first["status"], "applied", first)
        event = self.env["mes.event"].browse(first["event_id"])
        self.assertEqual(event.company_id, other)
        self.assertEqual(event.count_id.company_id, other)
        self.assertEqual(self.receive(dict(payload))["status"], "duplicate")
