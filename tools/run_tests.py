#!/usr/bin/env python3
"""The whole test suite: `make test` runs this.

1. Odoo 19 must be importable (else: a message saying how to get it, exit 2).
2. requirements.txt is installed, PostgreSQL is reachable (started when local).
3. Lint (pre-commit, local hooks).
4. Plain pytest on the pure engine and on the translations (`-p no:odoo`:
   tests/engine, tests/i18n: every zh_CN entry translated, placeholders kept).
5. A fresh database: our three addons installed with `--test-enable`, tests tagged
   to our modules; then the cross-addon scenarios of tests/scenarios through
   pytest-odoo on the same database; then the translation templates
   (addons/*/i18n/*.pot) are exported from that database and compared with the
   committed ones: a stale .pot fails the run (fix: `make pot`).
6. The Odoo log is read: any FAIL/ERROR, any skipped browser tour, any WARNING or
   worse raised by or about our modules fails the run.
7. One closing line: `N passed, N failed, N skipped`.
"""

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import i18n
import odoo_env

ROOT = odoo_env.ROOT
RESULT_RE = re.compile(
    r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database"
)
PYTEST_RE = re.compile(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed)")
LOG_LINE_RE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) (?P<db>\S+) "
    r"(?P<logger>\S+): (?P<msg>.*)$"
)
OUR_MARKERS = ("mes_", "mes.")
# Host messages that are not about our code even when they mention it.
IGNORED_WARNINGS = (
    "Two fields (",  # host duplicate-label warnings on host models
)


def run(cmd, log_path=None, env=None):
    print("+", " ".join(cmd), flush=True)
    if log_path is None:
        return subprocess.run(cmd, cwd=ROOT, env=env, check=False)
    with open(log_path, "w") as log:
        return subprocess.run(
            cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=False
        )


def pytest_counts(output):
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    tail = output.strip().splitlines()[-1:] or [""]
    for num, word in PYTEST_RE.findall(tail[0]):
        if word == "passed":
            counts["passed"] += int(num)
        elif word in ("failed", "error", "errors"):
            counts["failed"] += int(num)
        elif word == "skipped":
            counts["skipped"] += int(num)
    return counts


def run_pytest(args, label):
    print(f"== {label}", flush=True)
    cmd = [sys.executable, "-m", "pytest", "-q", "-o", "cache_dir=/tmp/.mes_pytest"]
    proc = subprocess.run(
        cmd + args, cwd=ROOT, capture_output=True, text=True, check=False
    )
    print(proc.stdout[-6000:], proc.stderr[-3000:], sep="\n", flush=True)
    if proc.returncode == 5:  # no tests collected
        return {"passed": 0, "failed": 0, "skipped": 0}
    counts = pytest_counts(proc.stdout)
    if proc.returncode and not counts["failed"]:
        counts["failed"] = 1
    return counts


def read_odoo_log(path):
    """Return (passed, failed, skipped, problems) read from an Odoo test log."""
    text = Path(path).read_text(errors="replace")
    failed = total = 0
    for m in RESULT_RE.finditer(text):
        failed = int(m.group(1)) + int(m.group(2))
        total = int(m.group(3))
    problems, skipped = [], 0
    for line in text.splitlines():
        m = LOG_LINE_RE.match(line)
        if not m:
            continue
        level, logger, msg = m.group("level"), m.group("logger"), m.group("msg")
        ours = logger.startswith("odoo.addons.mes_") or any(
            marker in msg for marker in OUR_MARKERS
        )
        if " skipped " in f" {msg}" and msg.startswith("skipped"):
            skipped += 1
            problems.append(f"skipped test: {line}")
            continue
        if level in ("ERROR", "CRITICAL"):
            problems.append(line)
        elif level == "WARNING" and ours:
            if not any(ign in msg for ign in IGNORED_WARNINGS):
                problems.append(line)
        elif "Chrome executable not found" in msg or "websocket-client" in msg:
            problems.append(line)
    if total == 0 and "tests when loading database" not in text:
        problems.append("Odoo did not report any test result (did it start?)")
    return total - failed, failed, skipped, problems


