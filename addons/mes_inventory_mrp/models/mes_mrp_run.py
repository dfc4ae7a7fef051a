"""MRP run: loads inputs in bulk, calls the pure engine, writes the plan in batches.

The number of queries of a run does not depend on the number of products: every
input is read by one query (a few for BOMs and vendors) and every output is
written in batches. Quantities are converted to the product's UoM and datetimes
to calendar days in the planning user's time zone before the engine sees them.
"""

import logging
import math
import time
from collections import defaultdict
from datetime import timedelta

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..engine import (
    Bom,
    BomCycleError,
    BomLine,
    Demand,
    Item,
    Stock,
    Supply,
    Vendor,
)
from ..engine import plan as engine_plan
from .mes_mrp_suggestion import check_planner

_logger = logging.getLogger(__name__)

# First key of the PostgreSQL advisory lock taken per planning group ("MMRP").
LOCK_KEY = 0x4D4D5250
INSERT_BATCH = 5000


class GroupBusyError(UserError):
    """Another run holds the planning group's lock."""


class MrpInputs:
    """Everything a run reads, already shaped for the engine, plus id maps."""

    def __init__(self):
        self.run_date = None
        self.items = []
        self.boms = []
        self.stock = []
        self.demands = []
        self.supplies = []
        self.products = {}  # product id -> row dict
        self.vendors = {}  # supplierinfo id -> row dict
        self.bom_of = {}  # product id -> applicable bom id
        self.move_links = {}  # move id -> (purchase_line_id, production_id)
        self.in_qc = defaultdict(float)  # product id -> unreleased lot qty
        self.transfers = {}  # product id -> resupply from outside the pool


