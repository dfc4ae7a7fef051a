from odoo import fields, models, tools
from odoo.tools import SQL

STOCK_STATES = [
    ("available", "Available"),
    ("reserved", "Reserved"),
    ("in_qc", "In QC"),
    ("quarantine", "Quarantine"),
    ("expired", "Expired"),
    ("in_transit_vendor", "In Transit from Vendors"),
    ("in_transit_internal", "In Transit between Warehouses"),
]
LOCATION_ROLES = [
    ("central", "Central"),
    ("shop_floor", "Shop Floor"),
    ("line_side", "Line Side"),
]


class MesStockView(models.Model):
    """One stock view for all warehouses: product x warehouse x location role x
    state. Rows come from quants (available, reserved, in QC, quarantine,
    expired) and from open moves (in transit from vendors, between
    warehouses)."""

    _name = "mes.stock.view"
    _description = "Stock in Every Warehouse"
    _auto = False
    _order = "product_id, warehouse_id, location_id, state"
    _rec_name = "product_id"
    # Flushed before the view is read, so pending writes are seen.
    _depends = {
        "stock.quant": [
            "product_id",
            "company_id",
            "location_id",
            "lot_id",
            "quantity",
            "reserved_quantity",
        ],
        "stock.lot": ["expiration_date"],
        "stock.move": [
            "state",
            "product_id",
            "company_id",
            "location_id",
            "location_dest_id",
            "product_qty",
        ],
        "stock.location": ["usage", "warehouse_id", "mes_project_id"],
        "stock.warehouse": ["mes_role"],
        "mrp.workcenter": ["mes_line_location_id"],
    }

    product_id = fields.Many2one("product.product", readonly=True)
    product_tmpl_id = fields.Many2one(
        "product.template", string="Product Template", readonly=True
    )
    company_id = fields.Many2one("res.company", readonly=True)
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
    location_id = fields.Many2one("stock.location", readonly=True)
    lot_id = fields.Many2one("stock.lot", string="Lot/Serial", readonly=True)
    project_id = fields.Many2one(
        "project.project",
        readonly=True,
        help="The project holding this stock (its location), empty for free stock.",
    )
    location_role = fields.Selection(LOCATION_ROLES, string="Role", readonly=True)
    state = fields.Selection(STOCK_STATES, readonly=True)
    quantity = fields.Float(digits="Product Unit", readonly=True)
    product_uom_id = fields.Many2one(
        "uom.uom", string="Unit", related="product_id.uom_id"
    )

    def _special_state_case(self):
        """CASE giving a quant's state when it is not usable (the usable-lot
        rule of stock.lot), NULL when it is available or reserved."""
        Lot = self.env["stock.lot"]
        return SQL(
            """CASE WHEN %(expired)s THEN 'expired'
                WHEN NOT %(released)s THEN
                     CASE lot.mes_quality_state WHEN 'pending' THEN 'in_qc'
                          ELSE 'quarantine' END
                ELSE NULL END""",
            expired=Lot._mes_expired_sql("lot", SQL("(NOW() AT TIME ZONE 'UTC')")),
            released=Lot._mes_released_sql("lot"),
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
CREATE OR REPLACE VIEW %(table)s AS (
WITH quant AS (
    SELECT q.id, q.product_id, q.company_id, q.location_id, q.lot_id,
           q.quantity, q.reserved_quantity,
           %(special)s AS special
      FROM stock_quant q
      JOIN stock_location l ON l.id = q.location_id AND l.usage = 'internal'
      LEFT JOIN stock_lot lot ON lot.id = q.lot_id
), rows AS (
    SELECT q.id::bigint * 16 AS id, q.product_id, q.company_id, q.location_id,
           q.lot_id, 'available' AS state, q.quantity - q.reserved_quantity AS qty
      FROM quant q WHERE q.special IS NULL
    UNION ALL
    SELECT q.id::bigint * 16 + 1, q.product_id, q.company_id, q.location_id,
           q.lot_id, 'reserved', q.reserved_quantity
      FROM quant q WHERE q.special IS NULL
    UNION ALL
    SELECT q.id::bigint * 16 + 2, q.product_id, q.company_id, q.location_id,
           q.lot_id, q.special, q.quantity
      FROM quant q WHERE q.special IS NOT NULL
    UNION ALL
    SELECT m.id::bigint * 16 + 8, m.product_id, m.company_id, m.location_dest_id,
           NULL, 'in_transit_vendor', m.product_qty
      FROM stock_move m
      JOIN stock_location src ON src.id = m.location_id AND src.usage = 'supplier'
      JOIN stock_location dst ON dst.id = m.location_dest_id
           AND dst.usage = 'internal'
     WHERE m.state NOT IN ('draft', 'done', 'cancel')
    UNION ALL
    SELECT m.id::bigint * 16 + 9, m.product_id, m.company_id, m.location_dest_id,
           NULL, 'in_transit_internal', m.product_qty
      FROM stock_move m
      JOIN stock_location src ON src.id = m.location_id
           AND src.usage IN ('internal', 'transit')
      JOIN stock_location dst ON dst.id = m.location_dest_id
           AND dst.usage = 'internal'
     WHERE m.state = 'assigned'
       AND src.warehouse_id IS DISTINCT FROM dst.warehouse_id
)
SELECT r.id, r.product_id, pp.product_tmpl_id, r.company_id, l.warehouse_id,
       r.location_id, r.lot_id,
       CASE WHEN EXISTS (
                SELECT 1 FROM mrp_workcenter wc
                 WHERE wc.mes_line_location_id = r.location_id)
            THEN 'line_side'
            WHEN w.mes_role = 'shop_floor' THEN 'shop_floor'
            ELSE 'central' END AS location_role,
       r.state, r.qty AS quantity, l.mes_project_id AS project_id
  FROM rows r
  JOIN product_product pp ON pp.id = r.product_id
  JOIN stock_location l ON l.id = r.location_id
  LEFT JOIN stock_warehouse w ON w.id = l.warehouse_id
 WHERE r.qty <> 0
)
""",
                table=SQL.identifier(self._table),
                special=self._special_state_case(),
            )
        )
