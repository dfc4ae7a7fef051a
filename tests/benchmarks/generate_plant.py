#!/usr/bin/env python3
"""A reproducible synthetic plant for the MRP benchmark (seeded random).

Sizes (products / BOM lines / demand lines): S 200 / ~1,000 / 300,
M 2,000 / ~10,000 / 3,000, L 10,000 / ~50,000 / 15,000.

What a plant holds, in one company:
- two warehouses, the central one (the template's ``WH``) and a shop floor ``SF``,
  under one view location ``PLANT`` (so that OCA ``mrp_multi_level`` can see both
  as one MRP area, as our planning group does);
- finished goods (15 %), semi-finished goods on levels 1 to 3 (35 %) and purchased
  leaf components (50 %): 3 to 5 product levels, one normal BOM per manufactured
  product (BOM line quantities 1 to 4, manufacturing lead time 1 to 5 days);
- 1 to 3 vendors per purchased component (``product.supplierinfo``: price, minimum
  quantity, delay); the first vendor by sequence always has the smallest minimum,
  so that "first vendor whose minimum fits, else the first one raised to its
  minimum" (ours) and "main supplier's minimum" (mrp_multi_level) agree;
- on-hand stock in both warehouses, confirmed deliveries over the next 90 days,
  confirmed manufacturing orders and confirmed purchase orders in transit;
- OCA ``mrp_multi_level`` set up for the same products: one ``mrp.area`` over
  ``PLANT`` and one ``product.mrp.area`` per product (lot-for-lot, no safety
  stock, minimum order quantity = the main vendor's minimum).

Every quantity is an integer, so no tool's rounding changes a total.

Run directly to (re)build one size: ``python3 tests/benchmarks/generate_plant.py
--size S``; ``bench_mrp.py`` calls :func:`ensure_plant` and reuses a database made
by the same generator version and seed (marker in ``ir.config_parameter``).
"""

import argparse
import contextlib
import hashlib
import json
import logging
import os
import random
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import odoo_env  # noqa: E402

_logger = logging.getLogger("mes.bench.generate")

GENERATOR_VERSION = 1
DEFAULT_SEED = 4242
# A database with the host apps installed saves minutes; without it the plant
# database is made from scratch by installing the modules.
TEMPLATE_DB = os.environ.get("MES_TEMPLATE_DB", "mes_tpl")
MARKER_KEY = "mes_bench.plant_marker"
# MES_BENCH_PEERS=0: without OCA mrp_multi_level (only our rows can be timed).
WITH_PEERS = os.environ.get("MES_BENCH_PEERS", "1") != "0"
BENCH_MODULES = ("mes_inventory_mrp", "mrp_multi_level")[: 2 if WITH_PEERS else 1]
# MES_BENCH_DB_PREFIX: the plant databases' name before the size (a shared
# PostgreSQL: each engineer's own prefix).
DB_PREFIX = os.environ.get("MES_BENCH_DB_PREFIX", "mes_bench_")
# OCA mrp_multi_level and the addons it depends on: installed for the benchmark
# only (not in requirements.txt), without pip dependencies like every OCA wheel.
PEER_WHEELS = (
    "odoo-addon-mrp_multi_level==19.0.*",
    "odoo-addon-mrp_warehouse_calendar==19.0.*",
    "odoo-addon-stock_warehouse_calendar==19.0.*",
)

SIZES = {
    "S": {"products": 200, "bom_lines": 1_000, "demand": 300},
    "M": {"products": 2_000, "bom_lines": 10_000, "demand": 3_000},
    "L": {"products": 10_000, "bom_lines": 50_000, "demand": 15_000},
}
HORIZON_DAYS = 85  # every generated date falls inside a 90-day horizon
NO_TRACKING = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    "no_reset_password": True,
}


def db_name(size):
    return f"{DB_PREFIX}{size.lower()}"


