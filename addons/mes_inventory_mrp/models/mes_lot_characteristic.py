from odoo import fields, models


class MesLotCharacteristic(models.Model):
    _name = "mes.lot.characteristic"
    _description = "Lot Characteristic"
    _order = "lot_id, sequence, id"

    sequence = fields.Integer(default=10)
    lot_id = fields.Many2one(
        "stock.lot",
        string="Lot/Serial",
        required=True,
        ondelete="cascade",
        index=True,
    )
    name = fields.Char(required=True, index="trigram", help="e.g. Heat number")
    value = fields.Char(required=True, index="trigram")
    unit = fields.Char()
    product_id = fields.Many2one(related="lot_id.product_id", store=True)
    company_id = fields.Many2one(related="lot_id.company_id", store=True)
