from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, ormcache


class StockLocation(models.Model):
    _inherit = "stock.location"

    mes_mrp_nettable = fields.Boolean(
        string="Nettable (MRP)",
        default=True,
        help="Stock in this internal location (and its sub-locations) counts as "
        "available to the MRP. Uncheck it for quarantine or scrap-hold locations.",
    )

    mes_is_quality_location = fields.Boolean(
        string="Quality/Quarantine Location",
        help="Lots that are not released (pending, quarantined) may be moved "
        "into this location, e.g. an inspection area or a quarantine cage.",
    )

    mes_project_id = fields.Many2one(
        "project.project",
        string="Held for Project",
        index="btree_not_null",
        ondelete="restrict",
        help="Stock here belongs to this project: only its manufacturing orders "
        "and deliveries take it, and the MRP nets it for this project alone. "
        "Set on the location the project gets in a warehouse.",
    )

    mes_frozen = fields.Boolean(
        string="Frozen (Count)",
        copy=False,
        index=True,
        help="A count is in progress: nothing moves into or out of this location "
        "and reservations do not take its stock (the MRP still nets it). Set by "
        "starting a count of the location, cleared when the count is applied "
        "or cancelled, or by a stock manager.",
    )
    mes_frozen_reconciliation_id = fields.Many2one(
        "mes.stock.reconciliation",
        string="Frozen by Count",
        copy=False,
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    mes_frozen_date = fields.Datetime(string="Frozen On", copy=False, readonly=True)
    mes_frozen_user_id = fields.Many2one(
        "res.users", string="Frozen By", copy=False, readonly=True
    )

    @api.constrains("mes_project_id", "usage", "company_id")
    def _check_mes_project_id(self):
        for location in self.filtered("mes_project_id"):
            project = location.mes_project_id
            if location.usage != "internal":
                raise ValidationError(
                    _(
                        "%(location)s holds stock for project %(project)s, so it "
                        "must be an internal location.",
                        location=location.display_name,
                        project=project.display_name,
                    )
                )
            if project.company_id and project.company_id != location.company_id:
                raise ValidationError(
                    _(
                        "%(location)s belongs to %(company)s but holds stock for "
                        "project %(project)s of %(other)s: use a location of the "
                        "project's company.",
                        location=location.display_name,
                        company=location.company_id.name,
                        project=project.display_name,
                        other=project.company_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        locations = super().create(vals_list)
        if any(vals.get("mes_project_id") for vals in vals_list):
            self.env.registry.clear_cache()
        return locations

    @api.model
    @ormcache()
    def _mes_project_location_pairs(self):
        """``((location id, project id), ...)`` of every project location, all
        companies: cached, so reserving costs no query while no project holds
        stock (a new project location clears the cache)."""
        self.flush_model(["mes_project_id"])
        rows = self.env.execute_query(
            SQL(
                "SELECT id, mes_project_id FROM stock_location "
                "WHERE mes_project_id IS NOT NULL ORDER BY id"
            )
        )
        return tuple(tuple(row) for row in rows)

    def write(self, vals):
        if "mes_project_id" in vals:
            self.env.registry.clear_cache()
        if vals.get("mes_frozen") and "mes_frozen_date" not in vals:
            vals = dict(
                vals,
                mes_frozen_date=fields.Datetime.now(),
                mes_frozen_user_id=self.env.user.id,
            )
        elif "mes_frozen" in vals and not vals["mes_frozen"]:
            # unfrozen by hand: forget who froze it and why
            vals = dict(
                vals,
                mes_frozen_reconciliation_id=False,
                mes_frozen_date=False,
                mes_frozen_user_id=False,
            )
        return super().write(vals)

    def _mes_frozen_reason(self):
        """' for count REC/...' or '' (to complete a sentence)."""
        self.ensure_one()
        count = self.sudo().mes_frozen_reconciliation_id
        if count:
            return _(" for count %(count)s", count=count.name)
        return ""

    def _mes_check_stock_manager(self):
        if not self.env.user.has_group("stock.group_stock_manager"):
            raise AccessError(
                _("Only a stock manager may freeze or unfreeze a location by hand.")
            )

    def _mes_freeze(self, reconciliation=None):
        """Freeze these locations and their internal sub-locations."""
        locations = self.sudo().search(
            [("id", "child_of", self.ids), ("usage", "in", ("internal", "transit"))]
        )
        locations.write(
            {
                "mes_frozen": True,
                "mes_frozen_reconciliation_id": reconciliation.id
                if reconciliation
                else False,
                "mes_frozen_date": fields.Datetime.now(),
                "mes_frozen_user_id": self.env.user.id,
            }
        )
        return locations

    def _mes_unfreeze(self):
        self.sudo().write(
            {
                "mes_frozen": False,
                "mes_frozen_reconciliation_id": False,
                "mes_frozen_date": False,
                "mes_frozen_user_id": False,
            }
        )

    def action_mes_freeze(self):
        """Freeze by hand (stock managers): this location and its
        sub-locations."""
        self._mes_check_stock_manager()
        self.check_access("write")
        for location in self:
            if location.usage not in ("internal", "transit"):
                raise UserError(
                    _(
                        "%(location)s is not an internal location: only stock "
                        "locations are frozen for a count.",
                        location=location.display_name,
                    )
                )
        self._mes_freeze()
        return True

    def action_mes_unfreeze(self):
        """Unfreeze by hand (stock managers): this location and its
        sub-locations, whatever count froze them."""
        self._mes_check_stock_manager()
        self.check_access("write")
        self.sudo().search(
            [("id", "child_of", self.ids), ("mes_frozen", "=", True)]
        )._mes_unfreeze()
        return True

    def action_mes_start_count(self):
        """Start a count of this location: a reconciliation limited to it,
        which freezes it until the count is applied or cancelled."""
        self.ensure_one()
        run = self.env["mes.stock.reconciliation"].create(
            {
                "company_id": self.company_id.id or self.env.company.id,
                "location_ids": [fields.Command.set(self.ids)],
            }
        )
        run.action_start_count()
        return {
            "type": "ir.actions.act_window",
            "res_model": "mes.stock.reconciliation",
            "res_id": run.id,
            "view_mode": "form",
        }
