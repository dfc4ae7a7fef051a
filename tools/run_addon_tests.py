#!/usr/bin/env python3
"""One addon's Odoo tests, fast: `make test-addon ADDON=mes_costing`.

With MES_TEMPLATE_DB set to a database that already holds the host apps (mrp,
purchase_stock, ...), the test database is copied from it, which saves minutes.
Extra test tags: MES_TEST_TAGS (default: /<addon>).
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import odoo_env
import run_tests


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in odoo_env.OUR_ADDONS:
        odoo_env.die("usage: run_addon_tests.py " + "|".join(odoo_env.OUR_ADDONS))
    addon = sys.argv[1]
    odoo_env.require_odoo19()
    odoo_env.ensure_postgres()
    db = os.environ.get("MES_DB") or f"mes_t_{addon}_{os.getpid()}"
    template = os.environ.get("MES_TEMPLATE_DB")
    odoo_env.drop_db(db)
    if template:
        import psycopg2

        _a, host, port, user = odoo_env.db_args()
        conn = psycopg2.connect(host=host, port=port, user=user, dbname="postgres")
        conn.autocommit = True
        with conn.cursor() as cr:
            cr.execute(f'CREATE DATABASE "{db}" TEMPLATE "{template}"')
        conn.close()
    db_args, *_ = odoo_env.db_args()
    tags = os.environ.get("MES_TEST_TAGS", f"/{addon}")
    log_path = odoo_env.ROOT / "var" / f"{db}.log"
    log_path.parent.mkdir(exist_ok=True)
    cmd = odoo_env.odoo_command() + [
        f"--addons-path={odoo_env.addons_path()}",
        *db_args,
        "-d",
        db,
        "-i",
        addon,
        "--test-enable",
        f"--test-tags={tags}",
        "--stop-after-init",
        "--log-level=info",
        "--http-port=0",
        "--max-cron-threads=0",
    ]
    started = time.time()
    run_tests.run(cmd, log_path=log_path)
    passed, failed, skipped, problems = run_tests.read_odoo_log(log_path)
    if not os.environ.get("MES_KEEP_DB"):
        odoo_env.drop_db(db)
    for line in problems:
        print(line)
    print(f"({time.time() - started:.0f}s, log {log_path})")
    print(f"{passed} passed, {failed + len(problems)} failed, {skipped} skipped")
    return 1 if failed or problems else 0


if __name__ == "__main__":
    sys.exit(main())