def addon_hash():
    """Hash of mes_inventory_mrp's code: the plant database is updated on change."""
    digest = hashlib.sha256()
    base = ROOT / "addons" / "mes_inventory_mrp"
    for path in sorted(base.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".xml", ".csv"}:
            if "tests" in path.relative_to(base).parts:
                continue
            digest.update(str(path.relative_to(base)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# --------------------------------------------------------------------------
# Odoo in-process
# --------------------------------------------------------------------------
_CONFIGURED = False


def init_odoo(log_level="warn"):
    """Parse Odoo's config once for this process (addons path, database)."""
    global _CONFIGURED
    odoo_env.require_odoo19()
    if _CONFIGURED:
        return
    from odoo.tools import config

    db_args, *_ = odoo_env.db_args()
    config.parse_config(
        [
            f"--addons-path={odoo_env.addons_path()}",
            *db_args,
            f"--log-level={log_level}",
            "--http-interface=127.0.0.1",
        ],
        setup_logging=True,
    )
    _CONFIGURED = True


def registry(db):
    init_odoo()
    from odoo.modules.registry import Registry

    return Registry(db)


@contextlib.contextmanager
def environment(db, commit=True):
    """An Odoo environment as superuser; commits at the end unless told not to."""
    from odoo import SUPERUSER_ID, api

    reg = registry(db)
    cr = reg.cursor()
    try:
        env = api.Environment(cr, SUPERUSER_ID, {})
        yield env
        if commit:
            cr.commit()
        else:
            cr.rollback()
    except BaseException:
        cr.rollback()
        raise
    finally:
        cr.close()


def _pg_conn(dbname="postgres"):
    import psycopg2

    _a, host, port, user = odoo_env.db_args()
    conn = psycopg2.connect(host=host, port=port, user=user, dbname=dbname)
    conn.autocommit = True
    return conn


def database_exists(db):
    conn = _pg_conn()
    with conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db])
        found = bool(cr.fetchone())
    conn.close()
    return found


def read_marker(db):
    """The marker left by a finished generation, or None."""
    if not database_exists(db):
        return None
    conn = _pg_conn(db)
    try:
        with conn.cursor() as cr:
            cr.execute(
                "SELECT value FROM ir_config_parameter WHERE key = %s", [MARKER_KEY]
            )
            row = cr.fetchone()
    finally:
        conn.close()
    return json.loads(row[0]) if row else None


def write_marker(db, marker):
    conn = _pg_conn(db)
    with conn.cursor() as cr:
        cr.execute(
            """
            INSERT INTO ir_config_parameter (key, value, create_uid, write_uid,
                                             create_date, write_date)
            VALUES (%s, %s, 1, 1, now() at time zone 'UTC', now() at time zone 'UTC')
            ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
            """,
            [MARKER_KEY, json.dumps(marker)],
        )
    conn.close()


def run_odoo_bin(db, flag, modules):
    """Install (-i) or update (-u) modules in ``db`` with odoo-bin."""
    db_args, *_ = odoo_env.db_args()
    log_path = ROOT / "var" / f"{db}-{flag.strip('-')}.log"
    log_path.parent.mkdir(exist_ok=True)
    cmd = odoo_env.odoo_command() + [
        f"--addons-path={odoo_env.addons_path()}",
        *db_args,
        "-d",
        db,
        flag,
        ",".join(modules),
        "--stop-after-init",
        "--http-port=0",
        "--max-cron-threads=0",
        "--log-level=warn",
        f"--logfile={log_path}",
    ]
    started = time.time()
    res = subprocess.run(cmd, check=False)
    if res.returncode:
        odoo_env.die(
            f"odoo-bin {flag} {','.join(modules)} failed on {db}: see {log_path}"
        )
    return time.time() - started


def ensure_peer_addons():
    """pip-install OCA mrp_multi_level and its OCA dependencies when missing."""
    import importlib.util

    if (
        not WITH_PEERS
        or importlib.util.find_spec("odoo.addons.mrp_multi_level") is not None
    ):
        return
    print("installing " + " ".join(PEER_WHEELS) + " (--no-deps)", flush=True)
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps"]
    if subprocess.run(pip + list(PEER_WHEELS), check=False).returncode:
        odoo_env.die("pip could not install " + " ".join(PEER_WHEELS))


