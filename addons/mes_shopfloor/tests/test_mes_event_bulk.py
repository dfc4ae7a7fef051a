"""The bulk path over real HTTP: hostile input, a failure inside a group, the
lock timeout, replays spelled differently, stock taken from child locations
and what a device user may not do."""

import json
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.sql_db import db_connect
from odoo.tests import tagged
from odoo.tests.common import HttpCase, get_db_name
from odoo.tools import SQL, mute_logger

from ..events.locks import LOCK_TIMEOUT_PARAM, stock_lock_key
from .common_events import build_event_fixture, quant_total
from .test_mes_event_http import URL, make_key


@tagged("post_install", "-at_install")
class TestMesEventBulkHttp(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.f = build_event_fixture(cls.env, "B1")
        cls.key = make_key(cls.env, cls.f.device)
        warehouse = cls.f.warehouse
        # outside the stock location: a dock, and two bins inside the line
        cls.dock = cls.env["stock.location"].create(
            {
                "name": "Dock B1",
                "usage": "internal",
                "location_id": warehouse.view_location_id.id,
            }
        )
        cls.bins = cls.env["stock.location"].create(
            [
                {
                    "name": f"Bin B1-{i}",
                    "usage": "internal",
                    "location_id": cls.f.line_side.id,
                }
                for i in (1, 2)
            ]
        )
        cls.seq = 0

    # ------------------------------------------------------------------
    def post(self, body=None, raw=None, key=None, content_type="application/json"):
        headers = {"Authorization": f"Bearer {key or self.key}"}
        if content_type:
            headers["Content-Type"] = content_type
        data = raw if raw is not None else json.dumps(body)
        return self.url_open(URL, data=data, headers=headers, method="POST")

    def next_id(self, prefix="b"):
        type(self).seq += 1
        return f"{prefix}-{self.seq}"

    def move(self, qty=1.0, **values):
        event = {
            "type": "move",
            "source": "wms-b1",
            "external_id": self.next_id(),
            "product_id": self.f.screw.id,
            "location_id": self.f.line_side.id,
            "location_dest_id": self.f.buffer.id,
            "quantity": qty,
        }
        event.update(values)
        return {k: v for k, v in event.items() if v is not None}

    def consume(self, qty=1.0, **values):
        event = {
            "type": "consume",
            "source": "press-b1",
            "external_id": self.next_id("c"),
            "production_id": self.f.mo.id,
            "product_id": self.f.comp.id,
            "lot_id": self.f.lot.id,
            "location_id": self.f.line_side.id,
            "quantity": qty,
        }
        event.update(values)
        return {k: v for k, v in event.items() if v is not None}

    def done_moves(self):
        return self.env["stock.move"].search_count([("state", "=", "done")])

    def negative_quants(self):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT COUNT(*) FROM stock_quant q JOIN stock_location l"
                " ON l.id = q.location_id WHERE l.usage = 'internal'"
                " AND q.quantity < 0"
            )
        )
        return self.env.cr.fetchone()[0]

    def event(self, result):
        return self.env["mes.event"].browse(result["event_id"])

    # ------------------------------------------------------------------
    # hostile input: each bad event its own 4xx naming the field
    # ------------------------------------------------------------------
    def test_bad_events_are_refused_alone(self):
        f = self.f
        archived_product = self.env["product.product"].create(
            {"name": "Old screw B1", "is_storable": True, "active": False}
        )
        archived_location = self.env["stock.location"].create(
            {
                "name": "Closed bin B1",
                "usage": "internal",
                "location_id": f.stock.id,
                "active": False,
            }
        )
        good_1, good_2 = self.move(2), self.move(3)
        bad = [
            (self.move(0.0001), "quantity", "rounds to zero"),
            (self.move(1e15), "quantity", "too large"),
            (self.move(1, product=None, product_id=None, lot="x\u0000y"), "lot", "NUL"),
            (self.move(1, note="\ud800"), "note", "surrogate"),
            (self.move(1, note=[[[[[[[[[[1]]]]]]]]]]), "note", "nested deeper"),
            (self.move(1, product_id=archived_product.id), "product", "archived"),
            (self.move(1, location_id=archived_location.id), "location", "archived"),
            (
                self.move(1, location_dest_id=archived_location.id),
                "location_dest",
                "archived",
            ),
            (self.move(1, product_id=f.comp.id, lot="   "), "lot", "non-empty"),
        ]
        too_long = self.move(987654.25)
        batch = [good_1] + [event for event, _f, _t in bad] + [too_long, good_2]
        # a number of 400 digits: json.dumps cannot write it, a device can
        raw = json.dumps({"events": batch}).replace("987654.25", "1" + "0" * 400)
        self.assertIn("0" * 400, raw)
        done = self.done_moves()
        response = self.post(raw=raw)
        self.assertEqual(response.status_code, 207, response.text)
        results = response.json()["results"]
        self.assertEqual(len(results), len(batch))
        self.assertEqual(results[0]["status"], "applied", results[0])
        self.assertEqual(results[-1]["status"], "applied", results[-1])
        for result, (_event, field, text) in zip(results[1:-2], bad, strict=True):
            self.assertEqual(result["status"], "error", result)
            self.assertTrue(400 <= result["code"] < 500, result)
            self.assertEqual(result["field"], field, result)
            self.assertIn(text, result["error"])
        self.assertEqual(results[-2]["field"], "quantity", results[-2])
        self.assertIn("not a number the API takes", results[-2]["error"])
        # only the two good events moved stock, nothing half-applied
        self.assertEqual(quant_total(self.env, f.screw, f.buffer), 5.0)
        self.assertEqual(self.done_moves(), done + 1)  # one move, two lines
        self.assertEqual(self.negative_quants(), 0)
        # refused events the API could read are dead letters with their field
        rounded = self.event(results[1])
        self.assertEqual((rounded.state, rounded.error_field), ("failed", "quantity"))
        self.assertFalse(rounded.move_line_ids)

    def test_json_nested_too_deep_for_the_parser(self):
        deep = '{"type": "move", "source": "wms-b1", "external_id": "deep-1", '
        deep += '"note": ' + "[" * 100_000 + "]" * 100_000 + "}"
        good = self.move(4)
        raw = '{"events": [' + json.dumps(good) + ", " + deep + "]}"
        response = self.post(raw=raw)
        self.assertEqual(response.status_code, 207, response.text[:500])
        results = response.json()["results"]
        self.assertEqual(results[0]["status"], "applied")
        self.assertEqual(results[1]["code"], 400)
        self.assertEqual(results[1]["field"], "note")
        self.assertIn("nested deeper", results[1]["error"])
        self.assertEqual(quant_total(self.env, self.f.screw, self.f.buffer), 4.0)
        # the same as one event: its answer is the response's status
        response = self.post(raw=deep)
        self.assertEqual(response.status_code, 400, response.text[:500])
        self.assertEqual(response.json()["field"], "note")

    def test_request_level_refusals(self):
        response = self.post(self.move(1), content_type="text/plain")
        self.assertEqual(response.status_code, 415, response.text)
        self.assertEqual(response.json()["field"], "Content-Type")
        self.env["ir.config_parameter"].set_param(
            "mes_shopfloor.event_max_body_bytes", "2000"
        )
        big = {"events": [self.move(1) for _i in range(20)]}
        response = self.post(big)
        self.assertEqual(response.status_code, 413, response.text)
        self.assertEqual(response.json()["field"], "body")
        self.assertFalse(
            self.env["mes.event"].search(
                [("external_id", "=", big["events"][0]["external_id"])]
            )
        )
        response = self.post(raw=b'{"events": [{"type": "move", "source": "\xff"}]}')
        self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(response.json()["field"], "body")

    def test_counts_and_labor_dated_in_the_future(self):
        f = self.f
        tomorrow = (datetime.now() + timedelta(days=1)).isoformat()
        count = {
            "type": "count",
            "source": "scanner-b1",
            "external_id": self.next_id("k"),
            "product_id": f.screw.id,
            "location_id": f.line_side.id,
            "quantity": 10,
            "counted_at": tomorrow,
        }
        labor = {
            "type": "labor",
            "source": "press-b1",
            "external_id": self.next_id("l"),
            "workorder_id": f.mo.workorder_ids.id,
            "user": f.operator.login,
            "hours": 1,
            "date_end": tomorrow,
        }
        ok = dict(count, external_id=self.next_id("k"), counted_at=None)
        ok.pop("counted_at")
        response = self.post({"events": [count, labor, ok]})
        results = response.json()["results"]
        self.assertEqual(
            [(r["code"], r["field"]) for r in results[:2]],
            [(400, "counted_at"), (400, "date_end")],
        )
        self.assertIn("in the future", results[0]["error"])
        self.assertEqual(results[2]["status"], "applied")
        self.assertFalse(self.event(results[0]).count_id)

    def test_archived_user_employee_and_lot(self):
        f = self.f
        f.operator.active = False
        labor = {
            "type": "labor",
            "source": "press-b1",
            "external_id": self.next_id("l"),
            "workorder_id": f.mo.workorder_ids.id,
            "user": f.operator.login,
            "hours": 1,
        }
        response = self.post(labor)
        self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(response.json()["field"], "user")
        self.assertIn("archived", response.json()["error"])
        if "hr.employee" in self.env:
            f.operator.active = True
            employee = self.env["hr.employee"].create(
                {"name": "Old hand B1", "user_id": f.operator.id, "barcode": "EMPB1"}
            )
            employee.active = False
            response = self.post(
                dict(labor, external_id=self.next_id("l"), employee="EMPB1")
            )
            self.assertEqual(response.status_code, 400, response.text)
            self.assertEqual(response.json()["field"], "employee")
            self.assertIn("archived", response.json()["error"])
        if "active" in self.env["stock.lot"]._fields:
            f.lot.active = False
            response = self.post(self.consume(1))
            self.assertEqual(response.status_code, 400, response.text)
            self.assertEqual(response.json()["field"], "lot")
        self.assertFalse(f.mo.workorder_ids.time_ids)

    def test_blank_serials_and_lot_names_in_produce(self):
        f = self.f
        produce = {
            "type": "produce",
            "source": "press-b1",
            "production_id": f.mo.id,
        }
        response = self.post(
            {
                "events": [
                    dict(
                        produce, external_id=self.next_id("p"), serials=["SN-B1", " "]
                    ),
                    dict(
                        produce,
                        external_id=self.next_id("p"),
                        production_id=f.bulk_mo.id,
                        lots=[{"name": "  ", "quantity": 1}],
                    ),
                ]
            }
        )
        results = response.json()["results"]
        self.assertEqual(
            [(r["code"], r["field"]) for r in results],
            [(400, "serials"), (400, "lots")],
        )
        self.assertFalse(self.env["stock.lot"].search([("name", "in", ["SN-B1", ""])]))

    # ------------------------------------------------------------------
    # replays
    # ------------------------------------------------------------------
    def test_replay_spelled_differently_is_a_duplicate(self):
        f = self.f
        event = self.move(2)
        self.assertEqual(self.post(event).json()["status"], "applied")
        respelled = dict(reversed(list(event.items())))
        respelled.update(quantity=2.0, lot=None, company_id=f.company.id)
        response = self.post(respelled)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["status"], "duplicate")
        # the same records named by code, the product's own unit spelled out
        named = dict(event, product=f.screw.default_code, uom=f.screw.uom_id.name)
        del named["product_id"]
        self.assertEqual(self.post(named).json()["status"], "duplicate")
        # a replay inside the same batch, and a conflict beside it
        response = self.post({"events": [dict(event, quantity=5), event]})
        self.assertEqual(
            [r["status"] for r in response.json()["results"]],
            ["conflict", "duplicate"],
        )
        self.assertEqual(quant_total(self.env, f.screw, f.buffer), 2.0)

    # ------------------------------------------------------------------
    # stock: from the child location that holds it, or 409
    # ------------------------------------------------------------------
    def test_stock_is_taken_where_it_is_inside_the_location(self):
        f = self.f
        Quant = self.env["stock.quant"]
        Quant._update_available_quantity(f.screw, self.bins[0], 30.0)
        Quant._update_available_quantity(f.screw, self.bins[1], 20.0)
        quants = Quant.search(
            [("product_id", "=", f.screw.id), ("location_id", "child_of", f.stock.id)]
        )
        free = sum(quants.mapped("quantity")) - sum(quants.mapped("reserved_quantity"))
        # WH/Stock itself holds 50, its children the rest: a move of all but
        # 40 from WH/Stock takes it from the locations that hold it
        result = self.post(
            self.move(free - 40, location_id=f.stock.id, location_dest_id=self.dock.id)
        ).json()
        self.assertEqual(result["status"], "applied", result)
        lines = self.event(result).move_line_ids
        self.assertGreater(len(lines), 1)
        self.assertEqual(sum(lines.mapped("quantity")), free - 40)
        self.assertTrue(all(line.location_id._child_of(f.stock) for line in lines))
        self.assertEqual(quant_total(self.env, f.screw, self.dock), free - 40)
        self.assertEqual(self.negative_quants(), 0)
        # more than what is left free anywhere inside WH/Stock: refused
        response = self.post(
            self.move(41, location_id=f.stock.id, location_dest_id=self.dock.id)
        )
        self.assertEqual(response.status_code, 409, response.text)
        self.assertIn("only 40.0 free", response.json()["error"])
        # a consumption naming the line takes the lot from the bin holding it
        lot = self.env["stock.lot"].create(
            {"name": "LOT-B1-BIN", "product_id": f.comp.id}
        )
        Quant._update_available_quantity(f.comp, self.bins[0], 5.0, lot_id=lot)
        result = self.post(self.consume(3, lot_id=lot.id)).json()
        self.assertEqual(result["status"], "applied", result)
        self.assertEqual(self.event(result).move_line_ids.location_id, self.bins[0])
        self.assertEqual(quant_total(self.env, f.comp, self.bins[0], lot), 2.0)
        self.assertEqual(self.negative_quants(), 0)

    # ------------------------------------------------------------------
    # a failure inside a group: only the guilty event is a dead letter
    # ------------------------------------------------------------------
    def test_one_event_failing_inside_a_group(self):
        f = self.f
        MoveLine = type(self.env["stock.move.line"])
        original = MoveLine._action_done

        def action_done(lines):
            if any(line.quantity == 13.0 for line in lines):
                raise UserError(self.env._("Sensor B1 says no to 13."))
            return original(lines)

        moves = [self.move(q) for q in (1, 2, 13, 4, 5)]
        consumes = [self.consume(q) for q in (1, 13, 2)]
        with patch.object(MoveLine, "_action_done", action_done):
            response = self.post({"events": moves + consumes})
        results = response.json()["results"]
        self.assertEqual(
            [(r["status"], r["code"]) for r in results],
            [("applied", 200)] * 2
            + [("error", 422)]
            + [("applied", 200)] * 3
            + [("error", 422), ("error", 424)],
        )
        self.assertIn("Sensor B1", results[2]["error"])
        guilty = self.event(results[2])
        self.assertEqual(guilty.state, "failed")
        self.assertFalse(guilty.move_line_ids)
        self.assertEqual(quant_total(self.env, f.screw, f.buffer), 12.0)
        self.assertEqual(quant_total(self.env, f.comp, f.line_side, f.lot), 99.0)
        # the dead letter goes through once the cause is gone
        guilty.action_retry()
        self.assertEqual(guilty.state, "applied")
        self.assertEqual(quant_total(self.env, f.screw, f.buffer), 25.0)

    # ------------------------------------------------------------------
    # lock timeout: a retryable answer instead of a hanging request
    # ------------------------------------------------------------------
    def test_lock_timeout_answers_retryable(self):
        f = self.f
        self.env["ir.config_parameter"].set_param(LOCK_TIMEOUT_PARAM, "300")
        event = self.move(3)
        other = db_connect(get_db_name()).cursor()
        try:
            other.execute(
                SQL(
                    "SELECT pg_advisory_lock(%s)",
                    stock_lock_key(f.screw.id, f.line_side.id),
                )
            )
            with mute_logger("odoo.sql_db"):
                response = self.post({"events": [event]})
            self.assertEqual(response.status_code, 503, response.text)
            self.assertTrue(response.headers.get("Retry-After"))
            result = response.json()["results"][0]
            self.assertTrue(result["retryable"])
            self.assertIn("send the batch again", result["error"])
            self.assertFalse(
                self.env["mes.event"].search(
                    [("external_id", "=", event["external_id"])]
                )
            )
        finally:
            other.execute(SQL("SELECT pg_advisory_unlock_all()"))
            other.close()
        response = self.post({"events": [event]})
        self.assertEqual(response.json()["results"][0]["status"], "applied")
        self.assertEqual(quant_total(self.env, f.screw, f.buffer), 3.0)

    # ------------------------------------------------------------------
    # partial consumption keeps one open component move
    # ------------------------------------------------------------------
    def test_partial_consumption_does_not_split_moves(self):
        f = self.f
        for qty in (1, 2):
            response = self.post({"events": [self.consume(qty), self.consume(qty)]})
            self.assertEqual(response.status_code, 200, response.text)
        raw = f.mo.move_raw_ids.filtered(lambda m: m.product_id == f.comp)
        open_moves = raw.filtered(lambda m: m.state not in ("done", "cancel"))
        self.assertEqual(len(open_moves), 1)
        self.assertEqual(open_moves.product_uom_qty, 4.0)  # 10 - 6
        self.assertEqual(open_moves.quantity, 4.0)  # still reserved for the rest
        # one done move per batch, one line per event, each naming its event
        done = raw.filtered(lambda m: m.state == "done")
        self.assertEqual(len(done), 2)
        self.assertEqual(len(done.move_line_ids), 4)
        self.assertEqual(len(done.move_line_ids.mes_event_id), 4)
        self.assertEqual(quant_total(self.env, f.comp, f.line_side, f.lot), 94.0)

    # ------------------------------------------------------------------
    # the device channel
    # ------------------------------------------------------------------
    def json2(self, model, method, key, **body):
        return self.url_open(
            f"/json/2/{model}/{method}",
            data=json.dumps(body),
            headers={
                "Authorization": f"Bearer {key}",
                "Content-Type": "application/json",
            },
            method="POST",
        )

    @mute_logger("odoo.http")
    def test_device_can_only_post_events(self):
        f = self.f
        result = self.post(self.move(1)).json()
        self.assertEqual(result["status"], "applied")
        event = self.event(result)
        event_as_device = event.with_user(f.device)
        # its own events it may read, nothing more
        self.assertEqual(event_as_device.state, "applied")
        for call in (
            lambda: event_as_device.write({"state": "failed"}),
            lambda: event_as_device.action_retry(),
            lambda: (
                self.env["mes.event"]
                .with_user(f.device)
                .create({"source": "x", "external_id": "x", "event_type": "move"})
            ),
            lambda: f.mo.with_user(f.device).write({"product_qty": 1}),
            lambda: (
                self.env["stock.quant"]
                .with_user(f.device)
                .create(
                    {
                        "product_id": f.screw.id,
                        "location_id": f.buffer.id,
                        "quantity": 9,
                    }
                )
            ),
            lambda: self.env["stock.move"].with_user(f.device).search([]),
        ):
            with self.assertRaises(Exception):  # noqa: B017 - AccessError
                call()
        # over RPC (JSON-2) with the device's key: the same refusals
        for model, method, body in (
            ("mes.event", "write", {"ids": event.ids, "vals": {"state": "failed"}}),
            ("mes.event", "action_retry", {"ids": event.ids}),
            ("mrp.production", "write", {"ids": f.mo.ids, "vals": {"product_qty": 1}}),
            (
                "stock.move.line",
                "create",
                {
                    "vals_list": [
                        {
                            "company_id": f.company.id,
                            "product_id": f.screw.id,
                            "product_uom_id": f.screw.uom_id.id,
                            "location_id": f.line_side.id,
                            "location_dest_id": f.buffer.id,
                            "quantity": 1,
                        }
                    ]
                },
            ),
        ):
            response = self.json2(model, method, self.key, **body)
            self.assertEqual(response.status_code, 403, (model, method, response.text))
        self.assertEqual(event.state, "applied")
        # posting events over RPC: devices only
        payload = self.move(1)
        response = self.json2(
            "mes.event", "mes_process_events", self.key, payloads=[payload]
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()[0]["status"], "applied")
        admin_key = make_key(self.env, self.env.ref("base.user_admin"))
        for key in (make_key(self.env, f.operator), admin_key):
            response = self.json2(
                "mes.event", "mes_process_events", key, payloads=[self.move(1)]
            )
            self.assertEqual(response.status_code, 403, response.text)
        # and another device does not see this device's events
        device_b = f.device.copy(
            {"login": "terminal-b1-bis", "name": "Terminal B1 bis"}
        )
        self.assertFalse(
            self.env["mes.event"].with_user(device_b).search([("id", "=", event.id)])
        )
        self.assertEqual(quant_total(self.env, f.screw, f.buffer), 2.0)
        self.assertNotIn(self.env.ref("mrp.group_mrp_user"), f.device.all_group_ids)
        self.assertNotIn(self.env.ref("stock.group_stock_user"), f.device.all_group_ids)
