from collections import defaultdict
from datetime import timedelta

from psycopg2.errors import LockNotAvailable
from pytz import timezone

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, float_is_zero
from odoo.tools.translate import LazyTranslate

from .mes_guarded_mixin import guarded_action

_lt = LazyTranslate(__name__)

PLANNER_GROUP = "mes_inventory_mrp.group_mrp_planner"


def check_planner(env, what):
    """Refuse ``what`` to a user who is not an MRP planner (superuser passes)."""
    if env.su or env.user.has_group(PLANNER_GROUP):
        return
    raise AccessError(
        env._(
            "Only MRP planners can %(what)s: ask an administrator for the "
            "'MRP Planner' group.",
            what=what,
        )
    )


def lock_records(records, busy_message=None):
    """Lock ``records`` (FOR UPDATE NOWAIT) so two users cannot act on them at
    once; the second one gets ``busy_message`` (a UserError) instead of waiting."""
    if not records:
        return
    try:
        records.env.execute_query(
            SQL(
                "SELECT id FROM %s WHERE id IN %s FOR UPDATE NOWAIT",
                SQL.identifier(records._table),
                tuple(records.ids),
            )
        )
    except LockNotAvailable:
        raise UserError(
            busy_message
            or records.env._(
                "These records are being changed by someone else right now "
                "(%(what)s): try again in a moment.",
                what=records._description,
            )
        ) from None
    records.invalidate_recordset()


