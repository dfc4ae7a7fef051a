from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

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


class MesMrpSuggestion(models.Model):
    """A planned order: what the MRP suggests to buy, make or transfer."""

    _name = "mes.mrp.suggestion"
    _description = "MRP Suggestion"
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

    _qty_positive = models.Constraint(
        "CHECK(product_qty >= 0)", "A suggestion's quantity cannot be negative."
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

    def action_reset(self):
        """Give approved suggestions back to the MRP (next run replaces them)."""
        check_planner(self.env, _("change MRP suggestions"))
        self.filtered(lambda s: s.state == "approved").write({"state": "new"})
        return True

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
