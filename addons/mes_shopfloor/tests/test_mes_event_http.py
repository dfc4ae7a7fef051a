import json
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import requests

from odoo.fields import Command
from odoo.tests import tagged
from odoo.tests.common import HttpCase

from .common_events import build_event_fixture, quant_total

URL = "/mes/api/v1/events"


def make_key(env, user):
    return (
        env["res.users.apikeys"]
        .with_user(user)
        ._generate(None, "mes tests", datetime.now() + timedelta(days=1))
    )


@tagged("post_install", "-at_install")
class TestMesEventHttp(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.f = build_event_fixture(cls.env, "H1")
        cls.key = make_key(cls.env, cls.f.device)

    def post(self, body, key=None, raw=None):
        headers = {"Content-Type": "application/json"}
        if key is not False:
            headers["Authorization"] = f"Bearer {key or self.key}"
        data = raw if raw is not None else json.dumps(body)
        return self.url_open(URL, data=data, headers=headers, method="POST")

    def move(self, external_id, qty=1.0, source="wms"):
        return {
            "type": "move",
            "source": source,
            "external_id": external_id,
            "product": self.f.screw.default_code,
            "location_id": self.f.line_side.id,
            "location_dest_id": self.f.buffer.id,
            "quantity": qty,
        }

    def test_single_event_duplicate_and_conflict(self):
        response = self.post(self.move("m-1", 4))
        self.assertEqual(response.status_code, 200, response.text)
        body = response.json()
        self.assertEqual(body["status"], "applied")
        self.assertEqual(body["results"][0]["external_id"], "m-1")
        self.assertEqual(body["summary"]["applied"], 1)

        response = self.post(self.move("m-1", 4))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["status"], "duplicate")

        response = self.post(self.move("m-1", 5))
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["status"], "conflict")
        self.assertEqual(response.json()["field"], "external_id")
        self.assertEqual(quant_total(self.env, self.f.screw, self.f.buffer), 4.0)

    def test_batch_statuses(self):
        self.assertEqual(self.post(self.move("b-0", 1)).status_code, 200)
        batch = {
            "events": [
                self.move("b-1", 2),
                self.move("b-0", 1),  # duplicate
                self.move("b-0", 3),  # conflict
                self.move("b-2", -1),  # bad quantity
            ]
        }
        response = self.post(batch)
        self.assertEqual(response.status_code, 207, response.text)
        body = response.json()
        self.assertEqual(
            [r["status"] for r in body["results"]],
            ["applied", "duplicate", "conflict", "error"],
        )
        self.assertEqual([r["code"] for r in body["results"]], [200, 200, 409, 400])
        self.assertEqual(body["results"][3]["field"], "quantity")
        self.assertEqual(
            body["summary"], {"applied": 1, "duplicate": 1, "conflict": 1, "error": 1}
        )
        self.assertEqual(quant_total(self.env, self.f.screw, self.f.buffer), 3.0)
        # a batch where everything was already received: all duplicates, 200
        response = self.post({"events": [self.move("b-1", 2), self.move("b-0", 1)]})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["summary"]["duplicate"], 2)

    def test_bad_requests(self):
        response = self.post(None, raw="{not json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["field"], "body")
        self.assertIn("malformed JSON", response.json()["error"])

        response = self.post({"events": []})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["field"], "events")

        response = self.post("just a string")
        self.assertEqual(response.status_code, 400)

        too_many = {"events": [self.move(f"x-{i}") for i in range(1001)]}
        response = self.post(too_many)
        self.assertEqual(response.status_code, 400)
        self.assertIn("at most 1000 events", response.json()["error"])
        self.assertFalse(self.env["mes.event"].search([("external_id", "=", "x-1")]))

        response = self.post(dict(self.move("q-1"), quantity=0))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["field"], "quantity")

    def test_authentication_and_authorization(self):
        response = self.post(self.move("a-1"), key=False)
        self.assertEqual(response.status_code, 401)
        response = self.post(self.move("a-1"), key="not-a-key")
        self.assertEqual(response.status_code, 401)
        # a valid key of a user who is not a shop-floor device
        operator_key = make_key(self.env, self.f.operator)
        response = self.post(self.move("a-1"), key=operator_key)
        self.assertEqual(response.status_code, 403)
        self.assertIn("not a Shop-floor Device", response.json()["error"])
        self.assertFalse(self.env["mes.event"].search([("external_id", "=", "a-1")]))

    def test_key_of_another_company_refused(self):
        other = self.env["res.company"].create({"name": "Other Plant H1"})
        device_b = self.env["res.users"].create(
            {
                "name": "Terminal B",
                "login": "terminal-b-h1",
                "company_id": other.id,
                "company_ids": [Command.set(other.ids)],
                "group_ids": [
                    Command.set(
                        [
                            self.env.ref("base.group_user").id,
                            self.env.ref("mes_shopfloor.group_shopfloor_device").id,
                        ]
                    )
                ],
            }
        )
        key_b = make_key(self.env, device_b)
        # names our company explicitly
        response = self.post(
            dict(self.move("c-1"), company_id=self.f.company.id), key=key_b
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["field"], "company_id")
        # refers to our MO and locations from its own company
        consume = {
            "type": "consume",
            "source": "wms",
            "external_id": "c-2",
            "production_id": self.f.mo.id,
            "product_id": self.f.comp.id,
            "lot_id": self.f.lot.id,
            "quantity": 1,
        }
        response = self.post(consume, key=key_b)
        self.assertEqual(response.status_code, 403, response.text)
        self.assertIn("another company", response.json()["error"])
        self.assertEqual(quant_total(self.env, self.f.comp, self.f.line_side), 100.0)

    def test_small_load_two_clients(self):
        """200 unique events from 2 clients, 20% replays, 1% conflicting."""
        with self.allow_requests():
            report = run_load(
                self.base_url() + URL,
                self.key,
                self.move,
                unique=200,
                clients=2,
                batch=20,
                seed=7,
                # requests of a test carry its test-cursor cookie
                cookies=dict(self.opener.cookies),
            )
        self.assertEqual(report["unexpected"], [])
        self.assertEqual(report["replays_duplicate"], report["replays"])
        self.assertEqual(report["conflicts_409"], report["conflicts"])
        self.assertGreater(report["replays"], 0)
        self.assertGreater(report["conflicts"], 0)
        self.assertEqual(
            quant_total(self.env, self.f.screw, self.f.buffer), report["expected_qty"]
        )
        self.assertEqual(
            self.env["mes.event"].search_count(
                [("source", "like", "load-"), ("state", "=", "applied")]
            ),
            200,
        )
        # and no quant went negative on the way
        self.assertFalse(
            self.env["stock.quant"].search(
                [("location_id.usage", "=", "internal"), ("quantity", "<", 0)]
            )
        )


