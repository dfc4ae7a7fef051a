from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ProductCategory(models.Model):
    _inherit = "product.category"

    mes_over_receipt_custom = fields.Boolean(
        string="Own Over-Receipt Tolerance",
        help="Receipts of products of this category (and its sub-categories "
        "without their own) use the tolerance below instead of the company's, "
        "even when the company does not control over-receipts.",
    )
    mes_over_receipt_tolerance = fields.Float(
        string="Over-Receipt Tolerance (%)",
        help="Share above the ordered quantity a receipt may reach without a "
        "purchase manager's approval. 0: nothing above the ordered quantity.",
    )

    @api.constrains("mes_over_receipt_tolerance")
    def _check_mes_over_receipt_tolerance(self):
        for category in self:
            if category.mes_over_receipt_tolerance < 0:
                raise ValidationError(
                    _(
                        "Product category %(category)s: the over-receipt tolerance "
                        "cannot be negative (0: nothing above the ordered "
                        "quantity).",
                        category=category.display_name,
                    )
                )

    def _mes_over_receipt_tolerance(self, company):
        """Tolerance (%) for this category: its own, its nearest parent's that
        sets one, else the company's when the company controls over-receipts
        (also for a product without category); None: not controlled."""
        category = self[:1]
        while category:
            if category.mes_over_receipt_custom:
                return category.mes_over_receipt_tolerance
            category = category.parent_id
        if company.mes_over_receipt_control:
            return company.mes_over_receipt_tolerance
        return None
