from odoo import fields, models
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

COST_TYPES = [
    ("material", "Material"),
    ("labor", "Labor"),
    ("machine", "Machine"),
    ("overhead", "Overhead"),
]


class MesCostSheetLine(models.Model):
    """One cost line of an MO cost sheet: actual and standard side by side, and
    its share of each variance (actual - standard = sum of its variances)."""

    _name = "mes.cost.sheet.line"
    _inherit = ["mes.guarded.mixin"]
    _description = "MO Cost Sheet Line"
    # computed by the sheet (Recompute): nobody edits or deletes a line
    _mes_guard_all_fields = True
    _mes_guard_unlink = True
    _mes_guarded_fields = {None: _lt("Recompute on the cost sheet")}
    _order = "sheet_id, sequence, id"

    sheet_id = fields.Many2one(
        "mes.cost.sheet", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer()
    cost_type = fields.Selection(COST_TYPES, required=True, index=True)
    name = fields.Char(required=True)
    component_id = fields.Many2one("product.product")
    lot_id = fields.Many2one("stock.lot", string="Lot/Serial")
    employee_id = fields.Many2one("hr.employee", index=True)
    workcenter_id = fields.Many2one("mrp.workcenter", index=True)
    workorder_id = fields.Many2one("mrp.workorder", string="Work Order")
    # denormalised from the sheet so lines group and roll up without joins
    production_id = fields.Many2one(related="sheet_id.production_id", store=True)
    product_id = fields.Many2one(
        related="sheet_id.product_id", store=True, string="Product"
    )
    categ_id = fields.Many2one(related="sheet_id.categ_id", store=True)
    project_id = fields.Many2one(related="sheet_id.project_id", store=True)
    date = fields.Date(related="sheet_id.date", store=True)
    company_id = fields.Many2one(related="sheet_id.company_id", store=True)
    currency_id = fields.Many2one(related="sheet_id.currency_id")

    actual_qty = fields.Float(
        digits=(16, 4), help="Quantity consumed, hours, or the material base."
    )
    actual_unit_cost = fields.Float(digits=(16, 6))
    actual_amount = fields.Monetary()
    standard_qty = fields.Float(digits=(16, 4))
    standard_unit_cost = fields.Float(digits=(16, 6))
    standard_amount = fields.Monetary()
    variance = fields.Monetary(help="Actual minus standard.")
    material_price_variance = fields.Monetary()
    material_usage_variance = fields.Monetary()
    labor_rate_variance = fields.Monetary()
    labor_efficiency_variance = fields.Monetary()
    machine_rate_variance = fields.Monetary()
    machine_efficiency_variance = fields.Monetary()
    overhead_variance = fields.Monetary()
