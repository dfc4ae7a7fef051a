from datetime import timedelta

from odoo import _, api, fields, models
from odoo.addons.mes_inventory_mrp.models.mes_guarded_mixin import guarded_action
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)
SHOPFLOOR_USER = "mes_shopfloor.group_shopfloor_user"
SHOPFLOOR_MANAGER = "mes_shopfloor.group_shopfloor_manager"
FAST_TRACK = "mes_shopfloor.group_fast_track"

URGENT_STATES = [
    ("draft", "Draft"),
    ("to_approve", "To Approve"),
    ("approved", "Approved"),
    ("in_transit", "In Transit"),
    ("done", "Received"),
    ("cancelled", "Cancelled"),
]
# Fields the workflow writes itself while reviews are open (tier validation
# otherwise refuses writes under validation).
WORKFLOW_FIELDS = [
    "state",
    "date_requested",
    "date_approved",
    "approved_by_id",
    "date_released",
    "date_received",
    "lead_time_minutes",
    "picking_id",
    "is_fast_track",
    "fast_track_user_id",
    "fast_track_date",
    "overdue_activity_raised",
]


class MesUrgentTransfer(models.Model):
    _name = "mes.urgent.transfer"
    _description = "Urgent Material Transfer"
    # the guard first: a forged state is refused before tier validation runs
    _inherit = [
        "mes.guarded.mixin",
        "tier.validation",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _order = "id desc"
    _mes_guarded_fields = dict.fromkeys(
        WORKFLOW_FIELDS,
        _lt("Request, Approve (or the tier reviews), Fast Track, Release or Cancel"),
    )
    # what was requested (and approved) cannot change once requested
    _mes_frozen_fields = dict.fromkeys(
        [
            "product_id",
            "quantity",
            "production_id",
            "location_dest_id",
            "source_warehouse_id",
            "requested_by_id",
            "company_id",
        ],
        _lt("Cancel, Reset to Draft, change it, then Request again"),
    )

    _state_from = ["to_approve"]
    _state_to = ["approved"]
    _cancel_state = "cancelled"
    _tier_validation_manual_config = False

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/"
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda s: s.env.company
    )
    product_id = fields.Many2one(
        "product.product",
        required=True,
        check_company=True,
        domain="[('is_storable', '=', True)]",
        tracking=True,
    )
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    quantity = fields.Float(digits="Product Unit", required=True, tracking=True)
    production_id = fields.Many2one(
        "mrp.production",
        string="Manufacturing Order",
        check_company=True,
        index="btree_not_null",
        domain="[('state', 'in', ('confirmed', 'progress', 'to_close'))]",
    )
    location_dest_id = fields.Many2one(
        "stock.location",
        string="To Line Side",
        required=True,
        check_company=True,
        compute="_compute_location_dest_id",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('usage', '=', 'internal')]",
    )
    source_warehouse_id = fields.Many2one(
        "stock.warehouse",
        string="From Warehouse",
        check_company=True,
        compute="_compute_source_warehouse_id",
        store=True,
        readonly=False,
        precompute=True,
        help="Suggested: the warehouse holding the most free stock of the product.",
    )
    reason = fields.Text(tracking=True)
    date_needed = fields.Datetime(
        string="Needed By",
        required=True,
        default=lambda s: (
            fields.Datetime.now()
            + timedelta(minutes=s.env.company.mes_urgent_target_minutes or 30)
        ),
    )
    requested_by_id = fields.Many2one(
        "res.users",
        required=True,
        default=lambda s: s.env.user,
        readonly=True,
    )
    state = fields.Selection(
        URGENT_STATES,
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    date_requested = fields.Datetime(string="Requested On", readonly=True, copy=False)
    date_approved = fields.Datetime(string="Approved On", readonly=True, copy=False)
    approved_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    date_released = fields.Datetime(string="Released On", readonly=True, copy=False)
    date_received = fields.Datetime(string="Received On", readonly=True, copy=False)
    lead_time_minutes = fields.Float(
        string="Lead Time (min)",
        readonly=True,
        copy=False,
        aggregator="avg",
        help="Minutes from request to receipt at the line side.",
    )
    picking_id = fields.Many2one(
        "stock.picking", string="Transfer", readonly=True, copy=False
    )
    is_fast_track = fields.Boolean(string="Fast Track", readonly=True, copy=False)
    fast_track_user_id = fields.Many2one(
        "res.users", string="Fast-tracked By", readonly=True, copy=False
    )
    fast_track_date = fields.Datetime(
        string="Fast-tracked On", readonly=True, copy=False
    )
    overdue_activity_raised = fields.Boolean(readonly=True, copy=False)
    log_ids = fields.One2many("mes.urgent.transfer.log", "transfer_id")

    _quantity_positive = models.Constraint(
        "CHECK(quantity > 0)", "The quantity of an urgent transfer must be positive."
    )

    @api.depends("production_id", "product_id")
    def _compute_location_dest_id(self):
        for transfer in self:
            production = transfer.production_id
            if not production:
                continue
            move = production.move_raw_ids.filtered(
                lambda m, t=transfer: m.product_id == t.product_id
            )[:1]
            transfer.location_dest_id = move.location_id or production.location_src_id

    @api.depends("product_id", "location_dest_id")
    def _compute_source_warehouse_id(self):
        for transfer in self:
            if not transfer.product_id:
                continue
            free = transfer._mes_free_by_warehouse()
            if free:
                transfer.source_warehouse_id = max(free.items(), key=lambda i: i[1])[0]

    def _mes_free_by_warehouse(self):
        """Free usable stock of the product per warehouse, outside the target."""
        self.ensure_one()
        domain = (
            Domain("product_id", "=", self.product_id.id)
            & Domain("location_id.usage", "=", "internal")
            & Domain("company_id", "=", self.company_id.id)
            & self.env["stock.lot"]._mes_usable_domain(at=fields.Datetime.now())
        )
        if self.location_dest_id:
            domain &= Domain("location_id", "!=", self.location_dest_id.id)
        free = {}
        for location, quantity, reserved in self.env["stock.quant"]._read_group(
            domain, ["location_id"], ["quantity:sum", "reserved_quantity:sum"]
        ):
            if location.warehouse_id and quantity - reserved > 0:
                warehouse = location.warehouse_id
                free[warehouse] = free.get(warehouse, 0.0) + quantity - reserved
        return free

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"].next_by_code("mes.urgent.transfer") or "/"
                )
        return super().create(vals_list)

    @api.model
    def _get_under_validation_exceptions(self):
        return super()._get_under_validation_exceptions() + WORKFLOW_FIELDS

    @api.model
    def _get_after_validation_exceptions(self):
        return super()._get_after_validation_exceptions() + WORKFLOW_FIELDS

    def _workflow_write(self, vals):
        # need_validation is not stored and has no dependencies: recompute it
        # now that reviews may have been created or approved.
        self.invalidate_recordset(["need_validation", "review_ids"])
        return self.with_context(skip_validation_check=True).write(vals)

    def _log(self, event, note=False, duration=False):
        # sudo: the log is an audit trail users cannot write themselves.
        self.env["mes.urgent.transfer.log"].sudo().create(
            [
                {
                    "transfer_id": transfer.id,
                    "event": event,
                    "user_id": self.env.user.id,
                    "note": note,
                    "duration_minutes": duration,
                }
                for transfer in self
            ]
        )

    def _check_state(self, allowed, action):
        bad = self.filtered(lambda t: t.state not in allowed)
        if bad:
            raise UserError(
                _(
                    "Urgent transfer %(names)s cannot be %(action)s in state "
                    "%(state)s.",
                    names=", ".join(bad.mapped("name")),
                    action=action,
                    state=dict(URGENT_STATES)[bad[0].state],
                )
            )

    def _check_ready_to_request(self):
        for transfer in self:
            if not transfer.reason:
                raise ValidationError(
                    _(
                        "Urgent transfer %s: say why it is urgent (Reason).",
                        transfer.name,
                    )
                )
            if not transfer.source_warehouse_id:
                raise ValidationError(
                    _(
                        "Urgent transfer %s: choose the warehouse to take the "
                        "stock from.",
                        transfer.name,
                    )
                )
            if transfer.source_warehouse_id.lot_stock_id == transfer.location_dest_id:
                raise ValidationError(
                    _(
                        "Urgent transfer %s: the source warehouse stock is the "
                        "destination; choose another warehouse.",
                        transfer.name,
                    )
                )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    @guarded_action
    def action_request(self):
        """Submit the request: to approve, and open tier reviews if rules apply."""
        self._mes_check_group(SHOPFLOOR_USER, _("request urgent transfers"))
        self._check_state(("draft",), _("requested"))
        self._check_ready_to_request()
        self._workflow_write(
            {"state": "to_approve", "date_requested": fields.Datetime.now()}
        )
        for transfer in self:
            transfer._log("request", transfer.reason)
        to_review = self.filtered("need_validation")
        if to_review:
            to_review.request_validation()
        return True

    @guarded_action
    def action_approve(self):
        """Approve without tier rules (shop-floor administrators), or once every
        tier review is validated."""
        self._check_state(("to_approve",), _("approved"))
        for transfer in self:
            if not transfer.review_ids and not self.env.user.has_group(
                "mes_shopfloor.group_shopfloor_manager"
            ):
                raise AccessError(
                    _(
                        "Only a shop-floor administrator can approve urgent "
                        "transfer %s.",
                        transfer.name,
                    )
                )
        # The tier mixin refuses this write while a review is not validated.
        self.invalidate_recordset(["need_validation", "review_ids"])
        self.with_context(skip_validation_check=True).write(
            {
                "state": "approved",
                "date_approved": fields.Datetime.now(),
                "approved_by_id": self.env.user.id,
            }
        )
        self._log("approve")
        return True

    def validate_tier(self):
        self.ensure_one()
        if not self.can_review:
            raise AccessError(
                _(
                    "You are not a reviewer of urgent transfer %s (or it is not "
                    "your turn).",
                    self.name,
                )
            )
        res = super().validate_tier()
        if self.state == "to_approve" and self.validation_status == "validated":
            self.action_approve()
        return res

    @guarded_action
    def action_release(self):
        """Create the high-priority internal transfer and put it in transit."""
        self._mes_check_group(SHOPFLOOR_USER, _("release urgent transfers"))
        self._check_state(("approved",), _("released"))
        self._mes_create_transfer()
        self._log("release")
        return True

    @guarded_action
    def action_fast_track(self):
        """Approve and release in one click (Fast Track group); logged and timed."""
        if not self.env.user.has_group("mes_shopfloor.group_fast_track"):
            raise AccessError(
                _(
                    "Only users in the Fast Track group can fast-track urgent "
                    "transfer %s.",
                    ", ".join(self.mapped("name")),
                )
            )
        self._check_state(("draft", "to_approve"), _("fast-tracked"))
        self._check_ready_to_request()
        now = fields.Datetime.now()
        for transfer in self:
            open_reviews = transfer.review_ids.filtered(
                lambda r: r.status in ("waiting", "pending")
            )
            # sudo: the fast-track user approves in place of the reviewers; the
            # reviews record who did it.
            open_reviews.sudo().write(
                {
                    "status": "approved",
                    "done_by": self.env.user.id,
                    "reviewed_date": now,
                    "comment": _("Fast track"),
                }
            )
        for transfer in self:
            transfer._workflow_write(
                {
                    "state": "approved",
                    "date_requested": transfer.date_requested or now,
                    "date_approved": now,
                    "approved_by_id": self.env.user.id,
                    "is_fast_track": True,
                    "fast_track_user_id": self.env.user.id,
                    "fast_track_date": now,
                }
            )
            transfer._log("fast_track", transfer.reason)
        self._mes_create_transfer()
        return True

    @guarded_action
    def action_cancel(self):
        """Cancel the request and its transfer if not yet received."""
        self._mes_check_group(SHOPFLOOR_USER, _("cancel urgent transfers"))
        self._check_state(
            ("draft", "to_approve", "approved", "in_transit"), _("cancelled")
        )
        self.picking_id.filtered(
            lambda p: p.state not in ("done", "cancel")
        ).action_cancel()
        self._workflow_write({"state": "cancelled"})
        self._log("cancel")
        return True

    @guarded_action
    def action_draft(self):
        """Back to draft from cancelled."""
        self._mes_check_group(SHOPFLOOR_USER, _("reset urgent transfers to draft"))
        self._check_state(("cancelled",), _("reset to draft"))
        self._workflow_write({"state": "draft", "picking_id": False})
        return True

    def action_view_picking(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "stock.picking",
            "res_id": self.picking_id.id,
            "view_mode": "form",
        }

    def _mes_create_transfer(self):
        vals_list = []
        for transfer in self:
            warehouse = transfer.source_warehouse_id
            production = transfer.production_id
            vals_list.append(
                {
                    "picking_type_id": warehouse.int_type_id.id,
                    "location_id": warehouse.lot_stock_id.id,
                    "location_dest_id": transfer.location_dest_id.id,
                    "priority": "1",
                    "origin": transfer.name,
                    "company_id": transfer.company_id.id,
                    "scheduled_date": fields.Datetime.now(),
                    "mes_production_id": production.id,
                    "mes_transfer_kind": "urgent",
                    "move_ids": [
                        fields.Command.create(
                            {
                                "product_id": transfer.product_id.id,
                                "product_uom_qty": transfer.quantity,
                                "product_uom": transfer.product_id.uom_id.id,
                                "location_id": warehouse.lot_stock_id.id,
                                "location_dest_id": transfer.location_dest_id.id,
                                "company_id": transfer.company_id.id,
                                "priority": "1",
                                "origin": transfer.name,
                            }
                        )
                    ],
                }
            )
        pickings = self.env["stock.picking"].create(vals_list)
        pickings.action_confirm()
        pickings.action_assign()
        now = fields.Datetime.now()
        for transfer, picking in zip(self, pickings, strict=True):
            transfer._workflow_write(
                {"state": "in_transit", "picking_id": picking.id, "date_released": now}
            )
        return pickings

    @guarded_action
    def _mes_mark_received(self):
        now = fields.Datetime.now()
        for transfer in self:
            start = transfer.date_requested or transfer.create_date
            minutes = round((now - start).total_seconds() / 60.0, 2)
            transfer._workflow_write(
                {"state": "done", "date_received": now, "lead_time_minutes": minutes}
            )
            transfer._log("receive", duration=minutes)
        self.activity_ids.action_feedback(feedback=_("Received at the line side."))

    @api.model
    @guarded_action
    def _cron_raise_overdue_activities(self):
        """Raise one activity per request not received within its company's
        target time."""
        now = fields.Datetime.now()
        candidates = self.search(
            [
                ("state", "in", ("to_approve", "approved", "in_transit")),
                ("overdue_activity_raised", "=", False),
                ("date_requested", "!=", False),
            ]
        )
        overdue = candidates.filtered(
            lambda t: (
                t.date_requested
                + timedelta(minutes=t.company_id.mes_urgent_target_minutes or 30)
                < now
            )
        )
        for transfer in overdue:
            transfer.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=transfer.requested_by_id.id,
                summary=_("Urgent transfer overdue"),
                note=_(
                    "%(name)s (%(qty)s %(product)s to %(loc)s) is not received "
                    "within %(minutes)s minutes.",
                    name=transfer.name,
                    qty=transfer.quantity,
                    product=transfer.product_id.display_name,
                    loc=transfer.location_dest_id.display_name,
                    minutes=transfer.company_id.mes_urgent_target_minutes or 30,
                ),
            )
        if overdue:
            overdue._workflow_write({"overdue_activity_raised": True})
            overdue._log("overdue")
        return overdue
