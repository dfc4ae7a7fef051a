from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    mes_safety_stock = fields.Float(
        string="Safety Stock",
        digits="Product Unit",
        help="The MRP plans so that projected stock never falls below this "
        "quantity (in the product's unit).",
    )
    mes_order_multiple = fields.Float(
        string="Order Multiple",
        digits="Product Unit",
        help="Planned orders are rounded up to a multiple of this quantity "
        "(after the vendor's minimum). 0: no rounding.",
    )
    mes_lot_days = fields.Integer(
        string="Period Batching (days)",
        help="Requirements within this many days become one planned order dated "
        "at the first of them. 0: one order per need date.",
    )

    _mes_safety_stock_positive = models.Constraint(
        "CHECK(mes_safety_stock >= 0)", "The safety stock cannot be negative."
    )
    _mes_order_multiple_positive = models.Constraint(
        "CHECK(mes_order_multiple >= 0)", "The order multiple cannot be negative."
    )
    _mes_lot_days_positive = models.Constraint(
        "CHECK(mes_lot_days >= 0)", "The period batching cannot be negative."
    )

    def action_open_mes_projection(self):
        """Projected stock of this product (its first variant) in its pool."""
        self.ensure_one()
        return self.product_variant_ids[:1].action_open_mes_projection()


class ProductProduct(models.Model):
    _inherit = "product.product"

    def action_open_mes_projection(self):
        """Projected stock of this product in the current company's first pool."""
        self.ensure_one()
        return self.env["mes.mrp.projection"]._open_for_product(self)
