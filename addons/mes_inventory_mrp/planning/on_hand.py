"""On-hand of the pool, by lot: released stock is netted, the rest is in QC."""

from datetime import date
from typing import NamedTuple

from odoo.tools import SQL

from ..engine import Stock
from .rows import select


class QuantRow(NamedTuple):
    product_id: int
    lot_id: int | None
    qty: float
    expiry: date | None  # the lot's expiration day in the planning time zone
    released: bool
    project_id: int | None  # held by this project (the quant's location)


def load_on_hand(scope, inputs):
    """Quants of storable products in the pool, summed per lot (one query).

    Released stock (``stock.lot._mes_released_sql``: the one rule) goes to the
    engine with its expiry day; the engine drops it on that day. The rest is
    ``in_qc``, shown beside the projection.
    """
    env = scope.env
    rows = select(
        env,
        QuantRow,
        SQL(
            """
            SELECT q.product_id AS product_id, q.lot_id AS lot_id,
                   SUM(q.quantity) AS qty,
                   (lot.expiration_date AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date
                       AS expiry,
                   %(released)s AS released,
                   loc.mes_project_id AS project_id
              FROM stock_quant q
              JOIN stock_location loc ON loc.id = q.location_id
              JOIN product_product pp ON pp.id = q.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
              LEFT JOIN stock_lot lot ON lot.id = q.lot_id
             WHERE q.location_id = ANY(%(pool)s) AND pt.is_storable
          GROUP BY q.product_id, q.lot_id, lot.expiration_date, 5,
                   loc.mes_project_id
            """,
            tz=scope.tz_name,
            released=env["stock.lot"]._mes_released_sql("lot"),
            pool=scope.pool,
        ),
    )
    for row in rows:
        if not row.released:
            inputs.in_qc[row.product_id] += row.qty
            continue
        inputs.stock.append(
            Stock(
                item_id=row.product_id,
                qty=row.qty,
                expiry=row.expiry,
                lot_id=row.lot_id,
                project_id=row.project_id,
            )
        )
