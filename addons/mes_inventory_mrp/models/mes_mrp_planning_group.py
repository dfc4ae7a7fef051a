from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class MesMrpPlanningGroup(models.Model):
    """Warehouses whose stock is one MRP pool (central, shop floor, line side)."""

    _name = "mes.mrp.planning.group"
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

    _horizon_positive = models.Constraint(
        "CHECK(horizon_days > 0)", "The planning horizon must be at least one day."
    )
    _reschedule_out_positive = models.Constraint(
        "CHECK(reschedule_out_days >= 0)",
        "The reschedule out tolerance cannot be negative.",
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

    def action_open_suggestions(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "mes_inventory_mrp.mes_mrp_suggestion_action"
        )
        action["domain"] = [("planning_group_id", "=", self.id)]
        return action