class MesMrpRun(models.Model):
    """One regenerative MRP run of a planning group."""

    _name = "mes.mrp.run"
    _description = "MRP Run"
    _order = "id desc"
    _check_company_auto = True

    planning_group_id = fields.Many2one(
        "mes.mrp.planning.group",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        related="planning_group_id.company_id", store=True, index=True
    )
    user_id = fields.Many2one(
        "res.users",
        string="Planner",
        default=lambda self: self.env.user,
        help="Dates are calendar days in this user's time zone (UTC when none).",
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        default="draft",
        required=True,
        index=True,
        copy=False,
    )
    in_queue = fields.Boolean(
        string="Queued", copy=False, help="Waiting for the scheduled action."
    )
    run_date = fields.Date(copy=False, readonly=True)
    started = fields.Datetime(copy=False, readonly=True)
    ended = fields.Datetime(copy=False, readonly=True)
    duration = fields.Float(
        string="Duration (s)", digits=(16, 2), copy=False, readonly=True
    )
    progress = fields.Float(string="Progress (%)", copy=False, readonly=True)
    product_count = fields.Integer(string="Products Planned", readonly=True)
    suggestion_count = fields.Integer(string="Suggestions", readonly=True)
    message_count = fields.Integer(string="Action Messages", readonly=True)
    error_message = fields.Text(copy=False, readonly=True)
    suggestion_ids = fields.One2many("mes.mrp.suggestion", "run_id")
    message_ids = fields.One2many("mes.mrp.message", "run_id")

    @api.depends("planning_group_id", "started")
    def _compute_display_name(self):
        for run in self:
            run.display_name = _(
                "%(group)s run %(id)s",
                group=run.planning_group_id.name or "",
                id=run.id or _("(new)"),
            )

    def _get_form_action(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    # ------------------------------------------------------------------
    # Public actions
    # ------------------------------------------------------------------
    def action_run(self):
        """Plan now, in this transaction; returns when the run is done or failed.

        A BOM cycle leaves the run ``failed`` with the products named in
        ``error_message``; any other error is raised and nothing is written.
        """
        check_planner(self.env, _("run the MRP"))
        for run in self:
            run._run()
        return True

    def action_run_background(self):
        """Queue the run for the scheduled action, which commits its progress."""
        check_planner(self.env, _("run the MRP"))
        for run in self:
            if run.state != "draft" or run.in_queue:
                raise UserError(
                    _(
                        "%(run)s was already started; create a new run to plan again.",
                        run=run.display_name,
                    )
                )
            run._check_no_other_run()
        self.write({"in_queue": True, "user_id": self.env.user.id})
        self.env.ref("mes_inventory_mrp.ir_cron_mes_mrp_run")._trigger()
        return True

    @api.model
    def _cron_run_queued(self, use_new_cursor=False):
        """Run the queued runs; with ``use_new_cursor`` progress is committed."""
        runs = self.search([("in_queue", "=", True), ("state", "=", "draft")])
        for run in runs:
            try:
                run._run(use_new_cursor=use_new_cursor)
            except GroupBusyError:
                if not use_new_cursor:
                    raise
                # Its group is being planned by another run: try again later.
                self.env.cr.rollback()
                self.env.ref("mes_inventory_mrp.ir_cron_mes_mrp_run")._trigger(
                    fields.Datetime.now() + timedelta(minutes=1)
                )
            except Exception as error:
                if not use_new_cursor:
                    raise
                _logger.exception("MRP run %s failed", run.id)
                self.env.cr.rollback()
                run.write(
                    {
                        "state": "failed",
                        "in_queue": False,
                        "ended": fields.Datetime.now(),
                        "error_message": str(error),
                    }
                )
                self.env["ir.cron"]._commit_progress(1)
        return True

    # ------------------------------------------------------------------
    # Run
    # ------------------------------------------------------------------
    def _lock_group(self, session=False):
        """Take the group's advisory lock or refuse with a clear UserError.

        ``session``: a session-level lock that survives the progress commits of
        a background run (released in ``_run``'s ``finally``); otherwise a
        transaction lock released by the commit or rollback.
        """
        function = "pg_try_advisory_lock" if session else "pg_try_advisory_xact_lock"
        [[locked]] = self.env.execute_query(
            SQL(
                "SELECT %s(%s, %s)",
                SQL.identifier(function),
                LOCK_KEY,
                self.planning_group_id.id,
            )
        )
        if not locked:
            raise GroupBusyError(
                _(
                    "Planning group %(group)s is being planned by another MRP run: "
                    "wait until it ends, then run again.",
                    group=self.planning_group_id.display_name,
                )
            )

    def _check_no_other_run(self):
        other = self.search(
            [
                ("planning_group_id", "=", self.planning_group_id.id),
                ("id", "!=", self.id),
                "|",
                ("state", "=", "running"),
                ("in_queue", "=", True),
            ],
            limit=1,
        )
        if other:
            raise UserError(
                _(
                    "Planning group %(group)s already has a run in progress "
                    "(%(run)s): wait until it ends, then run again.",
                    group=self.planning_group_id.display_name,
                    run=other.display_name,
                )
            )

    def _progress(self, percent, use_new_cursor):
        self.progress = percent
        if use_new_cursor:
            self.env["ir.cron"]._commit_progress()

    def _run(self, use_new_cursor=False):
        self.ensure_one()
        if self.state not in ("draft", "failed", "done"):
            raise UserError(_("%(run)s is already running.", run=self.display_name))
        self._lock_group(session=use_new_cursor)
        try:
            self._run_locked(use_new_cursor)
        except Exception:
            if use_new_cursor:
                # Leave the failed transaction so the unlock below can run.
                self.env.cr.rollback()
            raise
        finally:
            if use_new_cursor:
                self.env.execute_query(
                    SQL(
                        "SELECT pg_advisory_unlock(%s, %s)",
                        LOCK_KEY,
                        self.planning_group_id.id,
                    )
                )

    def _run_locked(self, use_new_cursor):
        group = self.planning_group_id
        # Holding the lock, a run still marked running died with its worker.
        stale = self.search(
            [
                ("planning_group_id", "=", group.id),
                ("state", "=", "running"),
                ("id", "!=", self.id),
            ]
        )
        stale.write(
            {
                "state": "failed",
                "error_message": _("Interrupted: its worker stopped."),
            }
        )
        started = time.monotonic()
        self.write(
            {
                "state": "running",
                "in_queue": False,
                "started": fields.Datetime.now(),
                "ended": False,
                "duration": 0.0,
                "progress": 0.0,
                "error_message": False,
                "user_id": self.user_id.id or self.env.user.id,
            }
        )
        self._progress(5.0, use_new_cursor)
        inputs = self._load_inputs()
        self.run_date = inputs.run_date
        self._progress(40.0, use_new_cursor)
        try:
            result = self._plan(inputs)
        except BomCycleError as error:
            names = self._product_names(error.item_ids, inputs)
            self.write(
                {
                    "state": "failed",
                    "ended": fields.Datetime.now(),
                    "duration": time.monotonic() - started,
                    "progress": 100.0,
                    "error_message": _(
                        "The bills of materials of these products loop: "
                        "%(products)s. Remove the loop from one of their BOMs "
                        "and run again.",
                        products=", ".join(names),
                    ),
                }
            )
            if use_new_cursor:
                self.env["ir.cron"]._commit_progress(1)
            return
        self._progress(70.0, use_new_cursor)
        counts = self._write_plan(result, inputs)
        self.write(
            dict(
                counts,
                state="done",
                ended=fields.Datetime.now(),
                duration=time.monotonic() - started,
                progress=100.0,
            )
        )
        if use_new_cursor:
            self.env["ir.cron"]._commit_progress(1)

    def _product_names(self, product_ids, inputs):
        # Display names only for the error message: a handful of products.
        products = self.env["product.product"].browse(product_ids).exists()
        names = dict(zip(products.ids, products.mapped("display_name"), strict=True))
        return [
            names.get(pid) or inputs.products.get(pid, {}).get("name") or str(pid)
            for pid in product_ids
        ]

    # ------------------------------------------------------------------
    # Loading
    # ------------------------------------------------------------------
    def _planning_tz(self):
        name = self.user_id.tz or self.env.user.tz or "UTC"
        try:
            return pytz.timezone(name)
        except pytz.UnknownTimeZoneError:
            return pytz.utc

    def _pool_locations(self):
        """Nettable internal locations of the group's warehouses (ids)."""
        locations = self.env["stock.location"].search_read(
            [
                ("warehouse_id", "in", self.planning_group_id.warehouse_ids.ids),
                ("usage", "=", "internal"),
            ],
            ["parent_path", "mes_mrp_nettable"],
        )
        excluded = {row["id"] for row in locations if not row["mes_mrp_nettable"]}
        # A sub-location of a quarantine location is quarantine too.
        return [
            row["id"]
            for row in locations
            if not excluded.intersection(
                int(part) for part in row["parent_path"].split("/") if part
            )
        ]

    def _load_inputs(self):
        """Read everything the engine needs in a fixed number of queries."""
        self.env.flush_all()
        group = self.planning_group_id
        company = group.company_id
        tz = self._planning_tz()
        tz_name = tz.zone
        inputs = MrpInputs()
        now = pytz.utc.localize(fields.Datetime.now())
        inputs.run_date = now.astimezone(tz).date()
        warehouse_ids = group.warehouse_ids.ids
        pool = self._pool_locations()

        # Quants by lot, with the lot's expiry day and quality state.
        lot_fields = self.env["stock.lot"]._fields
        quality = (
            "mes_quality_state" in lot_fields and lot_fields["mes_quality_state"].store
        )
        quality_sql = (
            SQL("COALESCE(lot.mes_quality_state, 'released') = 'released'")
            if quality
            else SQL("TRUE")
        )
        quant_rows = self.env.execute_query(
            SQL(
                """
            SELECT q.product_id, q.lot_id, SUM(q.quantity),
                   (lot.expiration_date AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date,
                   %(quality)s
              FROM stock_quant q
              JOIN product_product pp ON pp.id = q.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
              LEFT JOIN stock_lot lot ON lot.id = q.lot_id
             WHERE q.location_id = ANY(%(pool)s) AND pt.is_storable
          GROUP BY q.product_id, q.lot_id, lot.expiration_date, 5
            """,
                tz=tz_name,
                quality=quality_sql,
                pool=pool,
            )
        )
        for product_id, lot_id, qty, expiry, released in quant_rows:
            if not released:
                inputs.in_qc[product_id] += qty
                continue
            inputs.stock.append(
                Stock(item_id=product_id, qty=qty, expiry=expiry, lot_id=lot_id)
            )

        # Moves leaving (demand) or entering (scheduled receipts) the pool.
        move_rows = self.env.execute_query(
            SQL(
                """
            SELECT m.id, m.product_id, m.product_qty,
                   (m.date AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date,
                   m.location_id = ANY(%(pool)s) AS leaving,
                   dest.usage = 'customer',
                   m.purchase_line_id, m.production_id
              FROM stock_move m
              JOIN product_product pp ON pp.id = m.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
              JOIN stock_location dest ON dest.id = m.location_dest_id
             WHERE m.state NOT IN ('done', 'cancel', 'draft')
               AND pt.is_storable
               AND m.product_qty > 0
               AND (m.location_id = ANY(%(pool)s))
                   != (m.location_dest_id = ANY(%(pool)s))
            """,
                tz=tz_name,
                pool=pool,
            )
        )
        for move_id, product_id, qty, day, leaving, customer, pol, mo in move_rows:
            if leaving:
                inputs.demands.append(
                    Demand(
                        id="move:%d" % move_id,
                        item_id=product_id,
                        date=day,
                        qty=qty,
                        customer=customer,
                    )
                )
            else:
                inputs.supplies.append(
                    Supply(
                        id="move:%d" % move_id, item_id=product_id, date=day, qty=qty
                    )
                )
                inputs.move_links[move_id] = (pol, mo)

        # RFQ lines not yet confirmed (no moves) for the group's warehouses.
        rfq_rows = self.env.execute_query(
            SQL(
                """
            SELECT l.id, l.product_id, l.product_uom_qty,
                   (COALESCE(l.date_planned, o.date_planned, o.date_order)
                        AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date
              FROM purchase_order_line l
              JOIN purchase_order o ON o.id = l.order_id
              JOIN stock_picking_type spt ON spt.id = o.picking_type_id
              JOIN product_product pp ON pp.id = l.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE o.state IN ('draft', 'sent', 'to approve')
               AND spt.warehouse_id = ANY(%(warehouses)s)
               AND l.display_type IS NULL
               AND pt.is_storable
               AND l.product_uom_qty > 0
               AND NOT EXISTS (
                   SELECT 1 FROM stock_move sm WHERE sm.purchase_line_id = l.id)
            """,
                tz=tz_name,
                warehouses=warehouse_ids,
            )
        )
        for line_id, product_id, qty, day in rfq_rows:
            inputs.supplies.append(
                Supply(id="rfq:%d" % line_id, item_id=product_id, date=day, qty=qty)
            )

        # Approved suggestions: firm planned orders.
        firm_rows = self.env.execute_query(
            SQL(
                """
            SELECT id, product_id, product_qty, date_required, date_order, action
              FROM mes_mrp_suggestion
             WHERE planning_group_id = %s AND state = 'approved'
            """,
                group.id,
            )
        )
        for sid, product_id, qty, day, _order_day, _action in firm_rows:
            inputs.supplies.append(
                Supply(
                    id="firm:%d" % sid, item_id=product_id, date=day, qty=qty, firm=True
                )
            )

        forecast_rows = self.env.execute_query(
            SQL(
                """
            SELECT id, product_id, date, product_qty FROM mes_mrp_forecast
             WHERE planning_group_id = %s AND product_qty > 0
            """,
                group.id,
            )
        )
        for fid, product_id, day, qty in forecast_rows:
            inputs.demands.append(
                Demand(
                    id="forecast:%d" % fid,
                    item_id=product_id,
                    date=day,
                    qty=qty,
                    kind="forecast",
                )
            )

        self._load_products(inputs, company, firm_rows)
        return inputs

    def _load_products(self, inputs, company, firm_rows):
        """Products, BOMs, routes and vendors of everything the plan touches."""
        uoms = {
            row[0]: row[1]
            for row in self.env.execute_query(SQL("SELECT id, factor FROM uom_uom"))
        }

        def convert(qty, from_uom, to_uom):
            if from_uom == to_uom or not qty:
                return qty
            return qty * uoms[from_uom] / uoms[to_uom]

        # BOMs in _bom_find order (one search for the order, one read).
        bom_ids = (
            self.env["mrp.bom"]
            .with_context(active_test=True)
            .search(
                [
                    ("company_id", "in", [False, company.id]),
                    ("type", "in", ["normal", "phantom"]),
                ],
                order="sequence, product_id, id",
            )
            .ids
        )
        bom_rows = {
            row[0]: row
            for row in self.env.execute_query(
                SQL(
                    """
                SELECT id, product_tmpl_id, product_id, product_qty, product_uom_id,
                       type, produce_delay
                  FROM mrp_bom WHERE id = ANY(%s)
                """,
                    bom_ids,
                )
            )
        }
        line_rows = self.env.execute_query(
            SQL(
                """
            SELECT l.id, l.bom_id, l.product_id, l.product_qty, l.product_uom_id,
                   ARRAY(SELECT r.product_template_attribute_value_id
                           FROM mrp_bom_line_product_template_attribute_value_rel r
                          WHERE r.mrp_bom_line_id = l.id)
              FROM mrp_bom_line l
             WHERE l.bom_id = ANY(%s)
          ORDER BY l.bom_id, l.sequence, l.id
            """,
                bom_ids,
            )
        )
        lines_of = defaultdict(list)
        for row in line_rows:
            lines_of[row[1]].append(row)
        bom_by_variant = {}
        bom_by_tmpl = {}
        for bom_id in bom_ids:
            _id, tmpl_id, product_id = bom_rows[bom_id][:3]
            if product_id:
                if tmpl_id not in bom_by_tmpl and product_id not in bom_by_variant:
                    bom_by_variant[product_id] = bom_id
            elif tmpl_id not in bom_by_tmpl:
                bom_by_tmpl[tmpl_id] = bom_id

        # Every product met in the inputs or in a BOM line, read at once.
        seeds = {row.item_id for row in inputs.stock}
        seeds.update(row.item_id for row in inputs.demands)
        seeds.update(row.item_id for row in inputs.supplies)
        seeds.update(row[2] for row in line_rows)
        seeds.update(bom_by_variant)
        lang = self.env.lang or "en_US"
        manufacture_route = self.env.ref(
            "mrp.route_warehouse0_manufacture", raise_if_not_found=False
        )
        product_rows = self.env.execute_query(
            SQL(
                """
            WITH routes AS (
                SELECT %(route)s AS route_id
                 UNION
                SELECT route_id FROM stock_rule
                 WHERE action = 'manufacture' AND active
                   AND warehouse_id = ANY(%(warehouses)s)
            )
            SELECT pp.id, pp.product_tmpl_id, pt.uom_id, pt.is_storable,
                   COALESCE(pt.mes_safety_stock, 0), COALESCE(pt.mes_order_multiple, 0),
                   COALESCE(pt.mes_lot_days, 0),
                   COALESCE(pt.name->>%(lang)s, pt.name->>'en_US'), pp.default_code,
                   EXISTS (SELECT 1 FROM stock_route_product rp
                            WHERE rp.product_id = pt.id
                              AND rp.route_id IN (SELECT route_id FROM routes))
                   OR EXISTS (SELECT 1 FROM stock_route_categ rc
                                JOIN product_category c ON c.id = rc.categ_id
                                JOIN product_category pc ON pc.id = pt.categ_id
                               WHERE rc.route_id IN (SELECT route_id FROM routes)
                                 AND pc.parent_path LIKE c.parent_path || '%%'),
                   ARRAY(SELECT pvc.product_template_attribute_value_id
                           FROM product_variant_combination pvc
                          WHERE pvc.product_product_id = pp.id)
              FROM product_product pp
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE (pt.company_id IS NULL OR pt.company_id = %(company)s)
               AND (pp.id = ANY(%(ids)s)
                    OR (pt.mes_safety_stock > 0 AND pt.is_storable
                        AND pp.active AND pt.active))
            """,
                route=manufacture_route.id if manufacture_route else None,
                warehouses=self.planning_group_id.warehouse_ids.ids,
                lang=lang,
                company=company.id,
                ids=list(seeds),
            )
        )
        products = inputs.products
        for row in product_rows:
            (pid, tmpl_id, uom_id, storable, safety, multiple, lot_days, name) = row[:8]
            code, manufacture, ptavs = row[8:]
            products[pid] = {
                "tmpl_id": tmpl_id,
                "uom_id": uom_id,
                "storable": storable,
                "safety": safety,
                "multiple": multiple,
                "lot_days": lot_days,
                "name": "[%s] %s" % (code, name) if code else name,
                "manufacture": manufacture,
                "ptavs": set(ptavs),
            }

        # Attribute values of the BOM lines' attribute lines (variant filter).
        ptav_ids = {ptav for row in line_rows for ptav in row[5]}
        ptav_line = {}
        if ptav_ids:
            ptav_line = dict(
                self.env.execute_query(
                    SQL(
                        "SELECT id, attribute_line_id "
                        "FROM product_template_attribute_value WHERE id = ANY(%s)",
                        list(ptav_ids),
                    )
                )
            )

        def skip_line(line_ptavs, product):
            # Odoo's _skip_bom_line: per attribute line, the variant must have
            # one of the line's values.
            by_attribute = defaultdict(set)
            for ptav in line_ptavs:
                by_attribute[ptav_line.get(ptav)].add(ptav)
            return any(
                not (values & product["ptavs"]) for values in by_attribute.values()
            )

        kits = set()
        boms = []
        for pid, product in products.items():
            bom_id = bom_by_variant.get(pid) or bom_by_tmpl.get(product["tmpl_id"])
            if not bom_id:
                continue
            _id, _tmpl, _variant, bom_qty, bom_uom, kind, delay = bom_rows[bom_id]
            parent_qty = convert(bom_qty, bom_uom, product["uom_id"])
            if parent_qty <= 0:
                continue
            bom_lines = []
            for _line_id, _bom, component_id, qty, line_uom, ptavs in lines_of[bom_id]:
                component = products.get(component_id)
                if component is None:
                    continue
                if ptavs and skip_line(ptavs, product):
                    continue
                factor = convert(qty, line_uom, component["uom_id"]) / parent_qty
                bom_lines.append(BomLine(component_id=component_id, qty=factor))
            if kind == "phantom":
                kits.add(pid)
            elif not product["manufacture"]:
                continue
            inputs.bom_of[pid] = bom_id
            product["produce_delay"] = delay or 0
            boms.append(
                Bom(id=bom_id, product_id=pid, kind=kind, lines=tuple(bom_lines))
            )
        # Plan only what the inputs reach: products with stock, demand,
        # supply or safety stock, and the components of their BOMs (storable
        # ones, or kits that explode further).
        bom_of_product = {bom.product_id: bom for bom in boms}
        reached = {row.item_id for row in inputs.stock}
        reached.update(row.item_id for row in inputs.demands)
        reached.update(row.item_id for row in inputs.supplies)
        reached.update(pid for pid, p in products.items() if p["safety"] > 0)
        reached &= set(products)
        todo = list(reached)
        kept_boms = []
        while todo:
            bom = bom_of_product.get(todo.pop())
            if bom is None:
                continue
            lines = tuple(
                line
                for line in bom.lines
                if products[line.component_id]["storable"] or line.component_id in kits
            )
            kept_boms.append(
                Bom(id=bom.id, product_id=bom.product_id, kind=bom.kind, lines=lines)
            )
            for line in lines:
                if line.component_id not in reached:
                    reached.add(line.component_id)
                    todo.append(line.component_id)
        boms = inputs.boms = kept_boms
        # Rows of products the run does not plan (not storable, other company).
        inputs.stock = [row for row in inputs.stock if row.item_id in reached]
        inputs.demands = [row for row in inputs.demands if row.item_id in reached]
        inputs.supplies = [row for row in inputs.supplies if row.item_id in reached]
        for pid in set(products) - reached:
            del products[pid]
            inputs.bom_of.pop(pid, None)
        kits &= reached

        # Firm make orders consume their components from their start date.
        bom_lines_of = {bom.product_id: bom for bom in boms}
        for sid, product_id, qty, _day, order_day, action in firm_rows:
            bom = bom_lines_of.get(product_id)
            if action != "make" or bom is None or bom.kind != "normal":
                continue
            for position, line in enumerate(bom.lines):
                inputs.demands.append(
                    Demand(
                        id="firmbom:%d:%d" % (sid, position),
                        item_id=line.component_id,
                        date=order_day,
                        qty=qty * line.qty,
                    )
                )

        # Vendors in _prepare_sellers order, per template then filtered per variant.
        vendor_rows = self.env.execute_query(
            SQL(
                """
            SELECT s.id, s.partner_id, s.product_id, s.product_tmpl_id, s.min_qty,
                   s.price, s.delay, s.date_start, s.date_end, s.product_uom_id,
                   s.currency_id, s.discount
              FROM product_supplierinfo s
              JOIN res_partner p ON p.id = s.partner_id
             WHERE p.active
               AND (s.company_id IS NULL OR s.company_id = %(company)s)
               AND s.product_tmpl_id = ANY(%(templates)s)
          ORDER BY s.sequence, s.min_qty DESC, s.price, s.id
            """,
                company=company.id,
                templates=list({p["tmpl_id"] for p in products.values()}),
            )
        )
        vendors_of_tmpl = defaultdict(list)
        for row in vendor_rows:
            vendors_of_tmpl[row[3]].append(row)
            inputs.vendors[row[0]] = {
                "partner_id": row[1],
                "uom_id": row[9],
                "price": row[5] or 0.0,
                "currency_id": row[10],
            }

        # Like _select_seller, the engine compares discounted prices in the
        # company currency: the rates of the run date, read once.
        company_currency = company.currency_id
        currency_ids = {row[10] for row in vendor_rows if row[10]}
        currency_ids.add(company_currency.id)
        rates = (
            self.env["res.currency"]
            .browse(currency_ids)
            ._get_rates(company, inputs.run_date)
        )
        company_rate = rates.get(company_currency.id) or 1.0

        transfers = inputs.transfers = self._load_transfer_sources(products)
        precision = self.env["decimal.precision"].precision_get("Product Unit")
        rounding = 10**-precision
        purchase_lead = math.ceil(company.days_to_purchase or 0)
        items = []
        for pid, product in products.items():
            if pid in kits:
                items.append(Item(id=pid, name=product["name"]))
                continue
            uom_id = product["uom_id"]
            transfer = transfers.get(pid)
            vendors = []
            # A resupply route set on the product itself wins over its vendors.
            vendor_rows_of = (
                {} if transfer and transfer["explicit"] else vendors_of_tmpl
            )
            for row in vendor_rows_of.get(product["tmpl_id"], ()):
                sid, partner_id, variant_id = row[:3]
                if variant_id and variant_id != pid:
                    continue
                min_qty, price, delay, date_start, date_end, vendor_uom = row[4:10]
                currency_id, discount = row[10], row[11] or 0.0
                per_product = convert(1.0, uom_id, vendor_uom)
                currency_rate = rates.get(currency_id or company_currency.id) or 1.0
                vendors.append(
                    Vendor(
                        id=sid,
                        partner_id=partner_id,
                        min_qty=convert(min_qty or 0.0, vendor_uom, uom_id),
                        price=(price or 0.0)
                        * (1.0 - discount / 100.0)
                        * per_product
                        * company_rate
                        / currency_rate,
                        delay=delay or 0,
                        date_start=date_start or None,
                        date_end=date_end or None,
                    )
                )
            items.append(
                Item(
                    id=pid,
                    name=product["name"],
                    safety_stock=product["safety"] or 0.0,
                    order_multiple=product["multiple"] or 0.0,
                    lot_days=product["lot_days"] or 0,
                    make=pid in inputs.bom_of,
                    produce_delay=product.get("produce_delay", 0),
                    vendors=tuple(vendors),
                    purchase_lead=purchase_lead,
                    transfer_delay=transfer["delay"] if transfer else None,
                    rounding=rounding,
                )
            )
        inputs.items = items
        inputs.convert = convert
        inputs.precision = precision

    def _load_transfer_sources(self, products):
        """``{product id: resupply}`` for products a warehouse outside the pool
        resupplies, in two queries whatever the number of products.

        A pull rule resupplies the pool when its destination is in one of the
        group's warehouses and its source is not. The chain of its route is
        followed upstream (through a transit location, the supplying
        warehouse's output...) while the rules are make-to-order, adding their
        delays, until the source is a warehouse outside the group. The route
        must apply to the product: set on the product (``explicit``: it wins
        over the vendors), on its category, on one of the group's warehouses,
        or be a resupply route of one of them (``resupply_wh_ids``). Among
        several, the product's own routes first, then its category's, then the
        warehouses'; then the group's receiving warehouse; then route and rule
        sequence.
        """
        group = self.planning_group_id
        company = group.company_id
        group_whs = set(group.warehouse_ids.ids)
        rows = self.env.execute_query(
            SQL(
                """
            SELECT r.id, r.route_id, r.location_src_id, r.location_dest_id,
                   COALESCE(r.delay, 0), r.procure_method,
                   src.warehouse_id, dest.warehouse_id,
                   src.parent_path, dest.parent_path,
                   (r.company_id IS NULL OR r.company_id = %(company)s)
                   AND (rt.company_id IS NULL OR rt.company_id = %(company)s),
                   rt.supplied_wh_id = ANY(%(warehouses)s)
                   OR EXISTS (SELECT 1 FROM stock_route_warehouse rw
                               WHERE rw.route_id = rt.id
                                 AND rw.warehouse_id = ANY(%(warehouses)s))
              FROM stock_rule r
              JOIN stock_route rt ON rt.id = r.route_id
              JOIN stock_location src ON src.id = r.location_src_id
              JOIN stock_location dest ON dest.id = r.location_dest_id
             WHERE r.active AND rt.active AND r.action IN ('pull', 'pull_push')
          ORDER BY rt.sequence, r.sequence, r.id
            """,
                company=company.id,
                warehouses=list(group_whs),
            )
        )
        rules_of_route = defaultdict(list)
        for row in rows:
            rules_of_route[row[1]].append(row)

        def upstream(rule):
            """(source warehouse, total delay) of ``rule``'s chain, or None."""
            seen = {rule[0]}
            delay = rule[4]
            while True:
                src_wh = rule[6]
                if src_wh in group_whs:
                    return None  # back inside the pool: not a resupply
                if src_wh and rule[5] != "make_to_order":
                    return src_wh, delay
                # The rule that supplies this one's source: the deepest
                # destination that is the source or one of its parents.
                src_path = rule[8]
                feeding = [
                    row
                    for row in rules_of_route[rule[1]]
                    if row[0] not in seen and src_path.startswith(row[9])
                ]
                if not feeding:
                    return (src_wh, delay) if src_wh else None
                rule = max(feeding, key=lambda row: len(row[9]))
                seen.add(rule[0])
                delay += rule[4]

        candidates = []
        for row in rows:
            if row[7] in group_whs and row[6] not in group_whs and row[10]:
                source = upstream(row)
                if source:
                    candidates.append((row, *source))
        if not candidates:
            return {}
        route_ids = list({row[1] for row, _wh, _delay in candidates})
        templates = list({product["tmpl_id"] for product in products.values()})
        level_of = defaultdict(dict)  # template -> route -> 0 product, 1 category
        for tmpl_id, route_id, level in self.env.execute_query(
            SQL(
                """
            SELECT rp.product_id, rp.route_id, 0
              FROM stock_route_product rp
             WHERE rp.product_id = ANY(%(templates)s)
               AND rp.route_id = ANY(%(routes)s)
             UNION ALL
            SELECT pt.id, rc.route_id, 1
              FROM product_template pt
              JOIN product_category pc ON pc.id = pt.categ_id
              JOIN stock_route_categ rc ON rc.route_id = ANY(%(routes)s)
              JOIN product_category c ON c.id = rc.categ_id
             WHERE pt.id = ANY(%(templates)s)
               AND pc.parent_path LIKE c.parent_path || '%%'
            """,
                templates=templates,
                routes=route_ids,
            )
        ):
            levels = level_of[tmpl_id]
            levels[route_id] = min(level, levels.get(route_id, level))

        receiving = group.warehouse_id.id
        ranked = [
            (position, row, src_wh, delay)
            for position, (row, src_wh, delay) in enumerate(candidates)
        ]
        transfers = {}
        for pid, product in products.items():
            levels = level_of.get(product["tmpl_id"], {})
            best = None
            for position, row, src_wh, delay in ranked:
                level = levels.get(row[1], 2 if row[11] else None)
                if level is None:
                    continue
                key = (level, row[7] != receiving, position)
                if best is None or key < best[0]:
                    best = (key, row, src_wh, delay)
            if best is None:
                continue
            key, row, src_wh, delay = best
            transfers[pid] = {
                "explicit": key[0] == 0,
                "rule_id": row[0],
                "warehouse_id": row[7],
                "source_warehouse_id": src_wh,
                "delay": delay,
            }
        return transfers

    # ------------------------------------------------------------------
    # Writing
    # ------------------------------------------------------------------
    def _plan(self, inputs):
        """The engine's plan of ``inputs`` with this run's group parameters.

        Raises the engine's ``BomCycleError`` when bills of materials loop.
        """
        group = self.planning_group_id
        return engine_plan(
            inputs.items,
            inputs.boms,
            inputs.stock,
            inputs.demands,
            inputs.supplies,
            inputs.run_date,
            horizon_days=group.horizon_days,
            reschedule_out_days=group.reschedule_out_days,
        )

    def _write_plan(self, result, inputs):
        """Replace the group's new suggestions and messages by the plan's."""
        group = self.planning_group_id
        company = group.company_id
        self.env.flush_all()
        # Plain DELETEs: pegging rows go with their suggestion (ON DELETE
        # CASCADE); approved and ordered suggestions are never touched.
        self.env.execute_query(
            SQL(
                "DELETE FROM mes_mrp_suggestion "
                "WHERE planning_group_id = %s AND state = 'new'",
                group.id,
            )
        )
        # Applied and dismissed messages stay: they are what the planner did.
        self.env.execute_query(
            SQL(
                "DELETE FROM mes_mrp_message "
                "WHERE planning_group_id = %s AND state = 'new'",
                group.id,
            )
        )

        products = inputs.products
        convert = inputs.convert
        run_date = inputs.run_date
        company_currency = company.currency_id.id
        digits = inputs.precision
        receiving_warehouse = group.warehouse_id.id
        # Translated once: thousands of orders may carry an exception.
        no_source_text = _(
            "Product %(product)s has no vendor and no bill of materials: "
            "add a vendor on its Purchase tab, or a bill of materials and "
            "the Manufacture route on its Inventory tab."
        )
        late_texts = {
            "make": _(
                "Product %(product)s is late: started today (%(date)s) it is "
                "ready after %(required)s with its lead time. Start it at once "
                "and expedite it, or move the demand."
            ),
            "transfer": _(
                "Product %(product)s is late: transferred today (%(date)s) it "
                "arrives after %(required)s with the transfer lead time. "
                "Transfer it at once and expedite it, or move the demand."
            ),
            "buy": _(
                "Product %(product)s is late: ordered today (%(date)s) it "
                "arrives after %(required)s with its lead time. Order it at "
                "once and ask the vendor to expedite, or move the demand."
            ),
        }
        suggestion_vals = []
        for order in result.orders:
            product = products.get(order.item_id, {})
            name = product.get("name") or str(order.item_id)
            qty = round(order.qty, digits)
            vals = {
                "run_id": self.id,
                "planning_group_id": group.id,
                "company_id": company.id,
                "product_id": order.item_id,
                "action": order.action if order.action != "none" else False,
                "product_qty": qty,
                "purchase_qty": qty,
                "date_required": order.date_required,
                "date_order": order.date_order,
                "warehouse_id": receiving_warehouse,
                "state": "new",
                "exception": order.exception,
                "exception_message": False,
                "currency_id": company_currency,
                "price_unit": 0.0,
                "price_subtotal": 0.0,
            }
            vendor = inputs.vendors.get(order.vendor_id) if order.vendor_id else None
            if vendor:
                purchase_qty = round(
                    convert(qty, product["uom_id"], vendor["uom_id"]), digits
                )
                vals.update(
                    partner_id=vendor["partner_id"],
                    supplierinfo_id=order.vendor_id,
                    purchase_qty=purchase_qty,
                    purchase_uom_id=vendor["uom_id"],
                    price_unit=vendor["price"],
                    currency_id=vendor["currency_id"] or company_currency,
                    price_subtotal=purchase_qty * vendor["price"],
                )
            else:
                vals["purchase_uom_id"] = product.get("uom_id")
            if order.action == "make":
                vals["bom_id"] = inputs.bom_of.get(order.item_id)
            elif order.action == "transfer":
                transfer = inputs.transfers[order.item_id]
                vals.update(
                    warehouse_id=transfer["warehouse_id"],
                    source_warehouse_id=transfer["source_warehouse_id"],
                    transfer_rule_id=transfer["rule_id"],
                )
            if order.exception == "no_source":
                vals["exception_message"] = no_source_text % {"product": name}
            elif order.exception == "expedite":
                vals["exception_message"] = late_texts.get(
                    order.action, late_texts["buy"]
                ) % {
                    "product": name,
                    "date": run_date,
                    "required": order.date_required,
                }
            suggestion_vals.append(vals)
        suggestion_ids = self._insert_rows("mes.mrp.suggestion", suggestion_vals)

        pegging_vals = []
        for order, suggestion_id in zip(result.orders, suggestion_ids, strict=True):
            for peg in order.pegs:
                vals = {
                    "suggestion_id": suggestion_id,
                    "company_id": company.id,
                    "product_qty": peg.qty,
                    "date": peg.date,
                }
                vals.update(self._peg_demand(peg, suggestion_ids))
                pegging_vals.append(vals)
        self._insert_rows("mes.mrp.pegging", pegging_vals)

        message_vals = []
        for message in result.messages:
            kind, _sep, raw_id = message.supply_id.partition(":")
            vals = {
                "run_id": self.id,
                "planning_group_id": group.id,
                "company_id": company.id,
                "product_id": message.item_id,
                "message_type": message.message_type,
                "date_current": message.date_current,
                "date_suggested": message.date_suggested,
                "product_qty": message.qty,
                "state": "new",
            }
            if kind == "move":
                move_id = int(raw_id)
                pol, production = inputs.move_links.get(move_id, (None, None))
                vals.update(
                    supply_move_id=move_id,
                    purchase_line_id=pol or False,
                    production_id=production or False,
                )
            elif kind == "rfq":
                vals["purchase_line_id"] = int(raw_id)
            message_vals.append(vals)
        message_vals = self.env["mes.mrp.message"]._mes_drop_decided(
            group, message_vals
        )
        self._insert_rows("mes.mrp.message", message_vals)
        # The rows were written behind the ORM's back: drop what it cached.
        self.env.invalidate_all()
        return {
            "product_count": len(result.projection),
            "suggestion_count": len(suggestion_vals),
            "message_count": len(message_vals),
        }

    @api.model
    def _peg_demand(self, peg, suggestion_ids):
        vals = {}
        if peg.parent_order is not None:
            vals["demand_type"] = "planned_order"
            vals["parent_suggestion_id"] = suggestion_ids[peg.parent_order]
        elif peg.demand_id is None:
            vals["demand_type"] = "safety_stock"
        else:
            kind, _sep, raw = peg.demand_id.partition(":")
            if kind == "move":
                vals["demand_type"] = "move"
                vals["move_id"] = int(raw)
            elif kind == "forecast":
                vals["demand_type"] = "forecast"
                vals["forecast_id"] = int(raw)
            elif kind == "firmbom":
                vals["demand_type"] = "planned_order"
                vals["parent_suggestion_id"] = int(raw.split(":")[0])
        root = peg.root_demand_id or ""
        kind, _sep, raw = root.partition(":")
        if kind == "move":
            vals["root_move_id"] = int(raw)
        elif kind == "forecast":
            vals["root_forecast_id"] = int(raw)
        return vals

    def _insert_rows(self, model, vals_list):
        """INSERT ``vals_list`` in a few multi-row queries; returns ids in order.

        The ORM inserts 100 rows a query and runs Python per record; a run
        writes tens of thousands of rows, so they go straight to the table.
        ``vals_list`` must hold plain column values (no commands, no related
        or computed fields); ids are drawn from the table's sequence first so
        their order matches ``vals_list`` for sure.
        """
        if not vals_list:
            return []
        records = self.env[model]
        table = records._table
        columns = sorted(set().union(*vals_list))
        for name in columns:
            field = records._fields[name]
            assert field.store and field.column_type, name
        booleans = {name for name in columns if records._fields[name].type == "boolean"}
        now = self.env.cr.now()
        uid = self.env.uid
        names = ["id", *columns, "create_uid", "create_date", "write_uid", "write_date"]
        types = ["int4"]
        types += [records._fields[name].column_type[1] for name in columns]
        types += ["int4", "timestamp", "int4", "timestamp"]
        # One array per column, unnested: PostgreSQL parses a few arrays much
        # faster than thousands of VALUES tuples.
        query = 'INSERT INTO "%s" (%s) SELECT * FROM unnest(%s)' % (
            table,
            ", ".join('"%s"' % name for name in names),
            ", ".join("%%s::%s[]" % column_type for column_type in types),
        )
        all_ids = []
        for start in range(0, len(vals_list), INSERT_BATCH):
            chunk = vals_list[start : start + INSERT_BATCH]
            ids = [
                row[0]
                for row in self.env.execute_query(
                    SQL(
                        "SELECT nextval(%s) FROM generate_series(1, %s)",
                        "%s_id_seq" % table,
                        len(chunk),
                    )
                )
            ]
            arrays = [ids]
            for name in columns:
                if name in booleans:
                    arrays.append([bool(vals.get(name)) for vals in chunk])
                else:
                    values = [vals.get(name) for vals in chunk]
                    arrays.append([None if v is False else v for v in values])
            size = len(chunk)
            arrays += [[uid] * size, [now] * size, [uid] * size, [now] * size]
            self.env.execute_query(SQL(query, *arrays))
            all_ids.extend(ids)
        return all_ids