def create_database(db, template=TEMPLATE_DB):
    """A fresh copy of the template with our addon and mrp_multi_level installed."""
    odoo_env.ensure_postgres()
    ensure_peer_addons()
    odoo_env.drop_db(db)
    if template and database_exists(template):
        conn = _pg_conn()
        with conn.cursor() as cr:
            cr.execute(f'CREATE DATABASE "{db}" TEMPLATE "{template}"')
        conn.close()
    else:
        print(f"  no template database {template!r}: installing from scratch")
    return run_odoo_bin(db, "-i", BENCH_MODULES)


# --------------------------------------------------------------------------
# The plant
# --------------------------------------------------------------------------
class Blueprint:
    """The whole plant decided in plain Python from the seed (no ORM, no dates).

    Products are indexes: finished goods on level 0, semi-finished goods on
    levels 1-3, purchased components on level 4. Days are offsets from today.
    """

    # BOM shape: a BOM holds a semi-finished good of the next level with this
    # probability, and any other line is a deeper semi-finished good with the
    # second one (else a purchased component). Kept low so that the dependent
    # demand does not explode geometrically with the levels.
    P_NEXT_LEVEL = 0.7
    P_DEEPER = 0.02
    # Demand mix: finished goods, spare semi-finished goods, spare components.
    DEMAND_MIX = (0.6, 0.2, 0.2)
    # On-hand: (share of products with stock, highest quantity)
    STOCK_MAKE = (0.7, 100)
    STOCK_BUY = (0.6, 400)

    def __init__(self, size, seed=DEFAULT_SEED):
        self.size = size
        self.spec = SIZES[size]
        self.seed = seed
        rng = self.rng = random.Random(f"{seed}-{size}")
        n = self.spec["products"]
        self.n_vendors = max(10, n // 20)
        self.n_customers = max(5, self.n_vendors // 2)
        n_fg = round(n * 0.15)
        n_int = round(n * 0.35)
        n_leaf = n - n_fg - n_int
        level_of = [0] * n_fg
        split = [round(n_int * 0.4), round(n_int * 0.35)]
        split.append(n_int - sum(split))
        for lvl, cnt in zip((1, 2, 3), split, strict=True):
            level_of += [lvl] * cnt
        level_of += [4] * n_leaf
        self.level_of = level_of
        self.by_level = {
            lvl: [i for i, x in enumerate(level_of) if x == lvl] for lvl in range(5)
        }
        self.made = [i for i, x in enumerate(level_of) if x < 4]
        self._boms(rng)
        self._sellers(rng)
        self._stock(rng)
        self._deliveries(rng)
        self._productions(rng)
        self._purchases(rng)

    def _boms(self, rng):
        by_level, level_of = self.by_level, self.level_of
        avg_lines = self.spec["bom_lines"] / len(self.made)
        boms = {}
        for i in self.made:
            lvl = level_of[i]
            k = max(2, round(rng.uniform(avg_lines * 0.6, avg_lines * 1.4)))
            comps = []
            if lvl < 3 and rng.random() < self.P_NEXT_LEVEL:
                comps.append(rng.choice(by_level[lvl + 1]))
            deeper = [x for d in range(lvl + 1, 4) for x in by_level[d]]
            while len(comps) < k:
                use_deeper = deeper and rng.random() < self.P_DEEPER
                c = rng.choice(deeper if use_deeper else by_level[4])
                if c not in comps:
                    comps.append(c)
            boms[i] = [(c, rng.choice((1, 1, 1, 2, 2, 3))) for c in comps]
        # every semi-finished good and component is used somewhere
        used = {c for lines in boms.values() for c, _q in lines}
        for c in range(len(by_level[0]), len(level_of)):
            if c in used:
                continue
            lvl = level_of[c]
            parents = by_level[lvl - 1] if lvl < 4 else self.made
            boms[rng.choice(parents)].append((c, 1))
        self.boms = boms
        self.produce_delay = {i: rng.randint(1, 5) for i in self.made}

    def _sellers(self, rng):
        sellers = {}
        for i in self.by_level[4]:
            k = rng.choice((1, 1, 2, 2, 3))
            base_price = round(rng.uniform(1, 200), 2)
            first_min = rng.choice((0, 0, 0, 5, 10, 20, 50))
            lines = []
            for s in range(k):
                lines.append(
                    {
                        "vendor": rng.randrange(self.n_vendors),
                        "sequence": s + 1,
                        "price": round(base_price * rng.uniform(0.85, 1.15), 2),
                        # the first vendor has the smallest minimum
                        "min_qty": first_min * (2 * s + 1) + 10 * s,
                        "delay": rng.randint(2, 21),
                    }
                )
            sellers[i] = lines
        self.sellers = sellers

    def _stock(self, rng):
        """``[(product, "C"|"S", qty)]``: central and shop-floor on-hand."""
        rows = []
        for i, lvl in enumerate(self.level_of):
            chance, high = self.STOCK_BUY if lvl == 4 else self.STOCK_MAKE
            if rng.random() < chance:
                rows.append((i, "C", rng.randint(1, high)))
                if rng.random() < 0.4:
                    rows.append((i, "S", rng.randint(1, high // 2)))
        self.stock = rows

    def _deliveries(self, rng):
        """``[(wh, day, customer, [(product, qty)])]``, one picking each."""
        mix = self.DEMAND_MIX
        semis = self.by_level[1] + self.by_level[2] + self.by_level[3]
        lines = []
        for _k in range(self.spec["demand"]):
            r = rng.random()
            if r < mix[0]:
                pool = self.by_level[0]
            elif r < mix[0] + mix[1]:
                pool = semis
            else:
                pool = self.by_level[4]
            lines.append((rng.choice(pool), rng.randint(1, 10)))
        pickings = []
        idx = 0
        while idx < len(lines):
            size = rng.randint(1, 4)
            chunk = lines[idx : idx + size]
            idx += size
            wh = "C" if rng.random() < 0.7 else "S"
            if rng.random() < 0.05:
                day = rng.randint(-3, -1)  # late: planned from today
            else:
                day = rng.randint(0, HORIZON_DAYS)
            pickings.append((wh, day, rng.randrange(self.n_customers), chunk))
        self.deliveries = pickings

    def _productions(self, rng):
        """``[(product, wh, start day, qty)]`` confirmed MOs."""
        n_mo = max(3, self.spec["demand"] // 75)
        self.productions = [
            (
                rng.choice(self.made),
                "C" if rng.random() < 0.7 else "S",
                rng.randint(0, 60),
                rng.randint(5, 30),
            )
            for _k in range(n_mo)
        ]

    def _purchases(self, rng):
        """``[(vendor, wh, day, [(product, qty, price)])]`` confirmed POs."""
        n_lines = max(5, self.spec["demand"] // 30)
        by_vendor = {}
        for _k in range(n_lines):
            i = rng.choice(self.by_level[4])
            seller = self.sellers[i][0]
            qty = max(seller["min_qty"], rng.randint(10, 200))
            by_vendor.setdefault(seller["vendor"], {})[i] = (qty, seller["price"])
        orders = []
        for vendor, lines in sorted(by_vendor.items()):
            wh = "C" if rng.random() < 0.8 else "S"
            day = rng.randint(1, 30)
            orders.append(
                (vendor, wh, day, [(i, q, p) for i, (q, p) in sorted(lines.items())])
            )
        self.purchases = orders


class PlantGenerator:
    """Materializes a :class:`Blueprint` into ``env`` with bulk creates."""

    def __init__(self, env, size, seed=DEFAULT_SEED):
        self.env = env(context=dict(env.context, **NO_TRACKING))
        self.size = size
        self.bp = Blueprint(size, seed)
        self.stats = {"size": size, "seed": seed, "steps": {}}
        self.today = datetime.now().replace(hour=10, minute=0, second=0, microsecond=0)

    @contextlib.contextmanager
    def step(self, name):
        started = time.time()
        yield
        self.env.flush_all()
        elapsed = time.time() - started
        self.stats["steps"][name] = round(elapsed, 2)
        print(f"  {name}: {elapsed:.1f}s", flush=True)

    def day(self, offset, hour=10):
        return (self.today + timedelta(days=offset)).replace(hour=hour)

    def wh(self, code):
        return self.central if code == "C" else self.shop

    def setup_company(self):
        env = self.env
        company = env.ref("base.main_company")
        self.company = company
        env["ir.config_parameter"].sudo().set_param("stock.no_auto_scheduler", "True")
        central = env.ref("stock.warehouse0")
        shop = env["stock.warehouse"].create(
            {"name": "Shop Floor", "code": "SF", "company_id": company.id}
        )
        plant = env["stock.location"].create(
            {"name": "PLANT", "usage": "view", "company_id": company.id}
        )
        (central.view_location_id | shop.view_location_id).write(
            {"location_id": plant.id}
        )
        self.central, self.shop, self.plant_location = central, shop, plant
        # Reservation at confirmation would spend minutes reserving quants that
        # no MRP looks at.
        (
            central.out_type_id
            | shop.out_type_id
            | central.manu_type_id
            | shop.manu_type_id
            | central.pick_type_id
            | shop.pick_type_id
        ).write({"reservation_method": "manual"})
        self.route_buy = env.ref("purchase_stock.route_warehouse0_buy")
        self.route_make = env.ref("mrp.route_warehouse0_manufacture")
        self.uom_unit = env.ref("uom.product_uom_unit")
        self.customer_location = env.ref("stock.stock_location_customers")

    def make_partners(self):
        Partner = self.env["res.partner"]
        self.vendors = Partner.create(
            [
                {"name": f"Bench Vendor {i:05d}", "is_company": True}
                for i in range(self.bp.n_vendors)
            ]
        )
        self.customers = Partner.create(
            [
                {"name": f"Bench Customer {i:04d}", "is_company": True}
                for i in range(self.bp.n_customers)
            ]
        )

    def make_products(self):
        bp = self.bp
        vals = []
        for i, lvl in enumerate(bp.level_of):
            kind = {0: "FG", 4: "RM"}.get(lvl, f"SF{lvl}")
            route = self.route_buy if lvl == 4 else self.route_make
            v = {
                "name": f"Bench {kind} {i:05d}",
                "default_code": f"B{self.size}-{kind}-{i:05d}",
                "type": "consu",
                "is_storable": True,
                "uom_id": self.uom_unit.id,
                "list_price": 10.0,
                "route_ids": [(6, 0, route.ids)],
            }
            if lvl == 4:
                v["seller_ids"] = [
                    (
                        0,
                        0,
                        {
                            "partner_id": self.vendors[s["vendor"]].id,
                            "sequence": s["sequence"],
                            "price": s["price"],
                            "min_qty": s["min_qty"],
                            "delay": s["delay"],
                        },
                    )
                    for s in bp.sellers[i]
                ]
            vals.append(v)
        Product = self.env["product.product"]
        ids = []
        for start in range(0, len(vals), 1000):
            ids += Product.create(vals[start : start + 1000]).ids
        self.products = Product.browse(ids)
        self.pid = ids

    def make_boms(self):
        bp = self.bp
        tmpl = dict(
            zip(self.pid, self.products.mapped("product_tmpl_id").ids, strict=True)
        )
        vals = [
            {
                "product_tmpl_id": tmpl[self.pid[i]],
                "product_qty": 1,
                "type": "normal",
                "produce_delay": bp.produce_delay[i],
                "company_id": self.company.id,
                "bom_line_ids": [
                    (0, 0, {"product_id": self.pid[c], "product_qty": q})
                    for c, q in lines
                ],
            }
            for i, lines in sorted(bp.boms.items())
        ]
        Bom = self.env["mrp.bom"]
        ids = []
        for start in range(0, len(vals), 500):
            ids += Bom.create(vals[start : start + 500]).ids
        self.bom_of = dict(zip(sorted(bp.boms), ids, strict=True))
        self.stats["bom_lines"] = sum(len(x) for x in bp.boms.values())

    def make_stock(self):
        """On-hand as quants, inserted in one statement (no move history)."""
        from psycopg2.extras import execute_values

        rows = [
            (
                self.pid[i],
                self.wh(wh).lot_stock_id.id,
                self.company.id,
                qty,
                0,
                self.today,
                1,
                1,
                self.today,
                self.today,
            )
            for i, wh, qty in self.bp.stock
        ]
        execute_values(
            self.env.cr._obj,
            """
            INSERT INTO stock_quant (product_id, location_id, company_id, quantity,
                reserved_quantity, in_date, create_uid, write_uid, create_date,
                write_date)
            VALUES %s
            """,
            rows,
            page_size=5000,
        )
        self.env.invalidate_all()
        self.stats["quants"] = len(rows)

    def make_deliveries(self):
        dest = self.customer_location.id
        vals = []
        count = 0
        for n, (wh_code, day, customer, lines) in enumerate(self.bp.deliveries):
            wh = self.wh(wh_code)
            when = self.day(day)
            src = wh.lot_stock_id.id
            count += len(lines)
            vals.append(
                {
                    "picking_type_id": wh.out_type_id.id,
                    "partner_id": self.customers[customer].id,
                    "location_id": src,
                    "location_dest_id": dest,
                    "scheduled_date": when,
                    "origin": f"BENCH-SO-{n:05d}",
                    "company_id": self.company.id,
                    "move_ids": [
                        (
                            0,
                            0,
                            {
                                "product_id": self.pid[i],
                                "product_uom_qty": qty,
                                "product_uom": self.uom_unit.id,
                                "location_id": src,
                                "location_dest_id": dest,
                                "date": when,
                                "picking_type_id": wh.out_type_id.id,
                                "company_id": self.company.id,
                            },
                        )
                        for i, qty in lines
                    ],
                }
            )
        Picking = self.env["stock.picking"]
        for start in range(0, len(vals), 500):
            Picking.create(vals[start : start + 500]).action_confirm()
        self.stats["delivery_moves"] = count
        self.stats["deliveries"] = len(vals)

    def make_productions(self):
        vals = []
        for n, (i, wh_code, day, qty) in enumerate(self.bp.productions):
            wh = self.wh(wh_code)
            vals.append(
                {
                    "product_id": self.pid[i],
                    "bom_id": self.bom_of[i],
                    "product_qty": qty,
                    "product_uom_id": self.uom_unit.id,
                    "picking_type_id": wh.manu_type_id.id,
                    "location_src_id": wh.lot_stock_id.id,
                    "location_dest_id": wh.lot_stock_id.id,
                    "date_start": self.day(day, hour=8),
                    "origin": f"BENCH-MO-{n:05d}",
                    "company_id": self.company.id,
                }
            )
        Production = self.env["mrp.production"]
        moves = 0
        for start in range(0, len(vals), 100):
            batch = Production.create(vals[start : start + 100])
            batch.action_confirm()
            moves += len(batch.move_raw_ids) + len(batch.move_finished_ids)
        self.stats["productions"] = len(vals)
        self.stats["production_moves"] = moves

    def make_purchases(self):
        vals = []
        for vendor, wh_code, day, lines in self.bp.purchases:
            when = self.day(day, hour=12)
            vals.append(
                {
                    "partner_id": self.vendors[vendor].id,
                    "picking_type_id": self.wh(wh_code).in_type_id.id,
                    "date_planned": when,
                    "company_id": self.company.id,
                    "order_line": [
                        (
                            0,
                            0,
                            {
                                "product_id": self.pid[i],
                                "product_qty": qty,
                                "product_uom_id": self.uom_unit.id,
                                "price_unit": price,
                                "date_planned": when,
                            },
                        )
                        for i, qty, price in lines
                    ],
                }
            )
        orders = self.env["purchase.order"].create(vals)
        orders.button_confirm()
        self.stats["purchase_orders"] = len(orders)
        self.stats["purchase_lines"] = sum(len(x[3]) for x in self.bp.purchases)

    def setup_mrp_multi_level(self):
        """One MRP area over PLANT; per product: lot-for-lot, no safety stock."""
        env = self.env
        env["mrp.area"].search([]).write({"active": False})
        area = env["mrp.area"].create(
            {
                "name": "PLANT (central + shop floor)",
                "warehouse_id": self.central.id,
                "location_id": self.plant_location.id,
            }
        )
        sellers = self.bp.sellers
        vals = [
            {
                "mrp_area_id": area.id,
                "product_id": pid,
                # procure (find the buy/manufacture rule) from central stock
                "location_proc_id": self.central.lot_stock_id.id,
                "mrp_minimum_order_qty": sellers[i][0]["min_qty"]
                if i in sellers
                else 0,
                "mrp_nbr_days": 0,
                "mrp_minimum_stock": 0,
            }
            for i, pid in enumerate(self.pid)
        ]
        for start in range(0, len(vals), 1000):
            env["product.mrp.area"].create(vals[start : start + 1000])
        self.stats["mrp_area_id"] = area.id

    def generate(self):
        started = time.time()
        with self.step("company, warehouses, partners"):
            self.setup_company()
            self.make_partners()
        with self.step("products + supplierinfo"):
            self.make_products()
        with self.step("boms"):
            self.make_boms()
        with self.step("stock"):
            self.make_stock()
        with self.step("deliveries"):
            self.make_deliveries()
        with self.step("manufacturing orders"):
            self.make_productions()
        with self.step("purchase orders"):
            self.make_purchases()
        if "mrp.area" in self.env:
            with self.step("mrp_multi_level areas"):
                self.setup_mrp_multi_level()
        self.env["ir.config_parameter"].sudo().set_param("stock.no_auto_scheduler", "")
        self.stats["products"] = len(self.pid)
        self.stats["generate_s"] = round(time.time() - started, 1)
        return self.stats


def ensure_planning_group(env):
    """One planning group holding both warehouses, central receiving (idempotent)."""
    if "mes.mrp.planning.group" not in env:
        return None
    central = env.ref("stock.warehouse0")
    both = env["stock.warehouse"].search([("company_id", "=", central.company_id.id)])
    Group = env["mes.mrp.planning.group"].with_context(active_test=False)
    groups = Group.search([("company_id", "=", central.company_id.id)])
    group = groups.filtered(lambda g: central in g.warehouse_ids)[:1] or groups[:1]
    vals = {
        "warehouse_ids": [(6, 0, both.ids)],
        "warehouse_id": central.id,
        "active": True,
    }
    if not group:
        group = Group.create(
            {"name": "Plant", "company_id": central.company_id.id, **vals}
        )
    elif set(group.warehouse_ids.ids) != set(both.ids) or group.warehouse_id != central:
        # other groups must let go of these warehouses first
        (groups - group).write({"active": False})
        group.write(vals)
    return group


def ensure_plant(size, seed=DEFAULT_SEED, force=False):
    """The plant database for ``size``: reused when its marker matches, else made."""
    odoo_env.ensure_postgres()
    db = db_name(size)
    marker = None if force else read_marker(db)
    current_hash = addon_hash()
    if (
        marker
        and marker.get("version") == GENERATOR_VERSION
        and marker.get("seed") == seed
        and marker.get("size") == size
    ):
        if marker.get("addon_hash") != current_hash:
            print(f"{db}: mes_inventory_mrp changed, updating the module", flush=True)
            run_odoo_bin(db, "-u", ["mes_inventory_mrp"])
            marker["addon_hash"] = current_hash
            write_marker(db, marker)
        with environment(db) as env:
            ensure_planning_group(env)
        print(f"{db}: reusing plant (seed {seed}, generator v{GENERATOR_VERSION})")
        return db, marker
    print(f"{db}: creating from {TEMPLATE_DB} (size {size}, seed {seed})", flush=True)
    install_s = create_database(db)
    print(f"  install {', '.join(BENCH_MODULES)}: {install_s:.1f}s", flush=True)
    with environment(db) as env:
        stats = PlantGenerator(env, size, seed).generate()
        ensure_planning_group(env)
    stats.update(
        version=GENERATOR_VERSION,
        seed=seed,
        size=size,
        install_s=round(install_s, 1),
        addon_hash=current_hash,
        generated_at=datetime.now().isoformat(timespec="seconds"),
    )
    write_marker(db, stats)
    conn = _pg_conn(db)
    with conn.cursor() as cr:
        cr.execute("VACUUM ANALYZE")  # fresh statistics after the bulk load
    conn.close()
    print(f"{db}: generated in {stats['generate_s']}s: {json.dumps(stats)}", flush=True)
    return db, stats


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="S")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--force", action="store_true", help="regenerate even if reusable"
    )
    args = parser.parse_args()
    ensure_plant(args.size, args.seed, force=args.force)


if __name__ == "__main__":
    main()
