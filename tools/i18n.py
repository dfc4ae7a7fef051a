#!/usr/bin/env python3
"""Translation files of our addons: templates, merge, what is left to translate.

    tools/i18n.py export           `make pot`: regenerate addons/*/i18n/<addon>.pot
    tools/i18n.py merge [LANG]     fold the .pot into each <LANG>.po (zh_CN), keeping
                                   the translations already made
    tools/i18n.py missing [LANG]   entries untranslated or with a broken placeholder
    tools/i18n.py missing --json F the same, written as {msgid: ""} to F to fill in
    tools/i18n.py fill F [LANG]    write F's translations ({msgid: msgstr}) into the .po
    tools/i18n.py check [--db DB]  exit 1 when a committed .pot differs from an export

`export` uses Odoo's own exporter (``odoo.tools.translate.trans_export``, what
``odoo-bin i18n export`` calls) on a database holding our three addons, without demo
data: the one named by ``--db`` (left as it is), else a new one copied from
``MES_TEMPLATE_DB`` when set (a database with the host apps installed, much faster),
else a fresh one; that database is dropped afterwards unless ``--keep-db``.
`merge` and `missing` need no database (polib, installed with Odoo).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import odoo_env

ROOT = odoo_env.ROOT
ADDONS = odoo_env.OUR_ADDONS
DEFAULT_LANG = "zh_CN"
# Header fields that change at every export and say nothing about the terms.
VOLATILE_HEADER = ("POT-Creation-Date", "PO-Revision-Date")

EXPORT_SCRIPT = """
import pathlib
from odoo.tools.translate import trans_export
out = pathlib.Path({outdir!r})
for module in {modules!r}:
    with open(out / (module + ".pot"), "wb") as buf:
        if not trans_export(None, [module], buf, "po", env):
            raise SystemExit("no translatable term found in " + module)
print("MES-I18N-EXPORTED")
"""


def pot_path(addon):
    return ROOT / "addons" / addon / "i18n" / f"{addon}.pot"


def po_path(addon, lang):
    return ROOT / "addons" / addon / "i18n" / f"{lang}.po"


# ----------------------------------------------------------------------
# export
# ----------------------------------------------------------------------
def _create_db(name, template=None):
    import psycopg2

    odoo_env.drop_db(name)
    _a, host, port, user = odoo_env.db_args()
    conn = psycopg2.connect(host=host, port=port, user=user, dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cr:
        if template:
            cr.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            cr.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def _odoo_base(db, subcommand=()):
    db_args, *_ = odoo_env.db_args()
    return odoo_env.odoo_command() + [
        *subcommand,
        f"--addons-path={odoo_env.addons_path()}",
        *db_args,
        "-d",
        db,
    ]


def install_addons(db):
    """Install (or update) our three addons in ``db``, no demo data."""
    cmd = _odoo_base(db) + [
        "-i",
        ",".join(ADDONS),
        "--stop-after-init",
        "--log-level=warn",
        "--http-port=0",
        "--max-cron-threads=0",
    ]
    print(f"Installing {', '.join(ADDONS)} into {db}", flush=True)
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode:
        print(res.stdout[-3000:], res.stderr[-3000:], sep="\n")
        odoo_env.die(f"installing the addons into {db} failed")


def export_pots(db, outdir):
    """Export the .pot of each of our addons from ``db`` into ``outdir``."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    script = EXPORT_SCRIPT.format(outdir=str(outdir), modules=list(ADDONS))
    res = subprocess.run(
        _odoo_base(db, ["shell"]) + ["--no-http", "--log-level=warn"],
        input=script,
        capture_output=True,
        text=True,
        check=False,
    )
    if res.returncode or "MES-I18N-EXPORTED" not in res.stdout:
        print(res.stdout[-3000:], res.stderr[-3000:], sep="\n")
        raise RuntimeError(f"exporting the translation templates from {db} failed")
    return {addon: outdir / f"{addon}.pot" for addon in ADDONS}


