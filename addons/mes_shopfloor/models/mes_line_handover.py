from odoo import fields, models


class MesLineHandover(models.Model):
    _name = "mes.line.handover"
    _description = "Line-side Stock Left for Other Orders"
    _order = "id desc"

    production_id = fields.Many2one(
        "mrp.production", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="production_id.company_id", store=True, index=True
    )
    product_id = fields.Many2one("product.product", required=True)
    location_id = fields.Many2one("stock.location", required=True)
    quantity = fields.Float(
        digits="Product Unit",
        help="Positive: picked for this order, left at the line side for other "
        "open orders. Negative: this order consumed line-side stock brought by "
        "others.",
    )
