from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError


class MesStockReconciliation(models.Model):
    """Starting a count freezes its locations until it is applied or
    cancelled."""

    _inherit = "mes.stock.reconciliation"  # pylint: disable=consider-merging-classes-inherited

    date_count_started = fields.Datetime(
        string="Count Started On", readonly=True, copy=False
    )
    frozen_location_ids = fields.One2many(
        "stock.location",
        "mes_frozen_reconciliation_id",
        string="Frozen Locations",
        readonly=True,
    )

    def action_start_count(self):
        """Start counting the reconciliation's locations: they and their
        sub-locations are frozen (no move in or out, no reservation) until
        the reconciliation is applied or cancelled."""
        if not self.env.user.has_group("stock.group_stock_user"):
            raise AccessError(_("Only inventory users may start a count."))
        self.check_access("write")
        self._check_draft()
        Location = self.env["stock.location"].sudo()
        for run in self:
            if run.date_count_started:
                raise UserError(
                    _(
                        "Reconciliation %(name)s: the count is already started.",
                        name=run.name,
                    )
                )
            if not run.location_ids:
                raise UserError(
                    _(
                        "Reconciliation %(name)s: choose the locations to count "
                        "before starting the count (they are frozen meanwhile).",
                        name=run.name,
                    )
                )
            busy = Location.search(
                [
                    ("id", "child_of", run.location_ids.ids),
                    ("mes_frozen", "=", True),
                ]
            )
            if busy:
                raise UserError(
                    _(
                        "Reconciliation %(name)s: %(locations)s already frozen. "
                        "Apply or cancel the count in progress first (or ask a "
                        "stock manager to unfreeze it).",
                        name=run.name,
                        locations=", ".join(
                            loc.display_name + loc._mes_frozen_reason()
                            for loc in busy[:5]
                        ),
                    )
                )
            frozen = run.location_ids._mes_freeze(run)
            run.date_count_started = fields.Datetime.now()
            run.message_post(
                body=_(
                    "Count started: %(locations)s frozen until the count is "
                    "applied or cancelled.",
                    locations=", ".join(frozen.mapped("display_name")),
                )
            )
        return True

    def _mes_release_frozen_locations(self):
        self.sudo().frozen_location_ids._mes_unfreeze()

    def action_apply(self):
        res = super().action_apply()
        self._mes_release_frozen_locations()
        return res

    def action_cancel(self):
        res = super().action_cancel()
        self._mes_release_frozen_locations()
        return res

    @api.model
    def _get_under_validation_exceptions(self):
        return super()._get_under_validation_exceptions() + ["date_count_started"]
