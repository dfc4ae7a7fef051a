"""Demand and scheduled receipts: stock moves, RFQ lines, firm orders, forecasts.

One query per kind; dates become calendar days in the planning time zone.
"""

from datetime import date
from typing import NamedTuple

from odoo.tools import SQL

from ..engine import Demand, Supply
from .inputs import MoveLink
from .rows import select


class MoveRow(NamedTuple):
    id: int
    product_id: int
    qty: float  # product unit
    day: date
    leaving: bool  # out of the pool (demand); otherwise into it (receipt)
    to_customer: bool
    purchase_line_id: int | None
    production_id: int | None
    project_id: int | None  # the move's project (location, MO, transfer)


class RfqRow(NamedTuple):
    id: int
    product_id: int
    qty: float
    day: date
    project_id: int | None


class FirmRow(NamedTuple):
    """An approved suggestion: a firm planned order."""

    id: int
    product_id: int
    qty: float
    date_required: date
    date_order: date
    action: str
    project_id: int | None


class ForecastRow(NamedTuple):
    id: int
    product_id: int
    day: date
    qty: float


def load_moves(scope, inputs):
    """Open moves of storable products crossing the pool's border: leaving it
    is demand, entering it a scheduled receipt (PO in transit, MO output,
    inbound transfer)."""
    rows = select(
        scope.env,
        MoveRow,
        SQL(
            """
            SELECT m.id AS id, m.product_id AS product_id, m.product_qty AS qty,
                   (m.date AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date AS day,
                   m.location_id = ANY(%(pool)s) AS leaving,
                   dest.usage = 'customer' AS to_customer,
                   m.purchase_line_id AS purchase_line_id,
                   m.production_id AS production_id,
                   COALESCE(
                       CASE WHEN m.location_id = ANY(%(pool)s)
                            THEN src.mes_project_id
                            ELSE dest.mes_project_id END,
                       raw.project_id, fin.project_id, pk.project_id
                   ) AS project_id
              FROM stock_move m
              JOIN product_product pp ON pp.id = m.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
              JOIN stock_location dest ON dest.id = m.location_dest_id
              JOIN stock_location src ON src.id = m.location_id
              LEFT JOIN mrp_production raw ON raw.id = m.raw_material_production_id
              LEFT JOIN mrp_production fin ON fin.id = m.production_id
              LEFT JOIN stock_picking pk ON pk.id = m.picking_id
             WHERE m.state NOT IN ('done', 'cancel', 'draft')
               AND pt.is_storable
               AND m.product_qty > 0
               AND (m.location_id = ANY(%(pool)s))
                   != (m.location_dest_id = ANY(%(pool)s))
            """,
            tz=scope.tz_name,
            pool=scope.pool,
        ),
    )
    held = {project.id for project in inputs.projects}
    for row in rows:
        key = "move:%d" % row.id
        project_id = row.project_id if row.project_id in held else None
        if row.leaving:
            inputs.demands.append(
                Demand(
                    id=key,
                    item_id=row.product_id,
                    date=row.day,
                    qty=row.qty,
                    customer=row.to_customer,
                    project_id=project_id,
                )
            )
        else:
            inputs.supplies.append(
                Supply(
                    id=key,
                    item_id=row.product_id,
                    date=row.day,
                    qty=row.qty,
                    project_id=project_id,
                )
            )
            inputs.move_links[row.id] = MoveLink(
                row.purchase_line_id, row.production_id
            )


def load_rfqs(scope, inputs):
    """RFQ lines not confirmed yet (no moves) for the group's warehouses."""
    rows = select(
        scope.env,
        RfqRow,
        SQL(
            """
            SELECT l.id AS id, l.product_id AS product_id,
                   l.product_uom_qty AS qty,
                   (COALESCE(l.date_planned, o.date_planned, o.date_order)
                        AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date AS day,
                   o.project_id AS project_id
              FROM purchase_order_line l
              JOIN purchase_order o ON o.id = l.order_id
              JOIN stock_picking_type spt ON spt.id = o.picking_type_id
              JOIN product_product pp ON pp.id = l.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE o.state IN ('draft', 'sent', 'to approve')
               AND spt.warehouse_id = ANY(%(warehouses)s)
               AND l.display_type IS NULL
               AND pt.is_storable
               AND l.product_uom_qty > 0
               AND NOT EXISTS (
                   SELECT 1 FROM stock_move sm WHERE sm.purchase_line_id = l.id)
            """,
            tz=scope.tz_name,
            warehouses=scope.warehouse_ids,
        ),
    )
    held = {project.id for project in inputs.projects}
    for row in rows:
        inputs.supplies.append(
            Supply(
                id="rfq:%d" % row.id,
                item_id=row.product_id,
                date=row.day,
                qty=row.qty,
                project_id=row.project_id if row.project_id in held else None,
            )
        )


def load_firm_orders(scope, inputs):
    """Approved suggestions, as firm receipts; returns their rows (a firm make
    order also consumes its components: see ``boms.add_firm_components``)."""
    rows = select(
        scope.env,
        FirmRow,
        SQL(
            """
            SELECT id, product_id, product_qty AS qty, date_required, date_order,
                   action, project_id
              FROM mes_mrp_suggestion
             WHERE planning_group_id = %s AND state = 'approved'
            """,
            scope.group_id,
        ),
    )
    held = {project.id for project in inputs.projects}
    for row in rows:
        inputs.supplies.append(
            Supply(
                id="firm:%d" % row.id,
                item_id=row.product_id,
                date=row.date_required,
                qty=row.qty,
                firm=True,
                project_id=row.project_id if row.project_id in held else None,
            )
        )
    return rows


def load_forecasts(scope, inputs):
    """Forecasts of the group (consumed by customer demand in the engine)."""
    rows = select(
        scope.env,
        ForecastRow,
        SQL(
            """
            SELECT id, product_id, date AS day, product_qty AS qty
              FROM mes_mrp_forecast
             WHERE planning_group_id = %s AND product_qty > 0
            """,
            scope.group_id,
        ),
    )
    for row in rows:
        inputs.demands.append(
            Demand(
                id="forecast:%d" % row.id,
                item_id=row.product_id,
                date=row.day,
                qty=row.qty,
                kind="forecast",
            )
        )
