from odoo import models


class StockLot(models.Model):
    _inherit = "stock.lot"

    # The host only checks uniqueness in Python (_check_unique_lot): two
    # transactions creating the same serial at once both pass it. This index
    # makes the database refuse the second one.
    _mes_product_name_company_uniq = models.UniqueIndex(
        "(product_id, name, COALESCE(company_id, 0))",
        "This lot/serial number already exists for this product in this company.",
    )
