import logging
from datetime import timedelta

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from .mes_mrp_dirty import mark_all_dirty

# Changing these makes every stored suggestion of the group suspect.
REPLAN_FIELDS = {
    "warehouse_ids",
    "warehouse_id",
    "horizon_days",
    "reschedule_out_days",
    "company_id",
    "active",
}

_logger = logging.getLogger(__name__)


class MesMrpPlanningGroup(models.Model):
    """Warehouses whose stock is one MRP pool (central, shop floor, line side)."""

    _name = "mes.mrp.planning.group"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "MRP Planning Group"
    _order = "company_id, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    warehouse_ids = fields.Many2many(
        "stock.warehouse",
        "mes_mrp_planning_group_warehouse_rel",
        "planning_group_id",
        "warehouse_id",
        string="Warehouses",
        check_company=True,
        help="Warehouses whose stock the MRP nets as one pool.",
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        string="Receiving Warehouse",
        check_company=True,
        help="Warehouse that receives what the MRP suggests to buy or make.",
    )
    horizon_days = fields.Integer(
        string="Horizon (days)",
        default=90,
        help="Demand later than this many days after the run date is not planned.",
    )
    reschedule_out_days = fields.Integer(
        string="Reschedule Out Tolerance (days)",
        default=3,
        help="Existing supply arriving more than this many days before its first "
        "need gets a 'reschedule out' message.",
    )
    run_ids = fields.One2many("mes.mrp.run", "planning_group_id", string="Runs")
    suggestion_count = fields.Integer(compute="_compute_suggestion_count")
    auto_run = fields.Boolean(
        string="Plan Automatically",
        help="The scheduled action 'MRP: scheduled planning' runs the MRP of this "
        "group once a day, at the hour below.",
    )
    auto_run_hour = fields.Integer(
        string="Planning Hour",
        default=2,
        help="Hour of the day (0-23, in the company's time zone) from which the "
        "daily scheduled run of this group is due.",
    )
    auto_run_last_date = fields.Date(
        string="Last Scheduled Run",
        readonly=True,
        copy=False,
        help="Day (company time zone) of the last scheduled run: a group is "
        "planned once a day.",
    )

    # Net change (see readme/USAGE.md "Net change")
    auto_net_change = fields.Boolean(
        string="Net Change Automatically",
        help="The scheduled action 'MRP: net change planning' replans what "
        "changed in this group (a net-change run) every few minutes, when "
        "something changed.",
    )
    net_change_interval = fields.Integer(
        string="Net Change Every (minutes)",
        default=5,
        help="Minutes between two automatic net-change runs of this group.",
    )
    net_change_last = fields.Datetime(
        string="Last Automatic Net Change",
        readonly=True,
        copy=False,
        help="Start of the last net-change run of the scheduled action.",
    )
    replan_all = fields.Boolean(
        string="Full Replan Due",
        default=True,
        readonly=True,
        copy=False,
        help="Set when a change cannot be followed per product (module update, "
        "routes, warehouses, locations, the group's parameters): the next "
        "net-change run plans every product, like a regenerative run.",
    )
    dirty_count = fields.Integer(
        string="Changed Products",
        compute="_compute_dirty_count",
        help="Products whose planning inputs changed since the last run.",
    )

    _net_change_interval_positive = models.Constraint(
        "CHECK(net_change_interval > 0)",
        "The net change interval is at least one minute.",
    )
    _horizon_positive = models.Constraint(
        "CHECK(horizon_days > 0)", "The planning horizon must be at least one day."
    )
    _reschedule_out_positive = models.Constraint(
        "CHECK(reschedule_out_days >= 0)",
        "The reschedule out tolerance cannot be negative.",
    )
    _auto_run_hour_valid = models.Constraint(
        "CHECK(auto_run_hour >= 0 AND auto_run_hour <= 23)",
        "The planning hour is an hour of the day, from 0 to 23.",
    )

    def _compute_suggestion_count(self):
        counts = dict(
            self.env["mes.mrp.suggestion"]._read_group(
                [("planning_group_id", "in", self.ids), ("state", "=", "new")],
                ["planning_group_id"],
                ["__count"],
            )
        )
        for group in self:
            group.suggestion_count = counts.get(group, 0)

    def _compute_dirty_count(self):
        counts = dict(
            self.env["mes.mrp.dirty"]
            .sudo()
            ._read_group(
                [("planning_group_id", "in", self.ids)],
                ["planning_group_id"],
                ["__count"],
            )
        )
        for group in self:
            group.dirty_count = counts.get(group.sudo(), 0)

    def write(self, vals):
        res = super().write(vals)
        if not REPLAN_FIELDS.isdisjoint(vals):
            mark_all_dirty(self.env, self)
        return res

    @api.model
    def _mes_replan_all_groups(self):
        """Every group plans everything at its next net-change run (called at
        each install and update of the module: the marks may be stale)."""
        mark_all_dirty(self.env)

    @api.constrains("auto_run_hour")
    def _check_auto_run_hour(self):
        for group in self:
            if not 0 <= group.auto_run_hour <= 23:
                raise ValidationError(
                    _(
                        "Planning group %(group)s: the planning hour is an hour "
                        "of the day, from 0 to 23.",
                        group=group.display_name,
                    )
                )

    @api.constrains("warehouse_id", "warehouse_ids")
    def _check_receiving_warehouse(self):
        for group in self:
            if group.warehouse_id and group.warehouse_id not in group.warehouse_ids:
                raise ValidationError(
                    _(
                        "Planning group %(group)s: the receiving warehouse "
                        "%(warehouse)s must be one of its warehouses; add it to "
                        "the warehouses or pick another one.",
                        group=group.display_name,
                        warehouse=group.warehouse_id.display_name,
                    )
                )

    @api.constrains("warehouse_ids", "active")
    def _check_warehouse_in_one_group(self):
        groups = self.search(
            [
                ("active", "=", True),
                ("warehouse_ids", "in", self.warehouse_ids.ids),
            ]
        )
        owner = {}
        for group in groups:
            for warehouse in group.warehouse_ids:
                other = owner.setdefault(warehouse, group)
                if other != group:
                    raise ValidationError(
                        _(
                            "Warehouse %(warehouse)s is in two planning groups "
                            "(%(first)s and %(second)s): a warehouse's stock can "
                            "only be planned in one pool, remove it from one.",
                            warehouse=warehouse.display_name,
                            first=other.display_name,
                            second=group.display_name,
                        )
                    )

    @api.onchange("warehouse_ids")
    def _onchange_warehouse_ids(self):
        if self.warehouse_id not in self.warehouse_ids:
            self.warehouse_id = self.warehouse_ids[:1]

    @api.model
    def _create_default_groups(self, companies=None):
        """One group per company holding all its warehouses (install, new company).

        Companies that already have a group are left alone; warehouses not yet
        in any group join the company's first group.
        """
        companies = companies or self.env["res.company"].search([])
        warehouses = self.env["stock.warehouse"].search(
            [("company_id", "in", companies.ids)], order="sequence, id"
        )
        groups = self.with_context(active_test=False).search(
            [("company_id", "in", companies.ids)]
        )
        planned = groups.warehouse_ids
        vals_list = []
        for company in companies:
            free = warehouses.filtered(
                lambda wh, company=company: (
                    wh.company_id == company and wh not in planned
                )
            )
            company_groups = groups.filtered(
                lambda g, company=company: g.company_id == company
            )
            if company_groups:
                if free:
                    company_groups[0].warehouse_ids = [
                        fields.Command.link(wh.id) for wh in free
                    ]
                    if not company_groups[0].warehouse_id:
                        company_groups[0].warehouse_id = free[0]
                continue
            if not free:
                continue
            vals_list.append(
                {
                    "name": _("%(company)s pool", company=company.name),
                    "company_id": company.id,
                    "warehouse_ids": [fields.Command.set(free.ids)],
                    "warehouse_id": free[0].id,
                }
            )
        return self.create(vals_list)

    def action_run_mrp(self):
        """Create a run for this group and plan at once; returns the run's form."""
        self.ensure_one()
        run = self.env["mes.mrp.run"].create({"planning_group_id": self.id})
        run.action_run()
        return run._get_form_action()

    def action_run_net_change(self):
        """Replan what changed since the last run, at once; returns the run."""
        self.ensure_one()
        run = self.env["mes.mrp.run"].create(
            {"planning_group_id": self.id, "mode": "net_change"}
        )
        run.action_run()
        return run._get_form_action()

    def action_open_suggestions(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "mes_inventory_mrp.mes_mrp_suggestion_action"
        )
        action["domain"] = [("planning_group_id", "=", self.id)]
        return action

    # ------------------------------------------------------------------
    # Scheduled planning
    # ------------------------------------------------------------------
    def _mes_tz(self):
        """The company's time zone (its partner's, else its working hours')."""
        self.ensure_one()
        company = self.company_id
        name = company.partner_id.tz or company.resource_calendar_id.tz or "UTC"
        try:
            return pytz.timezone(name)
        except pytz.UnknownTimeZoneError:
            return pytz.utc

    def _mes_local_now(self, now=None):
        now = now or fields.Datetime.now()
        return pytz.utc.localize(now).astimezone(self._mes_tz())

    def _mes_is_due(self, now=None):
        """Planned automatically, its hour has come today (company time zone),
        and not planned by the scheduled action yet today."""
        self.ensure_one()
        if not (self.active and self.auto_run and self.warehouse_ids):
            return False
        local = self._mes_local_now(now)
        if local.hour < self.auto_run_hour:
            return False
        return not self.auto_run_last_date or self.auto_run_last_date < local.date()

    @api.model
    def _cron_auto_run(self, use_new_cursor=False):
        """Plan every group that is due, one group per transaction.

        Each group gets a run (``trigger`` scheduled) planned in the background
        with its progress committed. A group whose run fails does not stop the
        others: the run is marked failed with the error and the group's
        planners get an activity. A group busy with another run is tried again
        at the next call.
        """
        groups = self.search([("auto_run", "=", True)])
        due = groups.filtered(lambda group: group._mes_is_due())

        def started(group):
            group.auto_run_last_date = group._mes_local_now().date()

        return due._mes_run_scheduled("regenerative", started, use_new_cursor)

    def _mes_net_change_due(self, now=None):
        """Groups with automatic net change whose interval has passed since
        their last automatic net change and that have changed products."""
        now = now or fields.Datetime.now()
        groups = self.filtered(
            lambda g: (
                g.active
                and g.auto_net_change
                and g.warehouse_ids
                and (
                    not g.net_change_last
                    or g.net_change_last
                    + timedelta(minutes=max(g.net_change_interval, 1))
                    <= now
                )
            )
        )
        if not groups:
            return groups
        dirty = {
            group_id
            for [group_id] in self.env.execute_query(
                SQL(
                    "SELECT DISTINCT planning_group_id FROM mes_mrp_dirty "
                    "WHERE planning_group_id = ANY(%s)",
                    groups.ids,
                )
            )
        }
        return groups.filtered(lambda g: g.id in dirty or g.replan_all)

    @api.model
    def _cron_net_change(self, use_new_cursor=False):
        """Run a net-change run for each group with automatic net change that
        has changed products and whose interval has passed: one group per
        transaction, a failure does not stop the others (as the scheduled
        planning)."""
        self.env.cr.flush()  # marks of this transaction, if any
        due = self.search([("auto_net_change", "=", True)])._mes_net_change_due()

        def started(group):
            group.net_change_last = fields.Datetime.now()

        return due._mes_run_scheduled("net_change", started, use_new_cursor)

    def _mes_run_scheduled(self, mode, started, use_new_cursor):
        """Plan each group of ``self`` with a scheduled run of ``mode``, each
        in its own transaction; ``started(group)`` notes the start."""
        Run = self.env["mes.mrp.run"]
        cron = self.env["ir.cron"]
        if use_new_cursor:
            cron._commit_progress(remaining=len(self))
        for group in self:
            if Run.search_count(
                [
                    ("planning_group_id", "=", group.id),
                    "|",
                    ("state", "=", "running"),
                    ("in_queue", "=", True),
                ],
                limit=1,
            ):
                _logger.info("MRP group %s is being planned: skipped", group.id)
                continue
            run = Run.create(
                {"planning_group_id": group.id, "trigger": "scheduled", "mode": mode}
            )
            started(group)
            if use_new_cursor:
                cron._commit_progress()
            try:
                if use_new_cursor:
                    run._run(use_new_cursor=True)
                else:
                    with self.env.cr.savepoint():
                        run._run()
            except Exception as error:  # one group must not stop the others
                _logger.exception("Scheduled MRP run %s failed", run.id)
                if use_new_cursor:
                    self.env.cr.rollback()
                run.write(
                    {
                        "state": "failed",
                        "in_queue": False,
                        "ended": fields.Datetime.now(),
                        "progress": 100.0,
                        "error_message": str(error),
                    }
                )
                if use_new_cursor:
                    cron._commit_progress(1)
            if run.state == "failed":
                group._mes_notify_failure(run)
            if use_new_cursor and not cron._commit_progress():
                break  # out of time: the scheduler calls again for the rest
        return True

    def _mes_planners(self):
        """Active internal users of the MRP Planner group in this company."""
        self.ensure_one()
        group = self.env.ref("mes_inventory_mrp.group_mrp_planner")
        return group.sudo().all_user_ids.filtered(
            lambda user: (
                user.active and not user.share and self.company_id in user.company_ids
            )
        )

    def _mes_notify_failure(self, run):
        """An activity on the group for each of its planners: the run failed."""
        self.ensure_one()
        deadline = fields.Date.context_today(self)
        for user in self._mes_planners():
            self.activity_schedule(
                "mail.mail_activity_data_warning",
                date_deadline=deadline,
                summary=_("Scheduled MRP run failed"),
                note=_(
                    "%(run)s failed: %(error)s Fix the cause and run the MRP again.",
                    run=run.display_name,
                    error=run.error_message or "",
                ),
                user_id=user.id,
            )
