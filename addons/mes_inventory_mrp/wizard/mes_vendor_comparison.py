from odoo import _, api, fields, models
from odoo.exceptions import UserError


class MesVendorComparison(models.TransientModel):
    """Every vendor of some buy suggestions, side by side, to pick one."""

    _name = "mes.vendor.comparison"
    _description = "Vendor Comparison"

    suggestion_ids = fields.Many2many(
        "mes.mrp.suggestion",
        "mes_vendor_comparison_suggestion_rel",
        "comparison_id",
        "suggestion_id",
        string="Suggestions",
        readonly=True,
    )
    line_ids = fields.One2many(
        "mes.vendor.comparison.line", "comparison_id", string="Vendors"
    )

    @api.model_create_multi
    def create(self, vals_list):
        comparisons = super().create(vals_list)
        comparisons._refresh_lines()
        return comparisons

    def _refresh_lines(self):
        """Rebuild the lines: one per suggestion and vendor offer."""
        today = fields.Date.context_today(self)
        Suggestion = self.env["mes.mrp.suggestion"]
        vals_list = []
        for comparison in self:
            for suggestion in comparison.suggestion_ids:
                offers = Suggestion._mes_vendor_offers(
                    suggestion.product_id,
                    suggestion.company_id,
                    max(suggestion.date_order, today),
                )
                if not offers:
                    raise UserError(
                        _(
                            "%(product)s has no vendor: add one on its Purchase tab.",
                            product=suggestion.product_id.display_name,
                        )
                    )
                for lines in offers.values():
                    quote = suggestion._mes_quote(lines, today)
                    vals_list.append(comparison._prepare_line(suggestion, lines, quote))
        self.line_ids.unlink()
        self.env["mes.vendor.comparison.line"].create(vals_list)

    def _prepare_line(self, suggestion, lines, quote):
        seller = quote["supplierinfo"]
        company = suggestion.company_id
        total_company = seller.currency_id._convert(
            quote["price_subtotal"],
            company.currency_id,
            company,
            fields.Date.context_today(self),
        )
        current = suggestion.supplierinfo_id in lines or (
            not suggestion.supplierinfo_id
            and suggestion.partner_id == seller.partner_id
            and suggestion.currency_id == seller.currency_id
        )
        return {
            "comparison_id": self.id,
            "suggestion_id": suggestion.id,
            "supplierinfo_id": seller.id,
            "min_qty": quote["min_qty"],
            "purchase_uom_id": quote["uom"].id,
            "purchase_qty": quote["purchase_qty"],
            "product_qty": quote["product_qty"],
            "price_unit": quote["price_unit"],
            "price_subtotal": quote["price_subtotal"],
            "price_subtotal_company": total_company,
            "delay": seller.delay,
            "date_order": quote["date_order"],
            "date_arrival": quote["date_arrival"],
            "days_late": max(quote["days_late"], 0),
            "is_current": current,
        }

    def _get_action(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Compare Vendors"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
        }


class MesVendorComparisonLine(models.TransientModel):
    _name = "mes.vendor.comparison.line"
    _description = "Vendor Comparison Line"
    _order = "suggestion_id, days_late, price_subtotal_company, id"

    comparison_id = fields.Many2one(
        "mes.vendor.comparison", required=True, ondelete="cascade", index=True
    )
    suggestion_id = fields.Many2one(
        "mes.mrp.suggestion", required=True, ondelete="cascade", readonly=True
    )
    product_id = fields.Many2one(related="suggestion_id.product_id")
    date_required = fields.Date(related="suggestion_id.date_required")
    supplierinfo_id = fields.Many2one(
        "product.supplierinfo", string="Vendor Line", required=True, readonly=True
    )
    partner_id = fields.Many2one(related="supplierinfo_id.partner_id")
    currency_id = fields.Many2one(
        related="supplierinfo_id.currency_id", string="Vendor Currency"
    )
    company_currency_id = fields.Many2one(
        related="suggestion_id.company_id.currency_id", string="Company Currency"
    )
    min_qty = fields.Float(string="Minimum", digits="Product Unit", readonly=True)
    purchase_uom_id = fields.Many2one("uom.uom", string="Unit", readonly=True)
    purchase_qty = fields.Float(
        string="Quantity to Order",
        digits="Product Unit",
        readonly=True,
        help="Need raised to the vendor's minimum, in the vendor's unit.",
    )
    product_qty = fields.Float(
        string="Quantity (Product Unit)", digits="Product Unit", readonly=True
    )
    price_unit = fields.Float(
        string="Unit Price",
        digits="Product Price",
        readonly=True,
        help="Price break of this vendor for the quantity to order.",
    )
    price_subtotal = fields.Monetary(
        string="Total", currency_field="currency_id", readonly=True
    )
    price_subtotal_company = fields.Monetary(
        string="Total (Company Currency)",
        currency_field="company_currency_id",
        readonly=True,
    )
    delay = fields.Integer(string="Lead Time (days)", readonly=True)
    date_order = fields.Date(string="Order By", readonly=True)
    date_arrival = fields.Date(string="Arrival", readonly=True)
    days_late = fields.Integer(readonly=True)
    on_time = fields.Boolean(compute="_compute_on_time")
    is_current = fields.Boolean(string="Chosen", readonly=True)

    @api.depends("days_late")
    def _compute_on_time(self):
        for line in self:
            line.on_time = line.days_late <= 0

    def action_select(self):
        """Order the suggestion from this vendor; the comparison is refreshed."""
        self.ensure_one()
        self.suggestion_id._mes_set_vendor(self.supplierinfo_id)
        comparison = self.comparison_id
        comparison._refresh_lines()
        return comparison._get_action()
