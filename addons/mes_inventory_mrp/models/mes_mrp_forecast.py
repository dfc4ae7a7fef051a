from odoo import api, fields, models


class MesMrpForecast(models.Model):
    """A forecast demand; actual customer demand of the same ISO week consumes it."""

    _name = "mes.mrp.forecast"
    _description = "MRP Forecast"
    _order = "date, product_id, id"
    _check_company_auto = True

    planning_group_id = fields.Many2one(
        "mes.mrp.planning.group", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="planning_group_id.company_id", store=True, index=True
    )
    product_id = fields.Many2one(
        "product.product",
        required=True,
        index=True,
        check_company=True,
        domain=[("is_storable", "=", True)],
    )
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    date = fields.Date(required=True, default=fields.Date.context_today)
    product_qty = fields.Float(string="Quantity", digits="Product Unit", default=0.0)
    quantity = fields.Float(
        related="product_qty", readonly=False, string="Forecast Quantity"
    )
    note = fields.Char()

    _qty_positive = models.Constraint(
        "CHECK(product_qty >= 0)", "A forecast quantity cannot be negative."
    )

    @api.depends("product_id", "date", "product_qty")
    def _compute_display_name(self):
        for forecast in self:
            forecast.display_name = "%s %s: %s" % (
                forecast.product_id.display_name or "",
                forecast.date or "",
                forecast.product_qty,
            )
