#!/usr/bin/env python3
"""Load benchmark of the shop-floor event API (not part of the test suite).

    MES_TEMPLATE_DB=mes_tpl python3 tests/benchmarks/bench_events.py \
        [--events 10000] [--clients 4] [--batch 100] [--workers 2] [--products 4]

Creates a database (copied from MES_TEMPLATE_DB when set) with mes_shopfloor,
a device user with an API key and stock, starts Odoo on 127.0.0.1 only (prefork
with --workers), then posts about --events events from --clients threads in
batches: unique `move` events, 20% of them sent again (replays) and 1% sent
again with another quantity (conflicts). It checks that book stock equals the
sum of the unique events, that every replay was answered `duplicate` and every
conflict 409, prints events/s and drops the database (unless --keep-db).
"""

import argparse
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
            f"--addons-path={odoo_env.addons_path()}",
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


def setup_data(db, products):
    """Fixture committed in the database; returns (key, event factory data)."""
    import odoo
    from odoo import api
    from odoo.tools import config

    db_args, *_ = odoo_env.db_args()
    config.parse_config([f"--addons-path={odoo_env.addons_path()}", *db_args])
    from odoo.modules.registry import Registry

    registry = Registry(db)
    from odoo.addons.mes_shopfloor.tests.common_events import build_event_fixture

    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        fixture = build_event_fixture(env, "BENCH")
        items = fixture.screw | env["product.product"].create(
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
        # sudo: a key without expiry, as a device would have
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
        }


def book_stock(db, product_ids, location_id):
    import psycopg2

    _args, host, port, user = odoo_env.db_args()
    conn = psycopg2.connect(host=host, port=port, user=user, dbname=db)
    with conn.cursor() as cr:
        cr.execute(
            "SELECT product_id, SUM(quantity) FROM stock_quant"
            " WHERE location_id = %s AND product_id = ANY(%s) GROUP BY product_id",
            (location_id, list(product_ids)),
        )
        result = dict(cr.fetchall())
        cr.execute(
            "SELECT state, COUNT(*) FROM mes_event WHERE source LIKE 'load-%%'"
            " GROUP BY state"
        )
        states = dict(cr.fetchall())
    conn.close()
    return result, states


def start_server(db, port, workers):
    db_args, *_ = odoo_env.db_args()
    cmd = odoo_env.odoo_command() + [
        f"--addons-path={odoo_env.addons_path()}",
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000, help="events posted")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2, help="Odoo HTTP workers")
    parser.add_argument("--products", type=int, default=4)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--db", help="database name (default: mes_ev_bench_<pid>)")
    args = parser.parse_args()
    odoo_env.require_odoo19()
    odoo_env.ensure_postgres()
    db = args.db or f"mes_ev_bench_{os.getpid()}"
    print(f"database {db}: installing mes_shopfloor ...", flush=True)
    create_db(db)
    server = None
    try:
        key, data = setup_data(db, args.products)
        port = free_port()
        server = start_server(db, port, args.workers)
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
            f"http://127.0.0.1:{port}/mes/api/v1/events",
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
        ok = (
            not report["unexpected"]
            and report["replays_duplicate"] == report["replays"]
            and report["conflicts_409"] == report["conflicts"]
            and all(abs(stock.get(p, 0.0) - q) < 1e-6 for p, q in expected.items())
            and states.get("applied") == unique
        )
        print(
            f"posted {report['posted']} events ({unique} unique, {report['replays']} "
            f"replays, {report['conflicts']} conflicts) from {args.clients} clients "
            f"in batches of {args.batch} to {args.workers} Odoo workers: "
            f"{elapsed:.1f}s, {report['posted'] / elapsed:.0f} events/s "
            f"({unique / elapsed:.0f} applied/s)"
        )
        print(
            f"replays answered duplicate: {report['replays_duplicate']}/"
            f"{report['replays']}; conflicts answered 409: "
            f"{report['conflicts_409']}/{report['conflicts']}; unexpected: "
            f"{len(report['unexpected'])}; events applied: {states}"
        )
        books_ok = all(abs(stock.get(p, 0.0) - q) < 1e-6 for p, q in expected.items())
        print(
            "book stock = sum of unique events: "
            + ("yes" if books_ok else f"NO {stock} != {dict(expected)}")
        )
        for result in report["unexpected"][:10]:
            print("unexpected:", result)
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