def run_load(
    url, key, make_event, unique, clients, batch, seed, timeout=60, cookies=None
):
    """Post ``unique`` move events split over ``clients`` threads, in batches,
    replaying 20% and sending 1% again with another payload. Returns counts
    and the quantity that must have arrived. Shared with the benchmark."""
    rng = random.Random(seed)
    plans = [[] for _ in range(clients)]
    expected = 0.0
    uniques = []
    for i in range(unique):
        qty = float(rng.randint(1, 3))
        expected += qty
        event = make_event(f"u-{i}", qty, source=f"load-{i % clients}")
        uniques.append(event)
        plans[i % clients].append(("new", event))
    for plan in plans:
        originals = [e for _kind, e in plan]
        for event in rng.sample(originals, max(1, len(originals) // 5)):
            plan.append(("replay", dict(event)))
        for event in rng.sample(originals, max(1, len(originals) // 100)):
            plan.append(("conflict", dict(event, quantity=event["quantity"] + 100)))
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def client(plan):
        # originals first, then replays and conflicts shuffled among them
        news = [p for p in plan if p[0] == "new"]
        others = [p for p in plan if p[0] != "new"]
        rng_local = random.Random(len(plan))
        rng_local.shuffle(others)
        ordered = news[: len(news) // 2] + others + news[len(news) // 2 :]
        # a replay may only come after its original: move those that would
        # precede it to the end
        seen, head, tail = set(), [], []
        for kind, event in ordered:
            key_ = event["external_id"]
            if kind == "new":
                seen.add(key_)
                head.append((kind, event))
            elif key_ in seen:
                head.append((kind, event))
            else:
                tail.append((kind, event))
        ordered = head + tail
        stats = {"replays": 0, "dup": 0, "conflicts": 0, "c409": 0, "bad": []}
        session = requests.Session()
        session.cookies.update(cookies or {})
        for start in range(0, len(ordered), batch):
            chunk = ordered[start : start + batch]
            response = session.post(
                url,
                data=json.dumps({"events": [e for _k, e in chunk]}),
                headers=headers,
                timeout=timeout,
            )
            results = response.json()["results"]
            for (kind, _event), result in zip(chunk, results, strict=True):
                if kind == "replay":
                    stats["replays"] += 1
                    stats["dup"] += result["status"] == "duplicate"
                    if result["status"] != "duplicate":
                        stats["bad"].append(result)
                elif kind == "conflict":
                    stats["conflicts"] += 1
                    stats["c409"] += result["code"] == 409
                    if result["code"] != 409:
                        stats["bad"].append(result)
                elif result["status"] != "applied":
                    stats["bad"].append(result)
        return stats

    with ThreadPoolExecutor(max_workers=clients) as pool:
        all_stats = list(pool.map(client, plans))
    return {
        "replays": sum(s["replays"] for s in all_stats),
        "replays_duplicate": sum(s["dup"] for s in all_stats),
        "conflicts": sum(s["conflicts"] for s in all_stats),
        "conflicts_409": sum(s["c409"] for s in all_stats),
        "unexpected": [b for s in all_stats for b in s["bad"]],
        "expected_qty": expected,
        "unique_events": uniques,
        "posted": sum(len(p) for p in plans),
        "requests": sum(-(-len(p) // batch) for p in plans),  # ceil division per client
    }
