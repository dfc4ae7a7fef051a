from odoo import fields, models
from odoo.tools import SQL

from .mes_cost_sheet_line import COST_TYPES

_AMOUNTS = [
    "actual_amount",
    "standard_amount",
    "variance",
    "material_price_variance",
    "material_usage_variance",
    "labor_rate_variance",
    "labor_efficiency_variance",
    "machine_rate_variance",
    "machine_efficiency_variance",
    "overhead_variance",
]


class MesCostRollup(models.Model):
    """Cost sheet lines of all MOs, read-only, for pivots and graphs: actual vs
    standard and each variance per product, category, work center, employee,
    month and project."""

    _name = "mes.cost.rollup"
    _description = "Manufacturing Cost Roll-up"
    _auto = False
    _order = "date desc"
    _depends = {
        "mes.cost.sheet.line": [
            "sheet_id",
            "workcenter_id",
            "employee_id",
            "component_id",
            "cost_type",
            *_AMOUNTS,
        ],
        "mes.cost.sheet": [
            "production_id",
            "product_id",
            "categ_id",
            "project_id",
            "date",
            "company_id",
        ],
    }

    sheet_id = fields.Many2one("mes.cost.sheet", readonly=True)
    production_id = fields.Many2one("mrp.production", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    categ_id = fields.Many2one("product.category", readonly=True)
    project_id = fields.Many2one("project.project", readonly=True)
    workcenter_id = fields.Many2one("mrp.workcenter", readonly=True)
    employee_id = fields.Many2one("hr.employee", readonly=True)
    component_id = fields.Many2one("product.product", readonly=True)
    cost_type = fields.Selection(COST_TYPES, readonly=True)
    date = fields.Date(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    actual_amount = fields.Monetary("Actual", readonly=True)
    standard_amount = fields.Monetary("Standard", readonly=True)
    variance = fields.Monetary("Total Variance", readonly=True)
    material_price_variance = fields.Monetary(readonly=True)
    material_usage_variance = fields.Monetary(readonly=True)
    labor_rate_variance = fields.Monetary(readonly=True)
    labor_efficiency_variance = fields.Monetary(readonly=True)
    machine_rate_variance = fields.Monetary(readonly=True)
    machine_efficiency_variance = fields.Monetary(readonly=True)
    overhead_variance = fields.Monetary(readonly=True)

    def init(self):
        amounts = SQL(", ").join(
            SQL("COALESCE(l.%s, 0) AS %s", SQL.identifier(f), SQL.identifier(f))
            for f in _AMOUNTS
        )
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW mes_cost_rollup AS (
                    SELECT l.id AS id, s.id AS sheet_id,
                           s.production_id, s.product_id, s.categ_id,
                           s.project_id, s.date, s.company_id,
                           l.workcenter_id, l.employee_id, l.component_id,
                           l.cost_type, %s
                      FROM mes_cost_sheet_line l
                      JOIN mes_cost_sheet s ON s.id = l.sheet_id
                )
                """,
                amounts,
            )
        )