def _with_database(opts, work):
    """Run ``work(db)`` on the database of ``opts`` (made when not given)."""
    odoo_env.require_odoo19()
    odoo_env.ensure_postgres()
    if opts.db:
        return work(opts.db)
    db = os.environ.get("MES_POT_DB", "mes_pot")
    _create_db(db, os.environ.get("MES_TEMPLATE_DB"))
    try:
        install_addons(db)
        return work(db)
    finally:
        if not opts.keep_db:
            odoo_env.drop_db(db)


def cmd_export(opts):
    def work(db):
        with tempfile.TemporaryDirectory() as tmp:
            for addon, path in export_pots(db, tmp).items():
                target = pot_path(addon)
                target.parent.mkdir(exist_ok=True)
                new = path.read_text()
                if target.exists() and _entries_text(target.read_text()) == (
                    _entries_text(new)
                ):
                    print(f"{target.relative_to(ROOT)}: up to date")
                    continue
                target.write_text(new)
                print(f"{target.relative_to(ROOT)}: written ({_count(new)} entries)")
        return 0

    return _with_database(opts, work)


# ----------------------------------------------------------------------
# check (used by `make test`)
# ----------------------------------------------------------------------
def _entries_text(text):
    """The .pot without its volatile header dates (what staleness compares)."""
    return "\n".join(
        line
        for line in text.splitlines()
        if not any(line.startswith(f'"{key}:') for key in VOLATILE_HEADER)
        and not line.startswith('"Project-Id-Version:')
    )


def _count(text):
    import polib

    return len(polib.pofile(text))


def stale_pots(db):
    """[(addon, reason)] for each committed .pot that differs from ``db``'s export."""
    import polib

    stale = []
    with tempfile.TemporaryDirectory() as tmp:
        for addon, path in export_pots(db, tmp).items():
            committed = pot_path(addon)
            if not committed.exists():
                stale.append((addon, f"{committed.relative_to(ROOT)} is missing"))
                continue
            fresh = {e.msgid: e for e in polib.pofile(str(path))}
            old = {e.msgid: e for e in polib.pofile(str(committed))}
            added = sorted(set(fresh) - set(old))
            gone = sorted(set(old) - set(fresh))
            moved = sorted(
                msgid
                for msgid in set(fresh) & set(old)
                if sorted(fresh[msgid].occurrences) != sorted(old[msgid].occurrences)
                or fresh[msgid].comment != old[msgid].comment
            )
            if added or gone or moved:
                parts = []
                for label, ids in (
                    ("new", added),
                    ("removed", gone),
                    ("moved", moved),
                ):
                    if ids:
                        parts.append(f"{len(ids)} {label} (e.g. {ids[0]!r:.60})")
                stale.append((addon, ", ".join(parts)))
    return stale


def cmd_check(opts):
    stale = _with_database(opts, stale_pots)
    for addon, reason in stale:
        print(f"STALE {pot_path(addon).relative_to(ROOT)}: {reason}")
    if stale:
        print("Regenerate the templates with `make pot`, then `make po-merge`.")
        return 1
    print("translation templates up to date")
    return 0


# ----------------------------------------------------------------------
# merge / missing / fill (no database)
# ----------------------------------------------------------------------
PLACEHOLDER_RE = re.compile(
    r"%\([A-Za-z0-9_]+\)[-#0 +]*\d*(?:\.\d+)?[sdfir]"  # %(name)s
    r"|%[-#0 +]*\d*(?:\.\d+)?[sdfir]"  # %s %d %.2f
    r"|%%"
    r"|\{[A-Za-z0-9_.]*(?:![rsa])?(?::[^{}]*)?\}"  # {name} {} {0:.2f}
    r"|<[^<>]+>"  # HTML / QWeb tags with their attributes
    r"|\bobject\.[A-Za-z0-9_.]+"  # print_report_name expressions
)


def placeholders(text):
    return Counter(PLACEHOLDER_RE.findall(text or ""))


def placeholder_problem(msgid, msgstr):
    """A message when ``msgstr`` does not keep ``msgid``'s placeholders."""
    want, got = placeholders(msgid), placeholders(msgstr)
    if want == got:
        return None
    lost = sorted((want - got).elements())
    extra = sorted((got - want).elements())
    return f"placeholders differ: missing {lost}, unexpected {extra}"