class MesMrpSuggestion(models.Model):
    """A planned order: what the MRP suggests to buy, make or transfer."""

    _name = "mes.mrp.suggestion"
    _inherit = ["mes.guarded.mixin"]
    _description = "MRP Suggestion"
    _mes_guarded_fields = {
        "state": _lt("Approve, Reset to New, Cancel or Create Orders"),
        "purchase_line_id": _lt("Create RFQs"),
        "production_id": _lt("Create Manufacturing Orders"),
        "transfer_move_id": _lt("Create Transfers"),
    }
    _order = "date_order, product_id, id"
    _check_company_auto = True

    run_id = fields.Many2one("mes.mrp.run", ondelete="set null", index=True)
    planning_group_id = fields.Many2one(
        "mes.mrp.planning.group", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    product_id = fields.Many2one(
        "product.product", required=True, index=True, check_company=True
    )
    product_tmpl_id = fields.Many2one(related="product_id.product_tmpl_id")
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    action = fields.Selection(
        [("buy", "Buy"), ("make", "Make"), ("transfer", "Transfer")],
        help="Empty when the product has no source (see the exception).",
    )
    product_qty = fields.Float(
        string="Quantity", digits="Product Unit", required=True, default=0.0
    )
    purchase_qty = fields.Float(
        string="Purchase Quantity",
        digits="Product Unit",
        help="Quantity in the vendor's unit of measure.",
    )
    purchase_uom_id = fields.Many2one("uom.uom", string="Purchase Unit")
    date_required = fields.Date(
        required=True, help="Day the quantity must be in stock (first need)."
    )
    date_order = fields.Date(
        string="Order / Start Date",
        required=True,
        help="Day to order (buy) or start (make) so the quantity arrives in time.",
    )
    partner_id = fields.Many2one("res.partner", string="Vendor", index=True)
    supplierinfo_id = fields.Many2one(
        "product.supplierinfo", string="Vendor Line", ondelete="set null"
    )
    bom_id = fields.Many2one("mrp.bom", string="Bill of Materials", ondelete="set null")
    price_unit = fields.Float(
        string="Unit Price",
        digits="Product Price",
        help="Vendor price per purchase unit.",
    )
    currency_id = fields.Many2one("res.currency")
    price_subtotal = fields.Monetary(
        string="Subtotal", currency_field="currency_id", readonly=True
    )
    warehouse_id = fields.Many2one("stock.warehouse", check_company=True)
    project_id = fields.Many2one(
        "project.project",
        index="btree_not_null",
        ondelete="set null",
        help="Planned for this project's own stock (a project that holds stock): "
        "its RFQ or manufacturing order carries the project and receives into "
        "the project's location.",
    )
    state = fields.Selection(
        [
            ("new", "New"),
            ("approved", "Approved"),
            ("ordered", "Ordered"),
            ("cancelled", "Cancelled"),
        ],
        default="new",
        required=True,
        index=True,
        help="Approved suggestions are firm planned orders: later runs use them "
        "as supply and never change them.",
    )
    exception = fields.Selection(
        [("none", "None"), ("expedite", "Expedite"), ("no_source", "No Source")],
        default="none",
        required=True,
    )
    exception_message = fields.Text()
    note = fields.Text(
        string="Comment",
        help="Free comment. Runs keep it while the suggestion keeps its "
        "identity (product, action, need date, warehouse, source).",
    )
    pegging_ids = fields.One2many("mes.mrp.pegging", "suggestion_id")
    purchase_line_id = fields.Many2one(
        "purchase.order.line", ondelete="set null", copy=False
    )
    production_id = fields.Many2one(
        "mrp.production",
        string="Manufacturing Order",
        ondelete="set null",
        copy=False,
    )
    # Transfer suggestions: resupply from a warehouse outside the pool.
    source_warehouse_id = fields.Many2one(
        "stock.warehouse",
        index="btree_not_null",
        help="Warehouse outside the planning group that resupplies the receiving "
        "warehouse (transfer suggestions).",
    )
    transfer_rule_id = fields.Many2one(
        "stock.rule",
        string="Resupply Rule",
        ondelete="set null",
        help="Pull rule bringing the product into the receiving warehouse; its "
        "route is used to create the transfer.",
    )
    transfer_move_id = fields.Many2one(
        "stock.move",
        ondelete="set null",
        copy=False,
        readonly=True,
        help="Move into the receiving warehouse created from this suggestion.",
    )
    transfer_picking_id = fields.Many2one(
        related="transfer_move_id.picking_id", string="Transfer"
    )

    _qty_positive = models.Constraint(
        "CHECK(product_qty >= 0)", "A suggestion's quantity cannot be negative."
    )

    @api.constrains("state", "action")
    def _check_no_source_not_firm(self):
        for suggestion in self:
            if not suggestion.action and suggestion.state in ("approved", "ordered"):
                raise ValidationError(
                    _(
                        "%(product)s has no source: it cannot be approved or "
                        "ordered. Add a vendor, a bill of materials or a resupply "
                        "route to the product and run the MRP again.",
                        product=suggestion.product_id.display_name,
                    )
                )

    @api.depends("action", "product_id", "product_qty")
    def _compute_display_name(self):
        labels = dict(self._fields["action"]._description_selection(self.env))
        for suggestion in self:
            suggestion.display_name = _(
                "%(action)s %(qty)s %(product)s",
                action=labels.get(suggestion.action, _("No source")),
                qty=suggestion.product_qty,
                product=suggestion.product_id.display_name,
            )

    @api.onchange("product_qty", "purchase_uom_id", "price_unit")
    def _onchange_product_qty(self):
        for suggestion in self:
            uom = suggestion.product_id.uom_id
            qty = suggestion.product_qty
            if suggestion.purchase_uom_id and uom:
                qty = uom._compute_quantity(
                    qty, suggestion.purchase_uom_id, rounding_method="UP"
                )
            suggestion.purchase_qty = qty
            suggestion.price_subtotal = qty * suggestion.price_unit

    @guarded_action
    def action_approve(self):
        """Make new suggestions firm: later runs keep them and net them as supply."""
        check_planner(self.env, _("approve MRP suggestions"))
        not_new = self.filtered(lambda s: s.state != "new")
        if not_new:
            raise UserError(
                _(
                    "Only new suggestions can be approved; %(names)s is already "
                    "%(state)s.",
                    names=", ".join(not_new.mapped("display_name")),
                    state=not_new[0].state,
                )
            )
        no_source = self.filtered(lambda s: not s.action)
        if no_source:
            raise UserError(
                _(
                    "%(names)s has no source: fix the product (vendor or bill of "
                    "materials) and run the MRP again before approving.",
                    names=", ".join(no_source.mapped("product_id.display_name")),
                )
            )
        self.write({"state": "approved"})
        return True

    @guarded_action
    def action_reset(self):
        """Give approved suggestions back to the MRP (next run replaces them)."""
        check_planner(self.env, _("change MRP suggestions"))
        self.filtered(lambda s: s.state == "approved").write({"state": "new"})
        return True

    @guarded_action
    def action_cancel(self):
        check_planner(self.env, _("cancel MRP suggestions"))
        ordered = self.filtered(lambda s: s.state == "ordered")
        if ordered:
            raise UserError(
                _(
                    "%(names)s is already ordered: cancel its purchase or "
                    "manufacturing order instead.",
                    names=", ".join(ordered.mapped("display_name")),
                )
            )
        self.write({"state": "cancelled"})
        return True

    # ------------------------------------------------------------------
    # Refusals shared by the actions that turn suggestions into documents
    # ------------------------------------------------------------------
    def _mes_refuse_other_companies(self, message):
        """Refuse the batch when a suggestion belongs to a company the user has
        not selected, naming each; ``message`` (translated) has ``%(name)s`` and
        ``%(company)s``."""
        allowed = self.env.companies
        # sudo: the company of a suggestion the user may not read is needed to
        # name the fix (switch company) instead of a bare access error.
        problems = [
            message % {"name": s.display_name, "company": s.company_id.name}
            for s in self.sudo()
            if s.company_id not in allowed
        ]
        if problems:
            raise UserError("\n".join(problems))

    def _mes_already_done_problem(self, document=None):
        """ "<suggestion> is already ordered (<document>): remove it..."."""
        self.ensure_one()
        labels = dict(self._fields["state"]._description_selection(self.env))
        return _(
            "%(name)s is already %(state)s%(order)s: remove it from the selection.",
            name=self.display_name,
            state=labels[self.state].lower(),
            order=" (%s)" % document.name if document else "",
        )

    # ------------------------------------------------------------------
    # Transfers (``_mes_lock`` and ``_mes_noon``: mes_mrp_suggestion_purchase)
    # ------------------------------------------------------------------
    def _mes_check_transferable(self):
        """Refuse the whole batch with every problem named; nothing is created."""
        self._mes_refuse_other_companies(
            _(
                "%(name)s belongs to company %(company)s: select that company "
                "to transfer it."
            )
        )
        problems = []
        for suggestion in self:
            name = suggestion.display_name
            if suggestion.state not in ("new", "approved"):
                problems.append(suggestion._mes_already_done_problem())
            elif not suggestion.action:
                problems.append(
                    _(
                        "%(name)s has no source: add a vendor, a bill of materials "
                        "or a resupply route to the product and run the MRP again.",
                        name=name,
                    )
                )
            elif suggestion.action != "transfer":
                problems.append(
                    _(
                        "%(name)s is not a transfer suggestion: only transfer "
                        "suggestions become transfers.",
                        name=name,
                    )
                )
            elif not (suggestion.source_warehouse_id and suggestion.warehouse_id):
                problems.append(
                    _(
                        "%(name)s has no source or receiving warehouse: run the "
                        "MRP again.",
                        name=name,
                    )
                )
            elif float_is_zero(
                suggestion.product_qty,
                precision_rounding=suggestion.product_id.uom_id.rounding,
            ):
                problems.append(_("%(name)s has no quantity to transfer.", name=name))
        if problems:
            raise UserError("\n".join(problems))

    @guarded_action
    def action_create_transfers(self):
        """Create the resupply transfers of these transfer suggestions.

        Runs Odoo's procurement on the receiving location with the suggestion's
        resupply route, so the whole chain of the route is created (pick in the
        source warehouse, transit, receipt). The suggestions of one source and
        receiving warehouse share one reference, hence one picking per step.
        The move into the receiving warehouse is planned on the required date;
        each suggestion is linked to it and becomes ordered.
        """
        if not self:
            raise UserError(_("Select the suggestions to transfer."))
        check_planner(self.env, _("create transfers from MRP suggestions"))
        self.check_access("write")
        self._mes_check_transferable()
        self._mes_lock()
        self._mes_check_transferable()

        suggestions = self.sorted(lambda s: (s.date_required, s.id))
        by_key = defaultdict(lambda: self.browse())
        for suggestion in suggestions:
            key = (
                suggestion.company_id,
                suggestion.source_warehouse_id,
                suggestion.warehouse_id,
            )
            by_key[key] |= suggestion
        keys = list(by_key)
        references = self.env["stock.reference"].create(
            [
                {
                    "name": self.env._(
                        "MRP: %(supplier)s to %(receiver)s",
                        supplier=source.code,
                        receiver=dest.code,
                    )
                }
                for _company, source, dest in keys
            ]
        )
        reference_of = dict(zip(keys, references, strict=True))
        tz = timezone(self.env.user.tz or "UTC")
        Rule = self.env["stock.rule"]
        procurements = []
        for key, group in by_key.items():
            company, _source, dest = key
            for suggestion in group:
                rule = suggestion.transfer_rule_id
                location = rule.location_dest_id or dest.lot_stock_id
                if suggestion.project_id.mes_hold_stock:
                    location = suggestion.project_id._mes_stock_location(dest)
                # Odoo schedules a rule's move its delay before the planned
                # date: shift it so the receipt lands on the required date.
                planned = self._mes_noon(suggestion.date_required, tz) + timedelta(
                    days=rule.delay or 0
                )
                product = suggestion.product_id
                procurements.append(
                    Rule.Procurement(
                        product,
                        suggestion.product_qty,
                        product.uom_id,
                        location,
                        product.display_name,
                        suggestion.run_id.display_name or _("MRP"),
                        company,
                        {
                            "route_ids": rule.route_id,
                            "warehouse_id": dest,
                            "date_planned": planned,
                            "date_deadline": planned,
                            "reference_ids": reference_of[key],
                        },
                    )
                )
        Rule.run(procurements)

        linked = defaultdict(lambda: self.browse())
        for key, group in by_key.items():
            dest = key[2]
            moves = (
                reference_of[key]
                .move_ids.filtered(
                    lambda move, dest=dest: move.location_dest_id.warehouse_id == dest
                )
                .sorted(lambda move: (move.date, move.id))
            )
            moves_of = defaultdict(list)
            for move in moves:
                moves_of[move.product_id].append(move)
            for suggestion in group:
                candidates = moves_of.get(suggestion.product_id) or [False]
                # Moves of one product may merge: the last one takes the rest.
                move = candidates.pop(0) if len(candidates) > 1 else candidates[0]
                linked[move and move.id] |= suggestion
        for move_id, group in linked.items():
            group.write({"state": "ordered", "transfer_move_id": move_id})
        pickings = references.move_ids.picking_id
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock.action_picking_tree_all"
        )
        action["domain"] = [("id", "in", pickings.ids)]
        action["context"] = {"create": False}
        return action
