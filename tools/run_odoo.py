#!/usr/bin/env python3
"""`make run`: Odoo with our three addons and their demo data on database mes_demo.

Installs requirements.txt, makes sure PostgreSQL answers, creates (or updates) the
database, then serves Odoo on http://localhost:8069 (login admin / admin).

``MES_LANG=zh_CN make run``: the demo in Simplified Chinese. The language is
loaded (Odoo's translations and ours) and the administrator switched to it;
``MES_LANG=en_US`` switches him back.
"""

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import odoo_env


def database_exists(name):
    import psycopg2

    _args, host, port, user = odoo_env.db_args()
    conn = psycopg2.connect(host=host, port=port, user=user, dbname="postgres")
    with conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        found = bool(cr.fetchone())
    conn.close()
    return found


# Odoo 19's own "Procurement: run scheduler" fails once with a serialization
# error on the first start of a fresh database with demo data, with or without our
# addons (its batch cursor commits orderpoints that the job's own cursor still has
# to write). Running the scheduler once in one transaction while preparing the
# database does the same work without that race, so the first start logs no ERROR.
WARM_UP = """
env["stock.rule"].sudo().run_scheduler(use_new_cursor=False)
env.cr.commit()
"""


def warm_up_scheduler(options):
    res = subprocess.run(
        odoo_env.odoo_command() + ["shell", *options, "--no-http", "--log-level=warn"],
        input=WARM_UP,
        text=True,
        check=False,
        capture_output=True,
    )
    if res.returncode:
        print(res.stdout[-2000:], res.stderr[-2000:], sep="\n")
        odoo_env.die("running Odoo's scheduler once on the new database failed")


SET_LANGUAGE = """
from odoo.tools.translate import load_language
load_language(env.cr, {lang!r})
env.ref("base.user_admin").lang = {lang!r}
env.cr.commit()
print("MES-LANG-SET")
"""


def set_language(options, lang):
    """Load ``lang`` (Odoo's and our translations) and give it to admin."""
    print(f"Loading language {lang} and switching the administrator to it")
    res = subprocess.run(
        odoo_env.odoo_command() + ["shell", *options, "--no-http", "--log-level=warn"],
        input=SET_LANGUAGE.format(lang=lang),
        text=True,
        check=False,
        capture_output=True,
    )
    if res.returncode or "MES-LANG-SET" not in res.stdout:
        print(res.stdout[-2000:], res.stderr[-2000:], sep="\n")
        odoo_env.die(f"loading language {lang} failed (a code such as zh_CN?)")


def main():
    odoo_env.require_odoo19()
    odoo_env.install_requirements()
    odoo_env.ensure_postgres()
    db = os.environ.get("MES_DB", "mes_demo")
    port = os.environ.get("MES_HTTP_PORT", "8069")
    db_args, *_ = odoo_env.db_args()
    options = [
        f"--addons-path={odoo_env.addons_path()}",
        *db_args,
        "-d",
        db,
        f"--db-filter=^{db}$",
    ]
    base = odoo_env.odoo_command() + options
    modules = ",".join(odoo_env.OUR_ADDONS)
    step = "-u" if database_exists(db) else "-i"
    print(f"Preparing database {db} ({'update' if step == '-u' else 'install'})")
    res = subprocess.run(
        base + [step, modules, "--with-demo", "--stop-after-init"], check=False
    )
    if res.returncode:
        odoo_env.die(f"installing the addons into {db} failed")
    if step == "-i":
        warm_up_scheduler(options)
    if os.environ.get("MES_LANG"):
        set_language(options, os.environ["MES_LANG"])
    print(f"\nOdoo is starting on http://localhost:{port}  (login: admin / admin)\n")
    os.execv(base[0], base + [f"--http-port={port}"])


if __name__ == "__main__":
    main()
