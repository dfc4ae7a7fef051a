"""MRP run: the run record, its actions, its scheduled job and its lifecycle.

What a run reads, how, and how its plan is written live in ``../planning``
(``load_inputs``, ``PlanWriter``); the planning itself in ``../engine``.
"""

import logging
import time
from datetime import timedelta

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..engine import BomCycleError, replan_scope
from ..engine import plan as engine_plan
from ..planning import (
    PlanWriter,
    load_inputs,
    load_previous_components,
    load_previous_orders,
)
from .mes_mrp_suggestion import check_planner

_logger = logging.getLogger(__name__)

# First key of the PostgreSQL advisory lock taken per planning group ("MMRP").
LOCK_KEY = 0x4D4D5250


class GroupBusyError(UserError):
    """Another run holds the planning group's lock."""


class MesMrpRun(models.Model):
    """One MRP run of a planning group: regenerative or net change."""

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
    mode = fields.Selection(
        [("regenerative", "Regenerative"), ("net_change", "Net Change")],
        default="regenerative",
        required=True,
        help="Regenerative: plans every product of the group. Net change: "
        "replans only the products whose planning inputs changed since the "
        "group's last run and the components below them, keeping the stored "
        "plan of the others; it plans everything when the changes cannot be "
        "trusted (module update, routes, warehouses, a new day).",
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
    rows_written = fields.Integer(
        readonly=True,
        help="Suggestions, pegging lines and action messages inserted, updated "
        "or deleted: a rerun on unchanged data writes none.",
    )
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
        # Marks collected by this transaction are stored before they are read.
        self.env.cr.flush()
        marks, changed = self._dirty_marks()
        if changed is not None and not changed:
            # Net change and nothing changed: the stored plan is the plan.
            self.write(
                {
                    "state": "done",
                    "run_date": self._today(),
                    "ended": fields.Datetime.now(),
                    "duration": time.monotonic() - started,
                    "progress": 100.0,
                    "product_count": 0,
                    "rows_written": 0,
                }
            )
            if use_new_cursor:
                self.env["ir.cron"]._commit_progress(1)
            return
        inputs = self._load_inputs()
        self.run_date = inputs.run_date
        self._progress(40.0, use_new_cursor)
        try:
            result = self._plan(inputs, changed, projection=False)
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
        self._consume_marks(marks)
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
        planned = inputs.products
        return [
            names.get(pid) or (pid in planned and planned[pid].name) or str(pid)
            for pid in product_ids
        ]

    # ------------------------------------------------------------------
    # Read, plan, write (the adapter lives in ../planning)
    # ------------------------------------------------------------------
    def _planning_tz(self):
        name = self.user_id.tz or self.env.user.tz or "UTC"
        try:
            return pytz.timezone(name)
        except pytz.UnknownTimeZoneError:
            return pytz.utc

    def _load_inputs(self):
        """Read everything the engine needs in a fixed number of queries."""
        return load_inputs(self)

    def _plan(self, inputs, changed=None, projection=True):
        """The engine's plan of ``inputs`` with this run's group parameters;
        ``changed`` (net change): the product ids to replan with what lies
        below them, the stored plan of the others is kept; ``projection``:
        ``False`` leaves the projection out (a run does not store it).

        Raises the engine's ``BomCycleError`` when bills of materials loop.
        """
        group = self.planning_group_id
        previous = ()
        if changed is not None:
            # What the previous plan derived from a changed product, too.
            changed = set(changed)
            changed |= load_previous_components(self.env, group.id, changed)
            _replanned, feeding = replan_scope(inputs.items, inputs.boms, changed)
            previous = load_previous_orders(self.env, group.id, feeding)
        return engine_plan(
            inputs.items,
            inputs.boms,
            inputs.stock,
            inputs.demands,
            inputs.supplies,
            inputs.run_date,
            horizon_days=group.horizon_days,
            reschedule_out_days=group.reschedule_out_days,
            projects=inputs.projects,
            changed=changed,
            previous=previous,
            projection=projection,
        )

    # ------------------------------------------------------------------
    # Net change: the dirty marks (models/mes_mrp_dirty.py)
    # ------------------------------------------------------------------
    def _today(self):
        now = pytz.utc.localize(fields.Datetime.now())
        return now.astimezone(self._planning_tz()).date()

    def _dirty_marks(self):
        """``(mark ids, changed)``: the group's marks this run consumes, and the
        product ids to replan (``None``: every product).

        A regenerative run consumes every mark it sees. A net-change run
        plans everything when the marks cannot be trusted: the group asks for
        it (``replan_all``), or it has no completed run yet, or the last one
        planned another day (the run date moves every demand and exception).
        """
        group = self.planning_group_id
        rows = self.env.execute_query(
            SQL(
                "SELECT id, product_id FROM mes_mrp_dirty WHERE planning_group_id = %s",
                group.id,
            )
        )
        marks = [row[0] for row in rows]
        if self.mode != "net_change" or group.replan_all:
            return marks, None
        last = self.search(
            [
                ("planning_group_id", "=", group.id),
                ("state", "=", "done"),
                ("id", "!=", self.id),
            ],
            order="ended desc, id desc",
            limit=1,
        )
        if not last or last.run_date != self._today():
            return marks, None
        return marks, {row[1] for row in rows}

    def _consume_marks(self, marks):
        """Delete the marks this run read (in the transaction writing its
        plan: a run that fails leaves them); a full plan clears ``replan_all``."""
        if marks:
            self.env.execute_query(
                SQL("DELETE FROM mes_mrp_dirty WHERE id = ANY(%s)", marks)
            )
        group = self.planning_group_id
        if group.replan_all:
            self.env.execute_query(
                SQL(
                    "UPDATE mes_mrp_planning_group SET replan_all = FALSE "
                    "WHERE id = %s",
                    group.id,
                )
            )
            group.invalidate_recordset(["replan_all"])

    def _write_plan(self, result, inputs):
        """Replace the group's new suggestions and messages by the plan's."""
        return PlanWriter(self).write_plan(result, inputs)
