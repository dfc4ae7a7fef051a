"""Products the plan touches, with their planning parameters (one query)."""

from typing import NamedTuple

from odoo.tools import SQL

from .inputs import PlannedProduct, UomConverter
from .rows import select


class ProductRow(NamedTuple):
    id: int
    tmpl_id: int
    uom_id: int
    storable: bool
    safety: float
    multiple: float
    lot_days: int
    name: str
    default_code: str | None
    manufacture: bool
    ptav_ids: list


def load_uoms(env):
    """A converter with every UoM's factor (one query)."""
    return UomConverter(dict(env.execute_query(SQL("SELECT id, factor FROM uom_uom"))))


def load_products(scope, inputs, product_ids):
    """Fill ``inputs.products`` with ``product_ids`` and every active storable
    product with a safety stock, of the scope's company or of none.

    ``manufacture``: the Manufacture route applies, set on the product or its
    category (the generic route, or a manufacture rule's route of one of the
    group's warehouses).
    """
    env = scope.env
    manufacture_route = env.ref(
        "mrp.route_warehouse0_manufacture", raise_if_not_found=False
    )
    rows = select(
        env,
        ProductRow,
        SQL(
            """
            WITH routes AS (
                SELECT %(route)s AS route_id
                 UNION
                SELECT route_id FROM stock_rule
                 WHERE action = 'manufacture' AND active
                   AND warehouse_id = ANY(%(warehouses)s)
            )
            SELECT pp.id AS id, pp.product_tmpl_id AS tmpl_id, pt.uom_id AS uom_id,
                   pt.is_storable AS storable,
                   COALESCE(pt.mes_safety_stock, 0) AS safety,
                   COALESCE(pt.mes_order_multiple, 0) AS multiple,
                   COALESCE(pt.mes_lot_days, 0) AS lot_days,
                   COALESCE(pt.name->>%(lang)s, pt.name->>'en_US') AS name,
                   pp.default_code AS default_code,
                   EXISTS (SELECT 1 FROM stock_route_product rp
                            WHERE rp.product_id = pt.id
                              AND rp.route_id IN (SELECT route_id FROM routes))
                   OR EXISTS (SELECT 1 FROM stock_route_categ rc
                                JOIN product_category c ON c.id = rc.categ_id
                                JOIN product_category pc ON pc.id = pt.categ_id
                               WHERE rc.route_id IN (SELECT route_id FROM routes)
                                 AND pc.parent_path LIKE c.parent_path || '%%')
                       AS manufacture,
                   ARRAY(SELECT pvc.product_template_attribute_value_id
                           FROM product_variant_combination pvc
                          WHERE pvc.product_product_id = pp.id) AS ptav_ids
              FROM product_product pp
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE (pt.company_id IS NULL OR pt.company_id = %(company)s)
               AND (pp.id = ANY(%(ids)s)
                    OR (pt.mes_safety_stock > 0 AND pt.is_storable
                        AND pp.active AND pt.active))
            """,
            route=manufacture_route.id if manufacture_route else None,
            warehouses=scope.warehouse_ids,
            lang=env.lang or "en_US",
            company=scope.company.id,
            ids=list(product_ids),
        ),
    )
    for row in rows:
        inputs.products[row.id] = PlannedProduct(
            id=row.id,
            tmpl_id=row.tmpl_id,
            uom_id=row.uom_id,
            storable=row.storable,
            safety=row.safety,
            multiple=row.multiple,
            lot_days=row.lot_days,
            name="[%s] %s" % (row.default_code, row.name)
            if row.default_code
            else row.name,
            manufacture=row.manufacture,
            ptavs=frozenset(row.ptav_ids),
        )
