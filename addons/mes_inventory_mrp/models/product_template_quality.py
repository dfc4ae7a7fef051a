from odoo import fields, models

LOT_INITIAL_STATES = [
    ("released", "Released (no inspection)"),
    ("pending", "Pending (needs inspection)"),
]


class ProductTemplate(models.Model):
    _inherit = "product.template"

    mes_lot_initial_state = fields.Selection(
        LOT_INITIAL_STATES,
        string="Initial Lot Quality State",
        default="released",
        required=True,
        help="Quality state of a new lot/serial of this product, received or "
        "produced: 'Pending' lots wait for a quality inspector to release them "
        "before they can be reserved, consumed or delivered.",
    )
    mes_characteristic_ids = fields.One2many(
        "mes.product.characteristic",
        "product_tmpl_id",
        string="Required Lot Characteristics",
        help="Characteristics every received or produced lot of this product must "
        "carry (e.g. heat number, hardness).",
    )
