"""The stored plan a net-change run keeps: orders of the products it does not
replan that feed a replanned component (their dependent demand)."""

from collections import defaultdict

from odoo.tools import SQL

from ..engine import Peg, PlannedOrder


def load_previous_orders(env, group_id, product_ids):
    """New planned make orders of ``product_ids`` in the group, as the engine's
    ``PlannedOrder`` (``ref``: the suggestion id) with their pegging (two
    queries)."""
    if not product_ids:
        return []
    rows = env.execute_query(
        SQL(
            """
            SELECT id, product_id, COALESCE(action, 'none'), product_qty,
                   date_required, date_order, project_id
              FROM mes_mrp_suggestion
             WHERE planning_group_id = %s AND state = 'new' AND action = 'make'
               AND product_id = ANY(%s)
          ORDER BY id
            """,
            group_id,
            sorted(product_ids),
        )
    )
    pegs = defaultdict(list)
    if rows:
        for suggestion_id, qty, day, root in env.execute_query(
            SQL(
                """
                SELECT suggestion_id, product_qty, date, root_key
                  FROM mes_mrp_pegging
                 WHERE suggestion_id = ANY(%s)
              ORDER BY suggestion_id, sequence, id
                """,
                [row[0] for row in rows],
            )
        ):
            pegs[suggestion_id].append(Peg(qty, day, None, None, root or None))
    return [
        PlannedOrder(
            0,
            product_id,
            action,
            qty,
            date_required,
            date_order,
            pegs=pegs[sid],
            project_id=project_id,
            ref=sid,
        )
        for sid, product_id, action, qty, date_required, date_order, project_id in rows
    ]


def load_previous_components(env, group_id, product_ids):
    """Products whose new planned orders the previous plan pegged to a new
    planned order of ``product_ids`` (one query): a change of a product (its
    route, its BOM) may take their dependent demand away, so they are
    replanned too, even when no BOM joins them any more."""
    if not product_ids:
        return set()
    rows = env.execute_query(
        SQL(
            """
            SELECT DISTINCT child.product_id
              FROM mes_mrp_suggestion parent
              JOIN mes_mrp_pegging peg ON peg.parent_suggestion_id = parent.id
              JOIN mes_mrp_suggestion child ON child.id = peg.suggestion_id
             WHERE parent.planning_group_id = %s AND parent.state = 'new'
               AND parent.product_id = ANY(%s) AND child.state = 'new'
            """,
            group_id,
            sorted(product_ids),
        )
    )
    return {row[0] for row in rows}
