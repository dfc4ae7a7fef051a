"""Resupply from warehouses outside the pool: which rule, from where, how long.

The host resolves one rule per procurement (``stock.rule._get_rule``) with the
ORM; the run needs the answer for every product at once, so it reads the pull
rules and the product and category routes in two queries and resolves them
here, as ``tests/test_planning_host_equivalence.py`` checks against the host.
"""

from collections import defaultdict
from typing import NamedTuple

from odoo.tools import SQL

from .inputs import TransferSource
from .rows import select

# Where a route comes from, most specific first: its rank among candidates.
FROM_PRODUCT, FROM_CATEGORY, FROM_WAREHOUSE = 0, 1, 2


class RuleRow(NamedTuple):
    id: int
    route_id: int
    location_src_id: int
    location_dest_id: int
    delay: int
    procure_method: str
    src_warehouse_id: int | None
    dest_warehouse_id: int | None
    src_path: str  # parent_path of the source location
    dest_path: str
    of_company: bool  # rule and route of the company or of none
    for_warehouses: bool  # route selectable on, or supplying, a pool warehouse


class RouteLevelRow(NamedTuple):
    tmpl_id: int
    route_id: int
    level: int  # FROM_PRODUCT or FROM_CATEGORY


def load_transfer_sources(scope, inputs):
    """Fill ``inputs.transfers``: ``{product id: TransferSource}`` for products
    a warehouse outside the pool resupplies, in two queries whatever the
    number of products.

    A pull rule resupplies the pool when its destination is in one of the
    group's warehouses and its source is not. The chain of its route is
    followed upstream (through a transit location, the supplying warehouse's
    output...) while the rules are make-to-order, adding their delays, until
    the source is a warehouse outside the group. The route must apply to the
    product: set on the product (``explicit``: it wins over the vendors), on
    its category, on one of the group's warehouses, or be a resupply route of
    one of them (``resupply_wh_ids``). Among several, the product's own routes
    first, then its category's, then the warehouses'; then the group's
    receiving warehouse; then route and rule sequence.
    """
    candidates = resupply_candidates(scope)
    if not candidates:
        return
    level_of = route_levels(
        scope.env,
        {product.tmpl_id for product in inputs.products.values()},
        {candidate.rule.route_id for candidate in candidates},
    )
    receiving = scope.receiving_warehouse_id
    for pid, product in inputs.products.items():
        levels = level_of.get(product.tmpl_id, {})
        best = best_key = None
        for position, candidate in enumerate(candidates):
            rule = candidate.rule
            level = levels.get(
                rule.route_id, FROM_WAREHOUSE if rule.for_warehouses else None
            )
            if level is None:
                continue
            key = (level, rule.dest_warehouse_id != receiving, position)
            if best_key is None or key < best_key:
                best, best_key = candidate, key
        if best is None:
            continue
        inputs.transfers[pid] = TransferSource(
            explicit=best_key[0] == FROM_PRODUCT,
            rule_id=best.rule.id,
            warehouse_id=best.rule.dest_warehouse_id,
            source_warehouse_id=best.source_warehouse_id,
            delay=best.delay,
        )


class Candidate(NamedTuple):
    """A rule into the pool from outside, with where its chain starts."""

    rule: RuleRow
    source_warehouse_id: int
    delay: int  # days, along the chain


def resupply_candidates(scope):
    """Rules of the company into the pool from outside it, in route and rule
    sequence order, each with its chain's source warehouse and delay."""
    group_whs = set(scope.warehouse_ids)
    rules = select(
        scope.env,
        RuleRow,
        SQL(
            """
            SELECT r.id, r.route_id, r.location_src_id, r.location_dest_id,
                   COALESCE(r.delay, 0) AS delay, r.procure_method,
                   src.warehouse_id AS src_warehouse_id,
                   dest.warehouse_id AS dest_warehouse_id,
                   src.parent_path AS src_path, dest.parent_path AS dest_path,
                   (r.company_id IS NULL OR r.company_id = %(company)s)
                   AND (rt.company_id IS NULL OR rt.company_id = %(company)s)
                       AS of_company,
                   rt.supplied_wh_id = ANY(%(warehouses)s)
                   OR EXISTS (SELECT 1 FROM stock_route_warehouse rw
                               WHERE rw.route_id = rt.id
                                 AND rw.warehouse_id = ANY(%(warehouses)s))
                       AS for_warehouses
              FROM stock_rule r
              JOIN stock_route rt ON rt.id = r.route_id
              JOIN stock_location src ON src.id = r.location_src_id
              JOIN stock_location dest ON dest.id = r.location_dest_id
             WHERE r.active AND rt.active AND r.action IN ('pull', 'pull_push')
          ORDER BY rt.sequence, r.sequence, r.id
            """,
            company=scope.company.id,
            warehouses=scope.warehouse_ids,
        ),
    )
    rules_of_route = defaultdict(list)
    for rule in rules:
        rules_of_route[rule.route_id].append(rule)
    candidates = []
    for rule in rules:
        if (
            rule.dest_warehouse_id in group_whs
            and rule.src_warehouse_id not in group_whs
            and rule.of_company
        ):
            source = upstream(rule, rules_of_route[rule.route_id], group_whs)
            if source:
                candidates.append(Candidate(rule, *source))
    return candidates


def upstream(rule, route_rules, group_whs):
    """(source warehouse, total delay) of ``rule``'s chain among the rules of
    its route, or None when the chain comes back into the pool or ends nowhere."""
    seen = {rule.id}
    delay = rule.delay
    while True:
        src_wh = rule.src_warehouse_id
        if src_wh in group_whs:
            return None  # back inside the pool: not a resupply
        if src_wh and rule.procure_method != "make_to_order":
            return src_wh, delay
        # The rule that supplies this one's source: the deepest destination
        # that is the source or one of its parents.
        feeding = [
            other
            for other in route_rules
            if other.id not in seen and rule.src_path.startswith(other.dest_path)
        ]
        if not feeding:
            return (src_wh, delay) if src_wh else None
        rule = max(feeding, key=lambda other: len(other.dest_path))
        seen.add(rule.id)
        delay += rule.delay


def route_levels(env, template_ids, route_ids):
    """``{template id: {route id: FROM_PRODUCT or FROM_CATEGORY}}``: which of
    ``route_ids`` are set on each template or on its category (or a parent)."""
    level_of = defaultdict(dict)
    for row in select(
        env,
        RouteLevelRow,
        SQL(
            """
            SELECT rp.product_id AS tmpl_id, rp.route_id, %(product)s AS level
              FROM stock_route_product rp
             WHERE rp.product_id = ANY(%(templates)s)
               AND rp.route_id = ANY(%(routes)s)
             UNION ALL
            SELECT pt.id, rc.route_id, %(category)s
              FROM product_template pt
              JOIN product_category pc ON pc.id = pt.categ_id
              JOIN stock_route_categ rc ON rc.route_id = ANY(%(routes)s)
              JOIN product_category c ON c.id = rc.categ_id
             WHERE pt.id = ANY(%(templates)s)
               AND pc.parent_path LIKE c.parent_path || '%%'
            """,
            templates=list(template_ids),
            routes=list(route_ids),
            product=FROM_PRODUCT,
            category=FROM_CATEGORY,
        ),
    ):
        levels = level_of[row.tmpl_id]
        levels[row.route_id] = min(row.level, levels.get(row.route_id, row.level))
    return level_of
