from odoo import fields, models, tools
from odoo.tools import SQL

from .mes_cost_sheet_line import COST_TYPES

# Roll-up rows that are not cost sheet lines: goods received for a project.
ROLLUP_TYPES = [*COST_TYPES, ("project_receipt", "Received for Project")]

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
    month and project; plus one row per receipt of a purchase made for a
    project (``project_receipt``), whose value is in ``received_amount`` only:
    what an MO of the project consumes of it is already in its sheet's
    material cost, so ``actual_amount`` never counts it twice."""

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
        "stock.move": [
            "state",
            "price_unit",
            "product_qty",
            "purchase_line_id",
            "picking_id",
            "date",
        ],
        "purchase.order": ["project_id"],
        "stock.picking": ["project_id"],
    }

    sheet_id = fields.Many2one("mes.cost.sheet", readonly=True)
    production_id = fields.Many2one("mrp.production", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    categ_id = fields.Many2one("product.category", readonly=True)
    project_id = fields.Many2one("project.project", readonly=True)
    workcenter_id = fields.Many2one("mrp.workcenter", readonly=True)
    employee_id = fields.Many2one("hr.employee", readonly=True)
    component_id = fields.Many2one("product.product", readonly=True)
    cost_type = fields.Selection(ROLLUP_TYPES, readonly=True)
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
    received_amount = fields.Monetary(
        "Received for Project",
        readonly=True,
        help="Goods received from purchases made for the project, at their "
        "purchase price (company currency), returns to the vendor deducted.",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        amounts = SQL(", ").join(
            SQL("COALESCE(l.%s, 0) AS %s", SQL.identifier(f), SQL.identifier(f))
            for f in _AMOUNTS
        )
        zeros = SQL(", ").join(SQL("0.0") for _f in _AMOUNTS)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW mes_cost_rollup AS (
                    SELECT l.id * 2 AS id, s.id AS sheet_id,
                           s.production_id, s.product_id, s.categ_id,
                           s.project_id, s.date, s.company_id,
                           l.workcenter_id, l.employee_id, l.component_id,
                           l.cost_type, %s, 0.0 AS received_amount
                      FROM mes_cost_sheet_line l
                      JOIN mes_cost_sheet s ON s.id = l.sheet_id
                    UNION ALL
                    SELECT m.id * 2 + 1, NULL, NULL, m.product_id, pt.categ_id,
                           COALESCE(po.project_id, pk.project_id),
                           m.date::date, m.company_id, NULL, NULL, m.product_id,
                           'project_receipt', %s,
                           COALESCE(m.price_unit, 0) * m.product_qty
                               * CASE WHEN src.usage = 'supplier' THEN 1 ELSE -1 END
                      FROM stock_move m
                      JOIN purchase_order_line pol ON pol.id = m.purchase_line_id
                      JOIN purchase_order po ON po.id = pol.order_id
                      JOIN stock_location src ON src.id = m.location_id
                      JOIN stock_location dst ON dst.id = m.location_dest_id
                      JOIN product_product pp ON pp.id = m.product_id
                      JOIN product_template pt ON pt.id = pp.product_tmpl_id
                      LEFT JOIN stock_picking pk ON pk.id = m.picking_id
                     WHERE m.state = 'done'
                       AND COALESCE(po.project_id, pk.project_id) IS NOT NULL
                       AND ((src.usage = 'supplier' AND dst.usage = 'internal')
                            OR (src.usage = 'internal' AND dst.usage = 'supplier'))
                )
                """,
                amounts,
                zeros,
            )
        )
