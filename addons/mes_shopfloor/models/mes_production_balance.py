from odoo import fields, models, tools
from odoo.tools import SQL


class MesProductionBalance(models.Model):
    """Per MO, component and line-side location: what was brought to the line
    side for the MO, what it consumed and scrapped there, what went back, and
    what was left for other orders. ``remaining`` is zero once the MO is
    closed and settled."""

    _name = "mes.production.balance"
    _description = "Manufacturing Order Line-side Balance"
    _auto = False
    _order = "production_id, product_id, location_id"
    # Flushed before the view is read, so pending writes are seen.
    _depends = {
        "stock.move": [
            "state",
            "product_id",
            "location_id",
            "location_dest_id",
            "picking_id",
            "raw_material_production_id",
            "scrap_id",
            "product_qty",
        ],
        "stock.move.line": ["move_id", "quantity_product_uom"],
        "stock.picking": ["mes_production_id", "mes_transfer_kind"],
        "stock.scrap": ["production_id"],
        "mes.line.handover": ["production_id", "product_id", "location_id", "quantity"],
        "mrp.workcenter": ["mes_line_location_id"],
        "mrp.production": ["company_id"],
    }

    production_id = fields.Many2one("mrp.production", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    location_id = fields.Many2one("stock.location", string="Line Side", readonly=True)
    picked_qty = fields.Float("Picked", digits="Product Unit", readonly=True)
    consumed_qty = fields.Float("Consumed", digits="Product Unit", readonly=True)
    scrapped_qty = fields.Float("Scrapped", digits="Product Unit", readonly=True)
    returned_qty = fields.Float("Returned", digits="Product Unit", readonly=True)
    kept_qty = fields.Float(
        "Left for Other Orders", digits="Product Unit", readonly=True
    )
    remaining_qty = fields.Float("Remaining", digits="Product Unit", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
CREATE OR REPLACE VIEW %(table)s AS (
WITH line_side AS (
    SELECT DISTINCT mes_line_location_id AS location_id
      FROM mrp_workcenter WHERE mes_line_location_id IS NOT NULL
), flows AS (
    -- picked: pick and urgent transfers of the MO received at the line side
    SELECT p.mes_production_id AS production_id, m.product_id,
           m.location_dest_id AS location_id,
           sml.quantity_product_uom AS picked, 0.0 AS consumed, 0.0 AS scrapped,
           0.0 AS returned, 0.0 AS kept
      FROM stock_move m
      JOIN stock_picking p ON p.id = m.picking_id
      JOIN stock_move_line sml ON sml.move_id = m.id
     WHERE m.state = 'done' AND p.mes_production_id IS NOT NULL
       AND p.mes_transfer_kind IN ('pick', 'urgent')
    UNION ALL
    -- consumed at the line side (a scrap from the MO is a raw move of the
    -- MO too: it is counted as scrapped below, not here)
    SELECT m.raw_material_production_id, m.product_id, m.location_id,
           0.0, sml.quantity_product_uom, 0.0, 0.0, 0.0
      FROM stock_move m
      JOIN line_side ls ON ls.location_id = m.location_id
      JOIN stock_move_line sml ON sml.move_id = m.id
     WHERE m.state = 'done' AND m.raw_material_production_id IS NOT NULL
       AND m.scrap_id IS NULL
    UNION ALL
    -- scrapped at the line side
    SELECT s.production_id, m.product_id, m.location_id,
           0.0, 0.0, sml.quantity_product_uom, 0.0, 0.0
      FROM stock_move m
      JOIN stock_scrap s ON s.id = m.scrap_id
      JOIN line_side ls ON ls.location_id = m.location_id
      JOIN stock_move_line sml ON sml.move_id = m.id
     WHERE m.state = 'done' AND s.production_id IS NOT NULL
    UNION ALL
    -- returned: done quantity of validated returns, demand of open ones
    SELECT p.mes_production_id, m.product_id, m.location_id,
           0.0, 0.0, 0.0,
           CASE WHEN m.state = 'done' THEN COALESCE((
               SELECT SUM(sml.quantity_product_uom) FROM stock_move_line sml
                WHERE sml.move_id = m.id), 0.0)
           ELSE m.product_qty END,
           0.0
      FROM stock_move m
      JOIN stock_picking p ON p.id = m.picking_id
     WHERE m.state != 'cancel' AND p.mes_production_id IS NOT NULL
       AND p.mes_transfer_kind = 'return'
    UNION ALL
    SELECT h.production_id, h.product_id, h.location_id,
           0.0, 0.0, 0.0, 0.0, h.quantity
      FROM mes_line_handover h
)
SELECT f.production_id::bigint * 100000 + ROW_NUMBER() OVER (
           PARTITION BY f.production_id ORDER BY f.product_id, f.location_id
       ) AS id,
       f.production_id, mo.company_id, f.product_id, f.location_id,
       SUM(f.picked) AS picked_qty, SUM(f.consumed) AS consumed_qty,
       SUM(f.scrapped) AS scrapped_qty, SUM(f.returned) AS returned_qty,
       SUM(f.kept) AS kept_qty,
       SUM(f.picked) - SUM(f.consumed) - SUM(f.scrapped) - SUM(f.returned)
           - SUM(f.kept) AS remaining_qty
  FROM flows f
  JOIN mrp_production mo ON mo.id = f.production_id
 GROUP BY f.production_id, mo.company_id, f.product_id, f.location_id
)
""",
                table=SQL.identifier(self._table),
            )
        )
