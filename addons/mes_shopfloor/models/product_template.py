from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    mes_lot_prefix = fields.Char(
        string="Produced Lot Prefix",
        help="Lots/serials produced without a number entered by the operator are "
        "named <prefix>-<YYYYMMDD>-<sequence>. Empty: the internal reference, "
        "or 'LOT'.",
    )

    def _mes_lot_prefix(self):
        self.ensure_one()
        return (self.mes_lot_prefix or self.default_code or "LOT").strip()
