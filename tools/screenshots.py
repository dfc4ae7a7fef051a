#!/usr/bin/env python3
"""README screenshots of the demo plant, taken with headless Chromium.

    python3 tools/screenshots.py                     # Odoo already on :8069 (make run)
    python3 tools/screenshots.py --start --db mes_demo   # start Odoo on a free port
    python3 tools/screenshots.py --lang zh_CN --only mrp_suggestions_by_vendor.png
        # in Chinese (admin's language is switched for the shots, then restored;
        # the language must be loaded: MES_LANG=zh_CN make run); saved as *_zh_CN.png

Logs in as admin/admin through /web/session/authenticate (JSON-RPC), hands the
session cookie to a headless Chromium driven over the DevTools protocol, opens
each screen (a URL, then optional clicks), waits until Odoo has finished
loading and saves a PNG into docs/screenshots/. A screen whose action or record
is missing (its addon not installed yet) is skipped with a message.
"""

import argparse
import base64
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import websocket

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
OUT = ROOT / "docs" / "screenshots"

# Busy when any of these is on screen (Odoo's loading indicator, blocked UI).
BUSY_JS = """
(() => {
    if (document.readyState !== "complete") return true;
    if (document.querySelector(".o_loading_indicator, .o_blockUI")) return true;
    const main = document.querySelector(
        ".o_action_manager .o_view_controller, .o_action_manager .o_action"
    );
    return !main;
})()
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Odoo:
    """JSON-RPC client of a running Odoo (admin session)."""

    def __init__(self, url, db, login, password):
        self.url = url.rstrip("/")
        self.db = db
        self.http = requests.Session()
        res = self._post(
            "/web/session/authenticate",
            {"db": db, "login": login, "password": password},
        )
        if not res.get("uid"):
            raise SystemExit(f"login {login} refused on {self.url} ({db})")
        self.uid = res["uid"]
        self.session_id = self.http.cookies.get("session_id")

    def _post(self, path, params):
        resp = self.http.post(
            self.url + path,
            json={"jsonrpc": "2.0", "method": "call", "params": params, "id": 1},
            timeout=120,
        )
        resp.raise_for_status()
        data = resp.json()
        if data.get("error"):
            raise RuntimeError(data["error"].get("data", {}).get("message", data))
        return data["result"]

    def call(self, model, method, *args, **kwargs):
        return self._post(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
        )

    def xmlid(self, xmlid):
        """Database id of an XML id, or None."""
        module, name = xmlid.split(".", 1)
        rows = self.call(
            "ir.model.data",
            "search_read",
            [("module", "=", module), ("name", "=", name)],
            ["res_id"],
        )
        return rows[0]["res_id"] if rows else None


class Chromium:
    """A headless Chromium tab driven over the DevTools protocol."""

    def __init__(self, width, height):
        exe = (
            os.environ.get("CHROMIUM")
            or shutil.which("chromium")
            or shutil.which("chromium-browser")
            or shutil.which("google-chrome")
        )
        if not exe:
            raise SystemExit("Chromium not found: install it or set CHROMIUM=...")
        self.profile = tempfile.mkdtemp(prefix="mes_shots_")
        self.port = free_port()
        self.proc = subprocess.Popen(
            [
                exe,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--no-first-run",
                f"--remote-debugging-port={self.port}",
                f"--user-data-dir={self.profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.ws = None
        self._id = 0
        deadline = time.time() + 30
        while time.time() < deadline:
            with contextlib.suppress(requests.RequestException):
                tabs = requests.get(
                    f"http://127.0.0.1:{self.port}/json", timeout=2
                ).json()
                page = next(t for t in tabs if t.get("type") == "page")
                self.ws = websocket.create_connection(
                    page["webSocketDebuggerUrl"], timeout=60, suppress_origin=True
                )
                break
            time.sleep(0.3)
        if not self.ws:
            self.close()
            raise SystemExit("Chromium did not open its DevTools port")
        self.send("Page.enable")
        self.send("Network.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def send(self, method, params=None):
        self._id += 1
        msg_id = self._id
        self.ws.send(
            json.dumps({"id": msg_id, "method": method, "params": params or {}})
        )
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def evaluate(self, expression):
        res = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        return res.get("result", {}).get("value")

    def set_cookie(self, url, name, value):
        self.send("Network.setCookie", {"url": url, "name": name, "value": value})

    def wait_idle(self, timeout=60, settle=1.5):
        deadline = time.time() + timeout
        quiet_since = None
        while time.time() < deadline:
            if self.evaluate(BUSY_JS):
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.time()
            elif time.time() - quiet_since >= settle:
                return True
            time.sleep(0.25)
        return False

    def open(self, url):
        self.send("Page.navigate", {"url": url})
        time.sleep(1.0)
        return self.wait_idle()

    def click(self, selector, text=None, timeout=15):
        """Click the first element matching `selector` (and containing
        `text`); False when none shows up within `timeout` seconds."""
        deadline = time.time() + timeout
        js = (
            "(() => { const els = [...document.querySelectorAll(%s)];"
            " const el = els.find((e) => !%s || e.textContent.includes(%s));"
            " if (!el) return false; el.click(); return true; })()"
        ) % (json.dumps(selector), json.dumps(text), json.dumps(text))
        while time.time() < deadline:
            if self.evaluate(js):
                time.sleep(0.5)
                return self.wait_idle()
            time.sleep(0.3)
        return False

    def type(self, selector, text):
        """Type `text` into the element matching `selector`, then Enter."""
        sel = json.dumps(selector)
        if not self.evaluate(
            f"(() => {{ const el = document.querySelector({sel});"
            " if (!el) return false; el.focus(); return true; })()"
        ):
            return False
        self.send("Input.insertText", {"text": text})
        time.sleep(0.8)
        for event in ("keyDown", "keyUp"):
            self.send(
                "Input.dispatchKeyEvent",
                {
                    "type": event,
                    "key": "Enter",
                    "code": "Enter",
                    "windowsVirtualKeyCode": 13,
                },
            )
        time.sleep(0.5)
        return self.wait_idle()

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self):
        with contextlib.suppress(Exception):
            if self.ws:
                self.ws.close()
        self.proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)


def action_url(odoo, action_xmlid, record_xmlid=None, model=None, domain=None):
    """/odoo/action-<xmlid>[/<id>] when the action (and record) exist."""
    if not odoo.xmlid(action_xmlid):
        return None
    url = f"/odoo/action-{action_xmlid}"
    if record_xmlid:
        res_id = odoo.xmlid(record_xmlid)
        if not res_id:
            return None
        url += f"/{res_id}"
    elif model and domain is not None:
        ids = odoo.call(model, "search", domain, limit=1)
        if not ids:
            return None
        url += f"/{ids[0]}"
    return url


def first_action(odoo, xmlids, **kwargs):
    for xmlid in xmlids:
        url = action_url(odoo, xmlid, **kwargs)
        if url:
            return url
    return None


def screens(odoo):
    """(file name, url or None, steps, what it shows); a step is
    ("click", css selector, text the element must contain or None),
    ("type", css selector, text then Enter) or ("js", expression)."""
    m1001 = odoo.xmlid("mes_inventory_mrp.mes_product_m1001")
    tmpl = None
    if m1001:
        tmpl = odoo.call("product.product", "read", [m1001], ["product_tmpl_id"])[0][
            "product_tmpl_id"
        ][0]
    has_suggestions = odoo.call(
        "ir.model", "search_count", [("model", "=", "mes.mrp.suggestion")]
    )
    all_suggestions = [("click", ".o_searchview_facet .o_facet_remove", None)]
    closed_group = "tr.o_group_header:not(.o_group_open)"
    return [
        (
            "mrp_suggestions_by_vendor.png",
            action_url(odoo, "mes_inventory_mrp.action_mes_purchase_suggestion"),
            all_suggestions
            + [
                ("click", closed_group, vendor)
                for vendor in ("HuaSteel", "Nordic Steel", "Local Seal", "Precision")
            ]
            + [("click", closed_group, "USD")] * 4,
            "Purchase suggestions of the last MRP run, grouped by vendor",
        ),
        (
            "vendor_comparison.png",
            action_url(
                odoo,
                "mes_inventory_mrp.action_mes_purchase_suggestion",
                model="mes.mrp.suggestion",
                domain=[
                    ("action", "=", "buy"),
                    ("state", "=", "new"),
                    ("product_id", "=", m1001),
                ],
            )
            if has_suggestions and m1001
            else None,
            [
                ("click", "button[name='action_compare_vendors']", None),
                # screenshot only: let the dialog use the window's width
                ("js", "document.querySelector('.modal-dialog').style.maxWidth='96vw'"),
                (
                    "js",
                    "document.querySelector('.modal .o_list_renderer').scrollLeft=0",
                ),
            ],
            "Every vendor of a suggestion side by side: price, minimum, lead, arrival",
        ),
        (
            "projected_stock_graph.png",
            f"/odoo/action-stock.product_template_action_product/{tmpl}"
            if tmpl and has_suggestions
            else None,
            [
                ("click", ".o-form-buttonbox button", "More"),
                ("click", "button[name='action_open_mes_projection']", None),
                ("click", ".o_switch_view.o_graph", None),
                ("click", "button.o_graph_button[data-mode='bar']", None),
            ],
            "Projected on-hand of steel plate M-1001 per day",
        ),
        (
            "kitting_board.png",
            first_action(
                odoo,
                [
                    "mes_shopfloor.mes_kitting_board_action",
                    "mes_shopfloor.action_mes_kitting_board",
                    "mes_shopfloor.mrp_production_kitting_action",
                ],
            ),
            [],
            "Manufacturing orders by kitting state, per work center",
        ),
        (
            "stock_view.png",
            first_action(
                odoo,
                [
                    "mes_shopfloor.mes_stock_view_action",
                    "mes_shopfloor.action_mes_stock_view",
                ],
            ),
            [("type", ".o_searchview_input", "M-100")],
            "One stock view: central, shop floor and line side, by state",
        ),
        (
            "genealogy.png",
            action_url(
                odoo,
                "stock.action_production_lot_form",
                record_xmlid="mes_shopfloor.mes_lot_fg3001_0101",
            ),
            [("click", "button[name='action_mes_genealogy_backward']", None)],
            "Pump serial HP40-0101 back to the steel heat and its purchase order",
        ),
        (
            "cost_sheet.png",
            action_url(
                odoo,
                "mes_costing.mes_cost_sheet_action",
                record_xmlid="mes_costing.mes_cost_sheet_frame_done",
            ),
            [],
            "Cost sheet of a done MO: actual vs standard and variances",
        ),
    ]


@contextlib.contextmanager
def odoo_server(args):
    """Yield the base URL of Odoo: the given one, or one started here."""
    if not args.start:
        yield args.url
        return
    import odoo_env

    port = free_port()
    db_args, *_ = odoo_env.db_args()
    cmd = odoo_env.odoo_command() + [
        f"--addons-path={odoo_env.addons_path()}",
        *db_args,
        "-d",
        args.db,
        f"--db-filter=^{args.db}$",
        f"--http-port={port}",
        "--max-cron-threads=0",
        "--log-level=warn",
    ]
    proc = subprocess.Popen(cmd)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 180
        while time.time() < deadline:
            with contextlib.suppress(requests.RequestException):
                if requests.get(url + "/web/login", timeout=5).status_code == 200:
                    break
            if proc.poll() is not None:
                raise SystemExit("Odoo stopped while starting")
            time.sleep(1)
        yield url
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default=os.environ.get("MES_DB", "mes_demo"))
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--start", action="store_true", help="start Odoo here")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--only", help="comma-separated file names to take")
    parser.add_argument("--lang", help="take the screens in this language (zh_CN)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    taken, skipped = [], []
    with odoo_server(args) as url:
        odoo = Odoo(url, args.db, args.login, args.password)
        user_lang = None
        if args.lang:
            user_lang = odoo.call("res.users", "read", [odoo.uid], ["lang"])[0]["lang"]
            try:
                odoo.call("res.users", "write", [odoo.uid], {"lang": args.lang})
            except RuntimeError as exc:
                raise SystemExit(
                    f"cannot switch to {args.lang} ({exc}): load it first with "
                    f"MES_LANG={args.lang} make run"
                ) from exc
        browser = Chromium(args.width, args.height)
        try:
            browser.set_cookie(url, "session_id", odoo.session_id)
            only = set(args.only.split(",")) if args.only else None
            for name, path, clicks, what in screens(odoo):
                if only and name not in only:
                    continue
                if not path:
                    skipped.append(f"{name}: screen not available in {args.db}")
                    continue
                browser.open(url + path)
                for kind, *params in clicks:
                    if kind == "js":
                        browser.evaluate(params[0])
                        time.sleep(0.5)
                    elif kind == "type":
                        if not browser.type(*params):
                            print(f"note: {name}: nowhere to type {params}")
                    elif not browser.click(*params):
                        print(f"note: {name}: nothing to click at {params}")
                if args.lang:
                    name = name.replace(".png", f"_{args.lang}.png")
                browser.screenshot(OUT / name)
                taken.append(f"docs/screenshots/{name}  {what}")
        finally:
            browser.close()
            if user_lang:
                odoo.call("res.users", "write", [odoo.uid], {"lang": user_lang})
    for line in taken:
        print("saved  ", line)
    for line in skipped:
        print("skipped", line)
    return 0 if taken else 1


if __name__ == "__main__":
    sys.exit(main())