def run_odoo_tests(db, log_path):
    odoo_env.drop_db(db)
    db_args, *_ = odoo_env.db_args()
    modules = ",".join(odoo_env.OUR_ADDONS)
    tags = ",".join(f"/{m}" for m in odoo_env.OUR_ADDONS)
    cmd = odoo_env.odoo_command() + [
        f"--addons-path={odoo_env.addons_path()}",
        *db_args,
        "-d",
        db,
        "-i",
        modules,
        "--test-enable",
        f"--test-tags={tags}",
        "--stop-after-init",
        "--log-level=info",
        "--http-port=0",
        "--max-cron-threads=0",
    ]
    if os.environ.get("MES_TEST_WITH_DEMO"):
        cmd.append("--with-demo")
    started = time.time()
    proc = run(cmd, log_path=log_path)
    print(f"Odoo tests took {time.time() - started:.0f}s (log: {log_path})", flush=True)
    passed, failed, skipped, problems = read_odoo_log(log_path)
    if proc.returncode and not failed:
        problems.append(f"odoo exited with code {proc.returncode}")
    return passed, failed, skipped, problems


def check_pots(db):
    """Problems when a committed .pot differs from the export of ``db``.

    ``db`` has our three addons installed (the Odoo tests just ran on it). Odoo's
    export sorts the entries and the header dates are not compared, so only a
    real change of the terms (or of where they come from) fails the check.
    """
    print("== translation templates (addons/*/i18n/*.pot) up to date", flush=True)
    if os.environ.get("MES_TEST_WITH_DEMO"):
        # Demo records would add their terms to the export: the committed
        # templates are made without demo data.
        print("skipped: the test database has demo data")
        return []
    try:
        stale = i18n.stale_pots(db)
    except RuntimeError as exc:
        return [str(exc)]
    for addon, reason in stale:
        print(f"STALE {addon}: {reason}")
    return [
        f"stale translation template {i18n.pot_path(addon).relative_to(ROOT)} "
        f"({reason}): run `make pot`, then `make po-merge` and translate"
        for addon, reason in stale
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-lint", action="store_true")
    parser.add_argument("--no-pip", action="store_true")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--db", help="database name (default: a fresh unique one)")
    opts = parser.parse_args()

    odoo_env.require_odoo19()
    if not opts.no_pip:
        odoo_env.install_requirements()
    odoo_env.ensure_postgres()

    totals = {"passed": 0, "failed": 0, "skipped": 0}
    problems = []

    if not opts.no_lint:
        print("== lint (pre-commit)", flush=True)
        lint = run(["pre-commit", "run", "--all-files", "--show-diff-on-failure"])
        if lint.returncode:
            problems.append("lint failed (run `make lint`)")
            totals["failed"] += 1
        else:
            totals["passed"] += 1

    plain = [d for d in ("tests/engine", "tests/i18n") if (ROOT / d).is_dir()]
    if plain:
        for key, val in run_pytest(
            ["-p", "no:odoo", *plain],
            "pure engine and translation-completeness tests (plain pytest)",
        ).items():
            totals[key] += val

    db = opts.db or f"mes_test_{int(time.time())}_{os.getpid()}"
    log_dir = ROOT / "var"
    log_dir.mkdir(exist_ok=True)
    log_path = log_dir / f"{db}.log"
    try:
        print(f"== Odoo tests of our addons on fresh database {db}", flush=True)
        passed, failed, skipped, odoo_problems = run_odoo_tests(db, log_path)
        totals["passed"] += passed
        totals["failed"] += failed
        totals["skipped"] += skipped
        problems += odoo_problems
        if failed or odoo_problems:
            print("\n".join(Path(log_path).read_text().splitlines()[-80:]))

        scenarios = ROOT / "tests" / "scenarios"
        if any(scenarios.glob("test_*.py")):
            conf = log_dir / f"{db}.conf"
            conf.write_text(odoo_env.config_text())
            for key, val in run_pytest(
                [
                    "-p",
                    "odoo",
                    f"--odoo-config={conf}",
                    f"--odoo-database={db}",
                    "--odoo-log-level=warn",
                    str(scenarios),
                ],
                "cross-addon scenarios (pytest-odoo)",
            ).items():
                totals[key] += val

        pot_problems = check_pots(db)
        problems += pot_problems
        totals["failed" if pot_problems else "passed"] += 1
    finally:
        if not opts.keep_db:
            odoo_env.drop_db(db)

    if problems:
        print("\nProblems found:", *problems, sep="\n  ")
        if not totals["failed"]:
            totals["failed"] += len(problems)
    summary = f"{totals['passed']} passed, {totals['failed']} failed"
    if totals["skipped"]:
        summary += f", {totals['skipped']} skipped"
    print(summary, flush=True)
    return 1 if totals["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