def merge(addon, lang):
    """Rewrite <lang>.po from the .pot, keeping the translations already made."""
    import polib

    pot = polib.pofile(str(pot_path(addon)))
    path = po_path(addon, lang)
    old = polib.pofile(str(path)) if path.exists() else polib.POFile()
    known = {e.msgid: e.msgstr for e in old if not e.obsolete and e.msgstr}
    po = polib.POFile(wrapwidth=pot.wrapwidth)
    po.header = pot.header
    po.metadata = dict(old.metadata or pot.metadata)
    po.metadata.update(
        {
            "Language": lang,
            "Content-Type": "text/plain; charset=UTF-8",
        }
    )
    kept = new = 0
    for entry in pot:
        entry.msgstr = known.get(entry.msgid, "")
        if entry.msgstr:
            kept += 1
        else:
            new += 1
        po.append(entry)
    dropped = len(set(known) - {e.msgid for e in pot})
    path.write_text(str(po) + "\n")
    print(
        f"{path.relative_to(ROOT)}: {kept} translated kept, {new} to translate, "
        f"{dropped} no longer used dropped"
    )


def missing_entries(addon, lang):
    """[(msgid, reason)]: untranslated, broken placeholders, absent from the .po."""
    import polib

    path = po_path(addon, lang)
    if not path.exists():
        return [(None, f"{path.relative_to(ROOT)} does not exist")]
    po = polib.pofile(str(path))
    problems = []
    by_id = {}
    for entry in po:
        if entry.obsolete:
            continue
        by_id[entry.msgid] = entry
        if not entry.msgstr.strip():
            problems.append((entry.msgid, "untranslated"))
        elif "fuzzy" in entry.flags:
            problems.append((entry.msgid, "fuzzy"))
        else:
            problem = placeholder_problem(entry.msgid, entry.msgstr)
            if problem:
                problems.append((entry.msgid, problem))
    if pot_path(addon).exists():
        for entry in polib.pofile(str(pot_path(addon))):
            if entry.msgid not in by_id:
                problems.append((entry.msgid, "in the .pot, not in the .po (merge)"))
    return problems


def cmd_merge(opts):
    for addon in ADDONS:
        merge(addon, opts.lang)
    return 0


def cmd_missing(opts):
    todo = {}
    total = 0
    for addon in ADDONS:
        problems = missing_entries(addon, opts.lang)
        total += len(problems)
        print(f"== {addon}: {len(problems)} to fix")
        for msgid, reason in problems:
            if not opts.json:
                print(f"  [{reason}] {msgid!r}")
            if msgid is not None:
                todo.setdefault(msgid, "")
    if opts.json:
        Path(opts.json).write_text(json.dumps(todo, ensure_ascii=False, indent=1))
        print(f"{len(todo)} msgids written to {opts.json}: fill them in, then `fill`")
    return 1 if total else 0


def cmd_fill(opts):
    import polib

    translations = json.loads(Path(opts.file).read_text())
    for addon in ADDONS:
        path = po_path(addon, opts.lang)
        po = polib.pofile(str(path))
        filled = 0
        for entry in po:
            value = translations.get(entry.msgid)
            if value:
                entry.msgstr = value
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
                filled += 1
        path.write_text(str(po) + "\n")
        print(f"{path.relative_to(ROOT)}: {filled} entries filled")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("export", "check"):
        p = sub.add_parser(name)
        p.add_argument("--db", help="an existing database with our addons installed")
        p.add_argument("--keep-db", action="store_true")
    for name in ("merge", "missing"):
        p = sub.add_parser(name)
        p.add_argument("lang", nargs="?", default=DEFAULT_LANG)
        if name == "missing":
            p.add_argument("--json", help="write the msgids to fill into this file")
    p = sub.add_parser("fill")
    p.add_argument("file", help="JSON {msgid: msgstr}")
    p.add_argument("lang", nargs="?", default=DEFAULT_LANG)
    opts = parser.parse_args(argv)
    return {
        "export": cmd_export,
        "check": cmd_check,
        "merge": cmd_merge,
        "missing": cmd_missing,
        "fill": cmd_fill,
    }[opts.command](opts)


if __name__ == "__main__":
    sys.exit(main())
