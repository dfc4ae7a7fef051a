#!/usr/bin/env python3
"""Load benchmark of the shop-floor event API (not part of the test suite).

    MES_TEMPLATE_DB=mes_tpl python3 tests/benchmarks/bench_events.py \
        [--profile load|mo|load,mo] [--events 10000] [--clients 4] [--batch 100] \
        [--workers 2] [--products 4] [--mos 10] [--mo-events 1000] \
        [--db NAME] [--keep-db] [--addons-dir DIR]

Creates a database (copied from MES_TEMPLATE_DB when set; named --db, default
mes_ev_bench_<pid>) with mes_shopfloor, a device user with an API key and
stock, starts Odoo on 127.0.0.1 only (prefork with --workers), runs the
profiles asked for and drops the database (unless --keep-db).

- ``load``: about --events events posted from --clients threads in batches:
  unique `move` events, 20% of them sent again (replays) and 1% sent again
  with another quantity (conflicts). It checks that book stock equals the sum
  of the unique events, that every replay was answered `duplicate` and every
  conflict 409, and prints events/s.
- ``mo``: --mos manufacturing orders, --mo-events `consume` events each,
  posted by one client in batches of --batch, the orders in turn; prints the
  time per event for each slice of the orders' events (the 1st hundred, the
  2nd, ...), which must not grow with the number of events an order already
  has, and checks the stock consumed.

--addons-dir runs the benchmark on another checkout of addons/ (e.g. the
code before a change: `git archive <rev> addons | tar -x -C /tmp/before`).
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import odoo_env  # noqa: E402

ADDONS = {"dir": str(ROOT / "addons")}


def addons_path():
    return odoo_env.addons_path().replace(str(ROOT / "addons"), ADDONS["dir"])


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_db(db):
    db_args, host, port, user = odoo_env.db_args()
    odoo_env.drop_db(db)
    template = os.environ.get("MES_TEMPLATE_DB")
    if template:
        import psycopg2

        conn = psycopg2.connect(host=host, port=port, user=user, dbname="postgres")
        conn.autocommit = True
        with conn.cursor() as cr:
            cr.execute(f'CREATE DATABASE "{db}" TEMPLATE "{template}"')
        conn.close()
    subprocess.run(
        odoo_env.odoo_command()
        + [
            f"--addons-path={addons_path()}",
            *db_args,
            "-d",
            db,
            "-i",
            "mes_shopfloor",
            "--stop-after-init",
            "--log-level=warn",
            "--http-port=0",
            "--max-cron-threads=0",
        ],
        check=True,
    )


def setup_data(db, products, mos, mo_events):
    """Fixture committed in the database; returns (key, data)."""
    import odoo
    from odoo import api
    from odoo.fields import Command
    from odoo.tools import config

    db_args, *_ = odoo_env.db_args()
    config.parse_config([f"--addons-path={addons_path()}", *db_args])
    from odoo.modules.registry import Registry

    registry = Registry(db)
    from odoo.addons.mes_shopfloor.tests.common_events import build_event_fixture

    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        fixture = build_event_fixture(env, "BENCH")
        Product = env["product.product"]
        items = fixture.screw | Product.create(
            [
                {
                    "name": f"Bench part {i}",
                    "default_code": f"BP-{i}",
                    "is_storable": True,
                }
                for i in range(1, products)
            ]
        )
        for product in items:
            env["stock.quant"]._update_available_quantity(
                product, fixture.line_side, 1_000_000.0
            )
        # the "mo" profile: orders consuming one component, one unit an event
        component = Product.create(
            {"name": "Bench resin", "default_code": "BR-1", "is_storable": True}
        )
        assembly = Product.create(
            {"name": "Bench assembly", "default_code": "BA-1", "is_storable": True}
        )
        bom = env["mrp.bom"].create(
            {
                "product_tmpl_id": assembly.product_tmpl_id.id,
                "product_qty": 1.0,
                "bom_line_ids": [
                    Command.create({"product_id": component.id, "product_qty": 1.0})
                ],
            }
        )
        env["stock.quant"]._update_available_quantity(
            component, fixture.line_side, float(mos * mo_events * 2)
        )
        orders = env["mrp.production"].create(
            [
                {
                    "product_id": assembly.id,
                    "bom_id": bom.id,
                    "product_qty": float(mo_events),
                    "location_src_id": fixture.stock.id,
                }
                for _i in range(mos)
            ]
        )
        orders.action_confirm()
        # sudo: a key without expiry, as an administrator may give a device
        key = (
            env["res.users.apikeys"]
            .with_user(fixture.device)
            .sudo()
            ._generate(None, "benchmark", None)
        )
        return key, {
            "codes": items.mapped("default_code"),
            "ids": dict(zip(items.mapped("default_code"), items.ids, strict=True)),
            "line": fixture.line_side.id,
            "buffer": fixture.buffer.id,
            "component": component.id,
            "orders": orders.ids,
        }


def query(db, sql, params=()):
    import psycopg2

    _args, host, port, user = odoo_env.db_args()
    conn = psycopg2.connect(host=host, port=port, user=user, dbname=db)
    with conn.cursor() as cr:
        cr.execute(sql, params)
        rows = cr.fetchall()
    conn.close()
    return rows


def book_stock(db, product_ids, location_id):
    stock = dict(
        query(
            db,
            "SELECT product_id, SUM(quantity) FROM stock_quant"
            " WHERE location_id = %s AND product_id = ANY(%s) GROUP BY product_id",
            (location_id, list(product_ids)),
        )
    )
    states = dict(
        query(
            db,
            "SELECT state, COUNT(*) FROM mes_event WHERE source LIKE 'load-%%'"
            " GROUP BY state",
        )
    )
    return stock, states


def negative_quants(db):
    return query(
        db,
        "SELECT COUNT(*) FROM stock_quant q JOIN stock_location l"
        " ON l.id = q.location_id WHERE l.usage = 'internal' AND q.quantity < 0",
    )[0][0]


def start_server(db, port, workers):
    db_args, *_ = odoo_env.db_args()
    cmd = odoo_env.odoo_command() + [
        f"--addons-path={addons_path()}",
        *db_args,
        "-d",
        db,
        f"--db-filter=^{db}$",
        "--http-interface=127.0.0.1",
        f"--http-port={port}",
        f"--workers={workers}",
        "--max-cron-threads=0",
        "--limit-time-real=600",
        "--limit-time-cpu=600",
        "--log-level=warn",
    ]
    server = subprocess.Popen(cmd)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/web/health", timeout=2).ok:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.5)
    server.terminate()
    raise SystemExit("Odoo did not start")


def profile_load(args, db, url, key, data):
    from odoo.addons.mes_shopfloor.tests.test_mes_event_http import run_load

    codes = data["codes"]

    def make_event(external_id, qty, source):
        number = int(external_id.split("-")[1])
        return {
            "type": "move",
            "source": source,
            "external_id": external_id,
            "product": codes[number % len(codes)],
            "location_id": data["line"],
            "location_dest_id": data["buffer"],
            "quantity": qty,
        }

    unique = round(args.events / 1.21)  # + 20% replays + 1% conflicts
    started = time.time()
    report = run_load(
        url,
        key,
        make_event,
        unique=unique,
        clients=args.clients,
        batch=args.batch,
        seed=2026,
        timeout=600,
    )
    elapsed = time.time() - started
    expected = defaultdict(float)
    for event in report["unique_events"]:
        expected[data["ids"][event["product"]]] += event["quantity"]
    stock, states = book_stock(db, expected, data["buffer"])
    books_ok = all(abs(stock.get(p, 0.0) - q) < 1e-6 for p, q in expected.items())
    negative = negative_quants(db)
    ok = (
        not report["unexpected"]
        and report["replays_duplicate"] == report["replays"]
        and report["conflicts_409"] == report["conflicts"]
        and books_ok
        and not negative
        and states.get("applied") == unique
    )
    print(
        f"load: posted {report['posted']} events ({unique} unique, "
        f"{report['replays']} replays, {report['conflicts']} conflicts) from "
        f"{args.clients} clients in batches of {args.batch} to {args.workers} Odoo "
        f"workers: {elapsed:.1f}s, {report['posted'] / elapsed:.0f} events/s "
        f"({unique / elapsed:.0f} applied/s)"
    )
    print(
        f"replays answered duplicate: {report['replays_duplicate']}/"
        f"{report['replays']}; conflicts answered 409: "
        f"{report['conflicts_409']}/{report['conflicts']}; unexpected: "
        f"{len(report['unexpected'])}; events applied: {states}"
    )
    print(
        "book stock = sum of unique events: "
        + ("yes" if books_ok else f"NO {stock} != {dict(expected)}")
        + f"; negative quants: {negative}"
    )
    for result in report["unexpected"][:10]:
        print("unexpected:", result)
    return ok


def profile_orders(args, db, url, key, data):
    """10 orders x 1,000 consumptions: time per event by slice of each
    order's events."""
    session = requests.Session()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    slices = defaultdict(list)  # slice index -> seconds per event, per request
    bad = []
    started = time.time()
    # staggered: at each step the orders are at different counts of events,
    # so that a change of the machine's load does not read as a trend
    slice_count = -(-args.mo_events // args.batch)
    orders = data["orders"]
    steps = [
        [
            (order, (step - offset) * args.batch)
            for offset, order in enumerate(orders)
            if 0 <= step - offset < slice_count
        ]
        for step in range(slice_count + len(orders) - 1)
    ]
    for step in steps:
        for order, start in step:
            events = [
                {
                    "type": "consume",
                    "source": f"mo-{order}",
                    "external_id": f"c-{n}",
                    "production_id": order,
                    "product_id": data["component"],
                    "location_id": data["line"],
                    "quantity": 1,
                }
                for n in range(start, min(start + args.batch, args.mo_events))
            ]
            began = time.perf_counter()
            response = session.post(
                url, data=json.dumps({"events": events}), headers=headers, timeout=600
            )
            spent = time.perf_counter() - began
            results = response.json()["results"]
            bad += [r for r in results if r["status"] != "applied"]
            slices[start // args.batch].append(spent / len(events))
    elapsed = time.time() - started
    total = len(data["orders"]) * args.mo_events
    consumed = query(
        db,
        "SELECT COALESCE(SUM(quantity), 0) FROM stock_move WHERE state = 'done'"
        " AND raw_material_production_id = ANY(%s)",
        (data["orders"],),
    )[0][0]
    open_moves = query(
        db,
        "SELECT COUNT(*) FROM stock_move WHERE state NOT IN ('done', 'cancel')"
        " AND raw_material_production_id = ANY(%s)",
        (data["orders"],),
    )[0][0]
    print(
        f"mo: {len(data['orders'])} orders x {args.mo_events} consume events in "
        f"batches of {args.batch}: {elapsed:.1f}s, {total / elapsed:.0f} events/s"
    )
    print("events of the order before the batch | ms per event (median of the orders)")
    medians = []
    for index in sorted(slices):
        values = sorted(slices[index])
        median = 1000 * values[len(values) // 2]
        medians.append(median)
        print(f"{index * args.batch:>6} | {median:6.2f}")
    first, last = medians[0], medians[-1]
    print(
        f"last slice / first slice: {last / first:.2f}; consumed {consumed:.0f} of "
        f"{total}; open component moves: {open_moves} (one per order); "
        f"not applied: {len(bad)}; negative quants: {negative_quants(db)}"
    )
    for result in bad[:10]:
        print("not applied:", result)
    return (
        not bad
        and abs(consumed - total) < 1e-6
        and open_moves == len(data["orders"])
        and not negative_quants(db)
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="load", help="load, mo or load,mo")
    parser.add_argument("--events", type=int, default=10_000, help="events posted")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2, help="Odoo HTTP workers")
    parser.add_argument("--products", type=int, default=4)
    parser.add_argument("--mos", type=int, default=10, help="orders (mo profile)")
    parser.add_argument("--mo-events", type=int, default=1000, help="events an order")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--db", help="database name (default: mes_ev_bench_<pid>)")
    parser.add_argument("--addons-dir", help="another checkout of addons/")
    args = parser.parse_args()
    if args.addons_dir:
        ADDONS["dir"] = str(Path(args.addons_dir).resolve())
        sys.path.insert(0, ADDONS["dir"])
    odoo_env.require_odoo19()
    odoo_env.ensure_postgres()
    db = args.db or f"mes_ev_bench_{os.getpid()}"
    print(f"database {db}: installing mes_shopfloor ...", flush=True)
    create_db(db)
    server = None
    ok = True
    try:
        key, data = setup_data(db, args.products, args.mos, args.mo_events)
        port = free_port()
        server = start_server(db, port, args.workers)
        url = f"http://127.0.0.1:{port}/mes/api/v1/events"
        for profile in args.profile.split(","):
            if profile == "load":
                ok &= profile_load(args, db, url, key, data)
            elif profile == "mo":
                ok &= profile_orders(args, db, url, key, data)
            else:
                raise SystemExit(f"unknown profile {profile!r}")
        print("RESULT:", "OK" if ok else "FAILED")
        return 0 if ok else 1
    finally:
        if server:
            server.terminate()
            server.wait(timeout=60)
        if not args.keep_db:
            from odoo.sql_db import close_db

            close_db(db)
            odoo_env.drop_db(db)


if __name__ == "__main__":
    sys.exit(main())
