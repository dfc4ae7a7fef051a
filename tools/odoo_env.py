"""Where Odoo 19 is on this machine, and how to talk to PostgreSQL.

Shared by ``tools/run_tests.py``, ``tools/run_odoo.py`` and the benchmark. It never
installs Odoo: when Odoo 19 is missing it says how to get it and exits.
"""

import getpass
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUR_ADDONS = ("mes_inventory_mrp", "mes_shopfloor", "mes_costing")

HOW_TO_GET_ODOO = """\
Odoo 19 is not importable by this python3 ({python}).
Get it one of two ways, then run the command again:
  * Docker: install Docker with the compose plugin; `make run` / `make test` then use
    the official odoo:19 image through docker-compose.yml.
  * Source install (https://www.odoo.com/documentation/19.0/administration/on_premise/source.html):
    check out Odoo 19.0 Community beside this repo (e.g. ../odoo),
    `pip install -r ../odoo/requirements.txt` then `pip install --no-deps -e ../odoo`,
    so that `python3 -c "import odoo.release"` reports version 19.
"""


def die(msg, code=2):
    print(f"ERROR: {msg}", file=sys.stderr, flush=True)
    sys.exit(code)


def odoo_version():
    """Return Odoo's (major, minor) or None when Odoo is not importable."""
    try:
        import odoo.release as release
    except ImportError:
        return None
    return tuple(release.version_info[:2])


def require_odoo19():
    version = odoo_version()
    if version is None or version[0] != 19:
        found = "not installed" if version is None else f"version {version}"
        die(HOW_TO_GET_ODOO.format(python=sys.executable) + f"(found: {found})")


def odoo_root():
    import odoo.release as release

    return Path(release.__file__).resolve().parent.parent


def addons_path():
    """Odoo's own addons (source install) + this repo's addons."""
    paths = []
    root = odoo_root()
    for candidate in (root / "addons", root / "odoo" / "addons"):
        if candidate.is_dir():
            paths.append(str(candidate))
    paths.append(str(ROOT / "addons"))
    return ",".join(dict.fromkeys(paths))


def odoo_command():
    """The command that starts Odoo (odoo-bin of the source tree, or `odoo`)."""
    odoo_bin = odoo_root() / "odoo-bin"
    if odoo_bin.exists():
        return [sys.executable, str(odoo_bin)]
    exe = shutil.which("odoo")
    if exe:
        return [exe]
    return [sys.executable, "-m", "odoo"]


def db_args():
    host = os.environ.get("PGHOST", "127.0.0.1")
    port = os.environ.get("PGPORT", "5432")
    user = os.environ.get("PGUSER") or getpass.getuser() or "odoo"
    if user == "postgres":
        user = "odoo"
    args = [f"--db_host={host}", f"--db_port={port}", f"--db_user={user}"]
    if os.environ.get("PGPASSWORD"):
        args.append(f"--db_password={os.environ['PGPASSWORD']}")
    return args, host, int(port), user


def config_text():
    """An odoo.conf for tools that take a config file (pytest-odoo)."""
    _args, host, port, user = db_args()
    lines = [
        "[options]",
        f"addons_path = {addons_path()}",
        f"db_host = {host}",
        f"db_port = {port}",
        f"db_user = {user}",
        "http_interface = 127.0.0.1",
    ]
    if os.environ.get("PGPASSWORD"):
        lines.append(f"db_password = {os.environ['PGPASSWORD']}")
    return "\n".join(lines) + "\n"


def _reachable(host, port):
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def ensure_postgres():
    """Make sure PostgreSQL answers; start a local one when it is installed."""
    _args, host, port, user = db_args()
    if not _reachable(host, port):
        print(f"PostgreSQL is not answering on {host}:{port}; trying to start it")
        for cmd in (
            ["service", "postgresql", "start"],
            ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "start"],
        ):
            if shutil.which(cmd[0]):
                subprocess.run(cmd, check=False)
                for _i in range(30):
                    if _reachable(host, port):
                        break
                    time.sleep(1)
            if _reachable(host, port):
                break
        else:
            die(
                f"PostgreSQL is not reachable on {host}:{port} and could not be "
                "started here. Install it (apt-get install postgresql) or set "
                "PGHOST/PGPORT/PGUSER to a running server."
            )
    _ensure_role(host, port, user)


def _ensure_role(host, port, user):
    import psycopg2

    for admin in (user, "postgres"):
        try:
            conn = psycopg2.connect(host=host, port=port, user=admin, dbname="postgres")
        except psycopg2.OperationalError:
            continue
        conn.autocommit = True
        with conn.cursor() as cr:
            cr.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [user])
            if not cr.fetchone():
                cr.execute(f'CREATE ROLE "{user}" LOGIN SUPERUSER')
        conn.close()
        return
    die(f"cannot connect to PostgreSQL as {user!r} or 'postgres' on {host}:{port}")


def drop_db(name):
    _args, host, port, user = db_args()
    import psycopg2

    conn = psycopg2.connect(host=host, port=port, user=user, dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def install_requirements():
    """pip-install requirements.txt: OCA wheels without deps (see README)."""
    req = ROOT / "requirements.txt"
    plain, oca = [], []
    for line in req.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        (oca if line.startswith("odoo-addon-") else plain).append(line)
    pip = [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    for extra, pkgs in (([], plain), (["--no-deps"], oca)):
        if pkgs:
            res = subprocess.run(pip + extra + pkgs, check=False)
            if res.returncode:
                die("pip could not install " + " ".join(pkgs))
