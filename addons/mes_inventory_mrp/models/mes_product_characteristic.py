from odoo import fields, models


class MesProductCharacteristic(models.Model):
    _name = "mes.product.characteristic"
    _description = "Required Lot Characteristic"
    _order = "product_tmpl_id, sequence, id"

    sequence = fields.Integer(default=10)
    product_tmpl_id = fields.Many2one(
        "product.template", required=True, ondelete="cascade", index=True
    )
    name = fields.Char(required=True, help="e.g. Heat number, Hardness")
    unit = fields.Char(help="Expected unit, e.g. HRC")
    company_id = fields.Many2one(related="product_tmpl_id.company_id", store=True)

    _name_per_product_unique = models.Constraint(
        "UNIQUE(product_tmpl_id, name)",
        "A characteristic is required only once per product.",
    )
