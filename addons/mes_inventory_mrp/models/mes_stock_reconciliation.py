from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools.translate import LazyTranslate

from .mes_guarded_mixin import guarded_action

_lt = LazyTranslate(__name__)
STOCK_USER = "stock.group_stock_user"


class MesStockReconciliation(models.Model):
    """A run comparing physical counts with book stock.

    ``action_compute`` lists one line per discrepancy (product, location, lot)
    with its value at standard price; ``action_apply`` posts them as
    inventory adjustments once the value tiers approved (tier validation:
    moving the run to *Applied* needs the reviews its total value calls for).
    """

    _name = "mes.stock.reconciliation"
    _description = "Stock Reconciliation"
    # the guard first: a forged state is refused before tier validation runs
    _inherit = [
        "mes.guarded.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "tier.validation",
    ]
    _order = "id desc"
    _check_company_auto = True
    _mes_guarded_fields = {
        "state": _lt("Apply Adjustments or Cancel"),
        "date_computed": _lt("Compute"),
        "date_applied": _lt("Apply Adjustments"),
        "discrepancy_count": _lt("Compute"),
        "value_total": _lt("Compute"),
        "value_abs_total": _lt("Compute"),
    }

    _state_from = ["draft"]
    _state_to = ["done"]
    _cancel_state = "cancel"
    _tier_validation_manual_config = False

    name = fields.Char(
        required=True, copy=False, readonly=True, default=lambda self: self.env._("New")
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    state = fields.Selection(
        [("draft", "Draft"), ("done", "Applied"), ("cancel", "Cancelled")],
        required=True,
        default="draft",
        tracking=True,
        copy=False,
    )
    user_id = fields.Many2one(
        "res.users", string="Responsible", default=lambda self: self.env.user
    )
    location_ids = fields.Many2many(
        "stock.location",
        string="Locations",
        check_company=True,
        domain="[('usage', '=', 'internal')]",
        help="Counts in these locations and their sub-locations; empty: all.",
    )
    date_computed = fields.Datetime(string="Computed On", readonly=True, copy=False)
    date_applied = fields.Datetime(string="Applied On", readonly=True, copy=False)
    count_ids = fields.One2many(
        "mes.stock.count", "reconciliation_id", string="Counts", readonly=True
    )
    line_ids = fields.One2many(
        "mes.stock.reconciliation.line",
        "reconciliation_id",
        string="Discrepancies",
        readonly=True,
    )
    count_count = fields.Integer(compute="_compute_count_count", string="Counts Used")
    discrepancy_count = fields.Integer(compute="_compute_totals", store=True)
    value_total = fields.Monetary(
        compute="_compute_totals",
        store=True,
        help="Net value of the adjustments (gains minus losses) at standard price.",
    )
    value_abs_total = fields.Monetary(
        string="Adjustment Value",
        compute="_compute_totals",
        store=True,
        help="Gains plus losses at standard price: the value approval tiers "
        "are decided on.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")

    @api.depends("count_ids")
    def _compute_count_count(self):
        for run in self:
            run.count_count = len(run.count_ids)

    @api.depends("line_ids.value")
    def _compute_totals(self):
        for run in self:
            values = run.line_ids.mapped("value")
            run.discrepancy_count = len(run.line_ids)
            run.value_total = sum(values)
            run.value_abs_total = sum(abs(v) for v in values)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", self.env._("New")) == self.env._("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code(
                    "mes.stock.reconciliation"
                ) or self.env._("New")
        return super().create(vals_list)

    def _check_draft(self):
        for run in self:
            if run.state != "draft":
                raise UserError(
                    self.env._(
                        "Reconciliation %(name)s is not a draft any more.",
                        name=run.name,
                    )
                )

    def _pending_counts_domain(self):
        self.ensure_one()
        domain = Domain("company_id", "=", self.company_id.id) & (
            Domain("state", "=", "pending")
            & (
                Domain("reconciliation_id", "=", False)
                | Domain("reconciliation_id", "=", self.id)
            )
        )
        if self.location_ids:
            domain &= Domain("location_id", "child_of", self.location_ids.ids)
        return domain

    @guarded_action
    def action_compute(self):
        """Compare the counts still to reconcile with the book stock.

        The latest count of each product, location and lot wins; the book
        quantity is the on-hand quantity in that very location (not its
        sub-locations). One line per difference, valued at standard price.
        """
        self._mes_check_group(STOCK_USER, self.env._("compute stock reconciliations"))
        self._check_draft()
        Count = self.env["mes.stock.count"]
        Quant = self.env["stock.quant"]
        for run in self:
            if run.review_ids:
                run.restart_validation()
            run.line_ids.unlink()
            run.count_ids.reconciliation_id = False
            counts = Count.search(
                run._pending_counts_domain(), order="counted_at desc, id desc"
            )
            latest = {}
            for count in counts:
                latest.setdefault(
                    (count.product_id.id, count.location_id.id, count.lot_id.id), count
                )
            books = defaultdict(float)
            if latest:
                groups = Quant._read_group(
                    [
                        ("product_id", "in", list({k[0] for k in latest})),
                        ("location_id", "in", list({k[1] for k in latest})),
                    ],
                    ["product_id", "location_id", "lot_id"],
                    ["quantity:sum"],
                )
                for product, location, lot, qty in groups:
                    books[(product.id, location.id, lot.id)] += qty
            line_vals = []
            for key, count in latest.items():
                product = count.product_id
                book = books.get(key, 0.0)
                difference = product.uom_id.round(count.quantity - book)
                if product.uom_id.is_zero(difference):
                    continue
                price = product.with_company(run.company_id).standard_price
                line_vals.append(
                    {
                        "reconciliation_id": run.id,
                        "product_id": product.id,
                        "location_id": count.location_id.id,
                        "lot_id": count.lot_id.id,
                        "count_id": count.id,
                        "book_qty": book,
                        "counted_qty": count.quantity,
                        "standard_price": price,
                    }
                )
            self.env["mes.stock.reconciliation.line"].create(line_vals)
            counts.reconciliation_id = run
            run.date_computed = fields.Datetime.now()
        return True

    @guarded_action
    def action_apply(self):
        """Post the discrepancies as inventory adjustments (stock.quant
        ``inventory_quantity`` then ``action_apply_inventory``).

        Setting the run to *Applied* goes through tier validation first: a
        run whose value calls for reviews must have them approved."""
        self._mes_check_group(STOCK_USER, self.env._("apply stock reconciliations"))
        self._check_draft()
        for run in self:
            if not run.date_computed:
                raise UserError(
                    self.env._(
                        "Reconciliation %(name)s: compute it before applying.",
                        name=run.name,
                    )
                )
        # the state change runs the tier validation check (raises if a review
        # is missing) before any stock is touched; need_validation is not
        # stored and may be cached from before the reviews were requested.
        # A run nobody submitted for review is valued now, at the products'
        # costs: a stale or edited value cannot skip a tier.
        self.filtered(lambda run: not run.review_ids)._mes_value_lines()
        self.invalidate_recordset(["need_validation", "review_ids"])
        self.write({"state": "done", "date_applied": fields.Datetime.now()})
        for run in self:
            run._apply_lines()
            run.count_ids.state = "reconciled"
        return True

    def _apply_lines(self):
        self.ensure_one()
        lines = self.line_ids
        if not lines:
            return
        # sudo: inventory_quantity is a stock-manager field; who may adjust
        # is decided by the value tiers approved above, not by that group
        Quant = (
            self.env["stock.quant"]
            .sudo()
            .with_company(self.company_id)
            .with_context(inventory_mode=True, inventory_name=self.name)
        )
        existing = Quant.search(
            [
                ("product_id", "in", lines.product_id.ids),
                ("location_id", "in", lines.location_id.ids),
                ("package_id", "=", False),
                ("owner_id", "=", False),
            ]
        )
        by_key = {}
        for quant in existing:
            by_key.setdefault(
                (quant.product_id.id, quant.location_id.id, quant.lot_id.id), quant
            )
        quants = Quant.browse()
        to_create = []
        for line in lines:
            quant = by_key.get(
                (line.product_id.id, line.location_id.id, line.lot_id.id)
            )
            if quant:
                quant.inventory_quantity = quant.quantity + line.difference
                quants |= quant
            else:
                to_create.append(
                    {
                        "product_id": line.product_id.id,
                        "location_id": line.location_id.id,
                        "lot_id": line.lot_id.id,
                        "inventory_quantity": line.difference,
                    }
                )
        if to_create:
            quants |= Quant.create(to_create)
        action = quants.action_apply_inventory()
        if isinstance(action, dict):
            raise UserError(
                self.env._(
                    "Reconciliation %(name)s: stock changed while it was applied; "
                    "compute it again.",
                    name=self.name,
                )
            )

    @guarded_action
    def action_cancel(self):
        """Cancel a draft run; its counts go back to the pending ones."""
        self._mes_check_group(STOCK_USER, self.env._("cancel stock reconciliations"))
        self._check_draft()
        self.count_ids.reconciliation_id = False
        self.line_ids.unlink()
        self.write({"state": "cancel"})
        return True

    def action_view_counts(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Counts"),
            "res_model": "mes.stock.count",
            "view_mode": "list,form",
            "domain": [("id", "in", self.count_ids.ids)],
        }

    @guarded_action
    def request_validation(self):
        """Submitting for review values the lines at the products' costs of the
        moment: the value the tiers are decided on comes from the source."""
        self._mes_check_group(STOCK_USER, self.env._("submit stock reconciliations"))
        self._check_draft()
        self._mes_value_lines()
        return super().request_validation()

    def _mes_value_lines(self):
        """Value each discrepancy at the product's cost in the run's company."""
        for run in self:
            for line in run.line_ids:
                price = line.product_id.with_company(run.company_id).standard_price
                if line.standard_price != price:
                    line.standard_price = price

    @api.model
    def _get_under_validation_exceptions(self):
        return super()._get_under_validation_exceptions() + [
            "date_computed",
            "date_applied",
        ]


class MesStockReconciliationLine(models.Model):
    """A discrepancy, computed by its reconciliation: nobody edits it."""

    _name = "mes.stock.reconciliation.line"
    _inherit = ["mes.guarded.mixin"]
    _description = "Stock Reconciliation Discrepancy"
    _mes_guard_all_fields = True
    _mes_guard_unlink = True
    _mes_guarded_fields = {None: _lt("Compute or Recompute on the reconciliation")}
    _order = "reconciliation_id, abs_value desc, id"
    _check_company_auto = True

    reconciliation_id = fields.Many2one(
        "mes.stock.reconciliation", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        related="reconciliation_id.company_id", store=True, index=True
    )
    product_id = fields.Many2one(
        "product.product", required=True, check_company=True, index=True
    )
    location_id = fields.Many2one(
        "stock.location", required=True, check_company=True, index=True
    )
    lot_id = fields.Many2one(
        "stock.lot", string="Lot/Serial Number", check_company=True
    )
    count_id = fields.Many2one("mes.stock.count", ondelete="set null")
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    book_qty = fields.Float(string="Book Quantity", digits="Product Unit")
    counted_qty = fields.Float(string="Counted Quantity", digits="Product Unit")
    difference = fields.Float(
        digits="Product Unit",
        compute="_compute_difference",
        store=True,
        help="Counted minus book quantity.",
    )
    standard_price = fields.Float(digits="Product Price")
    value = fields.Monetary(
        compute="_compute_difference",
        store=True,
        help="Difference × standard price of the product.",
    )
    abs_value = fields.Monetary(compute="_compute_difference", store=True)
    currency_id = fields.Many2one(related="reconciliation_id.currency_id")

    @api.depends("book_qty", "counted_qty", "standard_price")
    def _compute_difference(self):
        for line in self:
            line.difference = line.product_id.uom_id.round(
                line.counted_qty - line.book_qty
            )
            line.value = line.currency_id.round(line.difference * line.standard_price)
            line.abs_value = abs(line.value)
