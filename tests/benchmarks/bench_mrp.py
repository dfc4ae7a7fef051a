#!/usr/bin/env python3
"""MRP benchmark: our run vs OCA mrp_multi_level vs Odoo's replenishment.

``make bench SIZE=S|M|L`` (or ``python3 tests/benchmarks/bench_mrp.py --size M``):

1. makes or reuses the plant database of that size (``generate_plant.py``);
2. times each tool in its own Odoo process, ``--repeat`` times (peers
   ``--peer-repeat`` times), every run in a transaction rolled back afterwards so
   that each starts from the same data:

   - ``mes_inventory_mrp``: ``mes.mrp.run.create(...).action_run()`` for the
     planning group holding both warehouses (every level);
   - ``mes_inventory_mrp_rerun``: the same run again after a first one
     (untimed) on unchanged data: the plan is written as a difference, so it
     writes no row;
   - ``mes_inventory_mrp_net_change``: after a first run (untimed), one
     delivery of one finished product re-dated and one PO line re-quantified,
     then a net-change run (``mode`` ``net_change``); a regenerative run after
     it (untimed) must write no row: the check that both agree;
   - ``mrp_multi_level``: ``mrp.multi.level.run_mrp_multi_level()`` on the MRP
     area over both warehouses (every level);
   - ``odoo_replenishment``: ``stock.warehouse.orderpoint._get_orderpoint_action()``,
     the computation behind Inventory > Replenishment (one level, per warehouse);

3. prints a table (min and median seconds, SQL queries of a run, peak memory,
   orders made) with the ratios ours vs each peer, checks that ours and
   mrp_multi_level plan the same total quantity for each purchased component, and
   writes ``tests/benchmarks/results/<SIZE>.json``.

Queries: ``odoo.sql_db.sql_counter`` delta over the run, plus COPY statements.
Peak memory: the growth of the process's resident set size (RSS, sampled every
5 ms by psutil) over the run, the largest of the repeats (``peak_rss_mb`` adds
the absolute process peak).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate_plant as gp  # noqa: E402

TOOLS = (
    "mes_inventory_mrp",
    "mes_inventory_mrp_rerun",
    "mes_inventory_mrp_net_change",
    "mrp_multi_level",
    "odoo_replenishment",
)
OURS = TOOLS[:3]
RESULTS = HERE / "results"


# --------------------------------------------------------------------------
# measuring
# --------------------------------------------------------------------------
class RssSampler:
    """Highest resident set size of this process while running, in bytes."""

    def __init__(self, interval=0.005):
        import psutil

        self.proc = psutil.Process()
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = None

    def rss(self):
        return self.proc.memory_info().rss

    def __enter__(self):
        self.start = self.peak = self.rss()
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def _loop(self):
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self.rss())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())


# --------------------------------------------------------------------------
# the three tools: prepare (untimed), run (timed), collect (untimed)
# --------------------------------------------------------------------------
def _leaf_ids(env):
    """Purchased components: storable products without a BOM."""
    env.cr.execute(
        """
        SELECT pp.id FROM product_product pp
          JOIN product_template pt ON pt.id = pp.product_tmpl_id
         WHERE pt.is_storable
           AND NOT EXISTS (SELECT 1 FROM mrp_bom b
                            WHERE b.product_tmpl_id = pt.id AND b.active)
        """
    )
    return {r[0] for r in env.cr.fetchall()}


class Ours:
    name = "mes_inventory_mrp"

    @staticmethod
    def available(env):
        return "mes.mrp.run" in env and hasattr(env["mes.mrp.run"], "action_run")

    def prepare(self, env):
        group = gp.ensure_planning_group(env)
        env.flush_all()
        return group

    def run(self, env, group):
        run = env["mes.mrp.run"].create({"planning_group_id": group.id})
        run.action_run()
        return run

    def collect(self, env, run):
        Suggestion = env["mes.mrp.suggestion"]
        domain = [("run_id", "=", run.id)]
        orders = Suggestion.search_count(domain)
        leaves = _leaf_ids(env)
        totals = {}
        for product, qty in Suggestion._read_group(
            domain + [("action", "=", "buy")], ["product_id"], ["product_qty:sum"]
        ):
            if product.id in leaves:
                totals[product.id] = qty
        # Existing supply that ours plans as if moved earlier: mrp_multi_level
        # keeps it at its date and orders for the needs before it.
        moved = set()
        for (product,) in env["mes.mrp.message"]._read_group(
            [("run_id", "=", run.id), ("message_type", "=", "reschedule_in")],
            ["product_id"],
        ):
            moved.add(product.id)
        info = {"state": run.state, "error": getattr(run, "error_message", "") or ""}
        return orders, totals, {"products_with_messages": sorted(moved), **info}


class OursRerun(Ours):
    """A regenerative run again on unchanged data: it writes no row."""

    name = "mes_inventory_mrp_rerun"

    def prepare(self, env):
        group = super().prepare(env)
        super().run(env, group)  # the stored plan (untimed)
        env.flush_all()
        return group

    def collect(self, env, run):
        orders = env["mes.mrp.suggestion"].search_count(
            [
                ("planning_group_id", "=", run.planning_group_id.id),
                ("state", "=", "new"),
            ]
        )
        return (
            orders,
            {},
            {
                "state": run.state,
                "error": run.error_message or "",
                "rows_written": run.rows_written,
            },
        )


class OursNetChange(OursRerun):
    """One delivery of one finished product re-dated and one PO line
    re-quantified after a full run, then a net-change run; a regenerative run
    afterwards (untimed) must write no row: both agree."""

    name = "mes_inventory_mrp_net_change"

    def prepare(self, env):
        group = super().prepare(env)
        env.cr.execute(
            """
            SELECT m.id FROM stock_move m
              JOIN stock_location src ON src.id = m.location_id
              JOIN stock_location dest ON dest.id = m.location_dest_id
              JOIN product_product pp ON pp.id = m.product_id
             WHERE m.state NOT IN ('done', 'cancel', 'draft')
               AND src.usage = 'internal' AND dest.usage = 'customer'
               AND EXISTS (SELECT 1 FROM mrp_bom b
                            WHERE b.product_tmpl_id = pp.product_tmpl_id AND b.active)
               AND NOT EXISTS (SELECT 1 FROM mrp_bom_line l
                                WHERE l.product_id = pp.id)
          ORDER BY m.id LIMIT 1
            """
        )
        move = env["stock.move"].browse(env.cr.fetchone()[0])
        move.date = move.date + timedelta(days=3)
        env.cr.execute(
            """
            SELECT l.id FROM purchase_order_line l
              JOIN purchase_order o ON o.id = l.order_id
             WHERE o.state = 'purchase' AND l.qty_received = 0
          ORDER BY l.id LIMIT 1
            """
        )
        line = env["purchase.order.line"].browse(env.cr.fetchone()[0])
        line.product_qty += 7
        env.flush_all()
        return group

    def run(self, env, group):
        run = env["mes.mrp.run"].create(
            {"planning_group_id": group.id, "mode": "net_change"}
        )
        run.action_run()
        return run

    def collect(self, env, run):
        orders, totals, extra = super().collect(env, run)
        check = Ours().run(env, run.planning_group_id)
        extra.update(
            products_replanned=run.product_count,
            regenerative_rows_written_after=check.rows_written,
            agrees_with_regenerative=check.rows_written == 0,
        )
        return orders, totals, extra


class MultiLevel:
    name = "mrp_multi_level"

    @staticmethod
    def available(env):
        return "mrp.multi.level" in env

    def prepare(self, env):
        return env["mrp.area"].search([("name", "like", "PLANT")], limit=1)

    def run(self, env, area):
        wizard = env["mrp.multi.level"].create({"mrp_area_ids": [(6, 0, area.ids)]})
        wizard.run_mrp_multi_level()
        return area

    def collect(self, env, area):
        Planned = env["mrp.planned.order"]
        domain = [("mrp_area_id", "=", area.id)]
        orders = Planned.search_count(domain)
        leaves = _leaf_ids(env)
        totals = {}
        for product, qty in Planned._read_group(
            domain + [("mrp_action", "=", "buy")], ["product_id"], ["mrp_qty:sum"]
        ):
            if product.id in leaves:
                totals[product.id] = qty
        return orders, totals, {}


class Replenishment:
    name = "odoo_replenishment"

    @staticmethod
    def available(env):
        return True

    def prepare(self, env):
        env.cr.execute("SELECT coalesce(max(id), 0) FROM stock_warehouse_orderpoint")
        return env.cr.fetchone()[0]

    def run(self, env, max_id):
        env["stock.warehouse.orderpoint"]._get_orderpoint_action()
        return max_id

    def collect(self, env, max_id):
        created = env["stock.warehouse.orderpoint"].search([("id", ">", max_id)])
        orders = len(created.filtered(lambda o: o.qty_to_order > 0))
        return orders, {}, {"orderpoints": len(created)}


TOOL_CLASSES = {
    cls.name: cls for cls in (Ours, OursRerun, OursNetChange, MultiLevel, Replenishment)
}


def worker(db, tool_name, repeat, profile_path=None):
    """Time one tool ``repeat`` times in this process; print one JSON line."""
    import gc

    import odoo.sql_db as sql_db
    from odoo import SUPERUSER_ID, api

    # COPY statements bypass Cursor.execute, hence sql_counter: count them too.
    copies = [0]

    def copy_expert(cursor, *args, **kwargs):
        copies[0] += 1
        return cursor._obj.copy_expert(*args, **kwargs)

    sql_db.Cursor.copy_expert = copy_expert
    reg = gp.registry(db)
    tool = TOOL_CLASSES[tool_name]()
    times, queries, growth, peaks = [], [], [], []
    orders, totals, extra = 0, {}, {}
    for rep in range(repeat):
        cr = reg.cursor()
        try:
            env = api.Environment(cr, SUPERUSER_ID, {})
            if not tool.available(env):
                print("RESULT " + json.dumps({"tool": tool_name, "unavailable": True}))
                return
            state = tool.prepare(env)
            gc.collect()
            profiler = None
            if profile_path and rep == 0:
                import cProfile

                profiler = cProfile.Profile()
            with RssSampler() as mem:
                q0 = sql_db.sql_counter + copies[0]
                t0 = time.perf_counter()
                if profiler:
                    profiler.enable()
                out = tool.run(env, state)
                env.flush_all()
                if profiler:
                    profiler.disable()
                elapsed = time.perf_counter() - t0
                nq = sql_db.sql_counter + copies[0] - q0
            if profiler:
                profiler.dump_stats(profile_path)
            else:
                times.append(elapsed)
                queries.append(nq)
                growth.append(mem.peak - mem.start)
                peaks.append(mem.peak)
            orders, totals, extra = tool.collect(env, out)
            print(
                f"  {tool_name} run {rep + 1}/{repeat}: {elapsed:.2f}s, {nq} queries, "
                f"+{(mem.peak - mem.start) / 2**20:.0f} MB, {orders} orders"
                + (" (profiled, not counted)" if profiler else ""),
                file=sys.stderr,
                flush=True,
            )
        finally:
            cr.rollback()
            cr.close()
    result = {
        "tool": tool_name,
        "times": times,
        "queries": max(queries) if queries else None,
        "peak_mb": round(max(growth) / 2**20, 1) if growth else None,
        "peak_rss_mb": round(max(peaks) / 2**20, 1) if peaks else None,
        "orders": orders,
        "totals": {str(k): v for k, v in totals.items()},
        "extra": extra,
    }
    print("RESULT " + json.dumps(result), flush=True)


def spawn_worker(db, tool, repeat, profile_path=None):
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        tool,
        "--db",
        db,
        "--repeat",
        str(repeat),
    ]
    if profile_path:
        cmd += ["--profile-out", str(profile_path)]
    res = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
    for line in res.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    gp.odoo_env.die(
        f"{tool} worker failed (exit {res.returncode}): {res.stdout[-2000:]}"
    )


# --------------------------------------------------------------------------
# agreement, table, JSON
# --------------------------------------------------------------------------
def bom_parents(db):
    """``{component product id: {parent product ids}}`` from active BOMs."""
    conn = gp._pg_conn(db)
    with conn.cursor() as cr:
        cr.execute(
            """
            SELECT l.product_id, pp.id
              FROM mrp_bom_line l
              JOIN mrp_bom b ON b.id = l.bom_id AND b.active
              JOIN product_product pp ON pp.product_tmpl_id = b.product_tmpl_id
            """
        )
        parents = {}
        for comp, parent in cr.fetchall():
            parents.setdefault(comp, set()).add(parent)
        cr.execute("SELECT id, default_code FROM product_product")
        codes = dict(cr.fetchall())
        # minimum quantity of each product's first vendor (Odoo's seller order)
        cr.execute(
            """
            SELECT DISTINCT ON (pp.id) pp.id, s.min_qty
              FROM product_supplierinfo s
              JOIN product_product pp ON pp.product_tmpl_id = s.product_tmpl_id
          ORDER BY pp.id, s.sequence, s.min_qty DESC, s.price, s.id
            """
        )
        first_min = dict(cr.fetchall())
    conn.close()
    return parents, codes, first_min


def agreement(db, ours, peer):
    """Products whose total planned purchase differs between ours and the peer."""
    a = {int(k): v for k, v in ours["totals"].items()}
    b = {int(k): v for k, v in peer["totals"].items()}
    parents, codes, first_min = bom_parents(db)
    messaged = set(ours["extra"].get("products_with_messages", []))

    def explained(pid):
        seen, todo = set(), [pid]
        while todo:
            p = todo.pop()
            if p in messaged:
                return True
            for parent in parents.get(p, ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return False

    compared = sorted(set(a) | set(b))

    def reason(pid):
        if explained(pid):
            return "late supply rescheduled in"
        if first_min.get(pid, 0) > 0:
            return "vendor minimum per day vs per need"
        return "unexplained"

    diffs = []
    for pid in compared:
        qa, qb = a.get(pid, 0.0), b.get(pid, 0.0)
        if abs(qa - qb) > 1e-6:
            diffs.append((pid, codes.get(pid, pid), qa, qb, reason(pid)))
    reasons = {}
    for d in diffs:
        reasons[d[4]] = reasons.get(d[4], 0) + 1
    return {
        "products_compared": len(compared),
        "compared_downstream_of_rescheduled_supply": sum(map(explained, compared)),
        "products_differing": len(diffs),
        "differing_by_reason": reasons,
        "total_ours": round(sum(a.values()), 3),
        "total_peer": round(sum(b.values()), 3),
        "first": [
            {"product": code, "ours": qa, "mrp_multi_level": qb, "reason": why}
            for _pid, code, qa, qb, why in diffs[:8]
        ],
    }


def row(size, res):
    times = res["times"]
    return {
        "tool": res["tool"],
        "size": size,
        "min_s": round(min(times), 3),
        "median_s": round(statistics.median(times), 3),
        "queries": res["queries"],
        "peak_mb": res["peak_mb"],
        "orders": res["orders"],
        **(
            {"rows_written": res["extra"]["rows_written"]}
            if "rows_written" in res.get("extra", {})
            else {}
        ),
    }


def print_table(rows, extra):
    header = f"{'size':<5}{'tool':<30}{'min s':>9}{'median s':>10}{'queries':>10}"
    header += f"{'peak MB':>9}{'orders':>8}{'runs':>6}"
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['size']:<5}{r['tool']:<30}{r['min_s']:>9.2f}{r['median_s']:>10.2f}"
            f"{r['queries']:>10}{r['peak_mb']:>9.1f}{r['orders']:>8}"
            f"{extra[r['tool']]['runs']!s:>6}"
        )


def machine():
    cpu = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "nproc": os.cpu_count(),
        "mem_gb": round(mem_gb, 1),
        "cpu": cpu,
        "loadavg_start": os.getloadavg(),
    }


def main():
    parser = argparse.ArgumentParser(description="MRP benchmark (see module doc)")
    parser.add_argument("--size", choices=sorted(gp.SIZES), default="S")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per tool")
    parser.add_argument(
        "--peer-repeat",
        type=int,
        default=None,
        help="timed runs of mrp_multi_level and odoo_replenishment (default --repeat)",
    )
    parser.add_argument("--seed", type=int, default=gp.DEFAULT_SEED)
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the rows of tools not run now from the existing <SIZE>.json",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile one extra run of ours"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        gp.init_odoo()
        worker(args.db, args.worker, args.repeat, args.profile_out)
        return 0

    size = args.size
    tools = [t for t in args.tools.split(",") if t]
    peer_repeat = args.peer_repeat or args.repeat
    info = machine()
    print(
        f"machine: {info['nproc']} cores, {info['mem_gb']} GB, {info['cpu']}, "
        f"load {info['loadavg_start'][0]:.1f}"
    )
    db, marker = gp.ensure_plant(size, args.seed, force=args.regenerate)
    results = {}
    for tool in tools:
        repeat = args.repeat if tool in OURS else peer_repeat
        print(f"{tool}: {repeat} run(s) on {db}", flush=True)
        res = spawn_worker(db, tool, repeat)
        if res.get("unavailable"):
            print(f"  {tool}: not available in {db} (module not installed yet)")
            continue
        results[tool] = res
    profile = None
    if args.profile and "mes_inventory_mrp" in results:
        RESULTS.mkdir(exist_ok=True)
        prof_path = RESULTS / f"{size}-profile.pstats"
        spawn_worker(db, "mes_inventory_mrp", 1, prof_path)
        profile = str(prof_path)
        import pstats

        stats = pstats.Stats(str(prof_path))
        stats.sort_stats("cumulative")
        text_path = RESULTS / f"{size}-profile.txt"
        with open(text_path, "w") as f:
            stats.stream = f
            stats.print_stats(60)
        print(f"profile of our run: {text_path}")

    rows = [row(size, results[t]) for t in TOOLS if t in results]
    extra = {t: {"runs": len(results[t]["times"])} for t in results}
    kept = []
    out = RESULTS / f"{size}.json"
    if args.keep and out.exists():
        old = {r["tool"]: r for r in json.loads(out.read_text())}
        for tool in TOOLS:
            if tool not in results and tool in old:
                rows.append(old[tool])
                extra[tool] = {"runs": "kept"}
                kept.append(tool)
        rows.sort(key=lambda r: TOOLS.index(r["tool"]))
    print()
    print_table(rows, extra)
    by_tool = {r["tool"]: r for r in rows}
    ours = by_tool.get("mes_inventory_mrp")
    summary = {"size": size, "plant": marker, "machine": info, "ratios": {}}
    if kept:
        summary["kept_from_earlier_run"] = kept
    if ours:
        for peer in ("mrp_multi_level", "odoo_replenishment"):
            if peer in by_tool:
                ratio = by_tool[peer]["median_s"] / max(ours["median_s"], 1e-9)
                summary["ratios"][peer] = round(ratio, 1)
                print(f"ours vs {peer}: {ratio:.1f}x faster (median)")
    if "mes_inventory_mrp" in results and "mrp_multi_level" in results:
        agree = agreement(db, results["mes_inventory_mrp"], results["mrp_multi_level"])
        summary["agreement"] = agree
        print(
            f"agreement (total planned per purchased component, lot-for-lot, no "
            f"safety stock): {agree['products_differing']} of "
            f"{agree['products_compared']} products differ; totals ours "
            f"{agree['total_ours']:g} vs mrp_multi_level {agree['total_peer']:g}"
        )
        for why, count in sorted(agree["differing_by_reason"].items()):
            print(f"  {count:5d} {why}")
        print(
            f"  ({agree['compared_downstream_of_rescheduled_supply']} of the "
            f"{agree['products_compared']} compared go into a product with late "
            f"existing supply)"
        )
        for d in agree["first"]:
            print(
                f"  {d['product']}: ours {d['ours']:g}, "
                f"mrp_multi_level {d['mrp_multi_level']:g} ({d['reason']})"
            )
    for tool in OURS[1:]:
        if tool in results:
            extra_info = results[tool]["extra"]
            summary[tool] = extra_info
            print(f"{tool}: {extra_info['rows_written']} rows written", end="")
            if "agrees_with_regenerative" in extra_info:
                print(
                    f", {extra_info['products_replanned']} products replanned; "
                    "a regenerative run after it writes "
                    f"{extra_info['regenerative_rows_written_after']} rows "
                    f"(agree: {extra_info['agrees_with_regenerative']})",
                    end="",
                )
            print()
    if ours and ours["queries"] is not None and "mes_inventory_mrp" in results:
        summary["ours_state"] = results["mes_inventory_mrp"]["extra"].get("state")
    summary["peak_rss_mb"] = {t: results[t]["peak_rss_mb"] for t in results}
    summary["profile"] = profile
    RESULTS.mkdir(exist_ok=True)
    if kept:
        details = RESULTS / f"{size}-details.json"
        if details.exists():
            previous = json.loads(details.read_text())
            for key in ("agreement", "peak_rss_mb"):
                if key in previous and key not in summary:
                    summary[key] = previous[key]
    out.write_text(json.dumps(rows, indent=2) + "\n")
    (RESULTS / f"{size}-details.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"wrote {out.relative_to(gp.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
