from odoo import api, fields, models
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)


class MesStockCount(models.Model):
    """A physical count of one product (and lot) in one location.

    Written by shop-floor ``count`` events, by the CSV snapshot import or by
    hand; a stock reconciliation compares the pending counts with the books.
    """

    _name = "mes.stock.count"
    _inherit = ["mes.guarded.mixin"]
    _description = "Physical Stock Count"
    _mes_guarded_fields = dict.fromkeys(
        ["state", "reconciliation_id"], _lt("Compute and Apply on a reconciliation")
    )
    # a reconciled count is the record of what was applied
    _mes_frozen_fields = dict.fromkeys(
        ["quantity", "product_id", "location_id", "lot_id", "counted_at", "company_id"],
        _lt("a new count"),
    )
    _mes_editable_states = ("pending",)
    _order = "counted_at desc, id desc"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    location_id = fields.Many2one(
        "stock.location",
        required=True,
        index=True,
        check_company=True,
        domain="[('usage', '=', 'internal')]",
    )
    product_id = fields.Many2one(
        "product.product",
        required=True,
        index=True,
        check_company=True,
        domain="[('is_storable', '=', True)]",
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Lot/Serial Number",
        index="btree_not_null",
        check_company=True,
        domain="[('product_id', '=', product_id)]",
    )
    quantity = fields.Float(
        string="Counted Quantity",
        digits="Product Unit",
        required=True,
        help="Quantity found, in the product's unit.",
    )
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    counted_at = fields.Datetime(
        string="Counted On", required=True, default=fields.Datetime.now
    )
    user_id = fields.Many2one(
        "res.users", string="Counted By", default=lambda self: self.env.user
    )
    source = fields.Selection(
        [("event", "Shop-floor Event"), ("import", "CSV Import"), ("manual", "Manual")],
        required=True,
        default="manual",
    )
    origin = fields.Char(
        help="Event (source/external id) or file the count came from.",
    )
    state = fields.Selection(
        [("pending", "To Reconcile"), ("reconciled", "Reconciled")],
        required=True,
        default="pending",
        index=True,
    )
    reconciliation_id = fields.Many2one(
        "mes.stock.reconciliation",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
        copy=False,
    )

    _quantity_not_negative = models.Constraint(
        "CHECK(quantity >= 0)",
        "A counted quantity cannot be negative: count zero when the location is empty.",
    )

    @api.depends("product_id", "location_id", "lot_id")
    def _compute_display_name(self):
        for count in self:
            name = f"{count.product_id.display_name} @ {count.location_id.display_name}"
            if count.lot_id:
                name += f" ({count.lot_id.name})"
            count.display_name = name
