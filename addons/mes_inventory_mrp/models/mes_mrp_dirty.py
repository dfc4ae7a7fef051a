"""Dirty marks: the products whose planning inputs changed since their
planning group's last completed run, for net-change runs.

Stored in the database (several workers may plan and change data at once):
one row per planning group and product. Marking is cheap: the products a
transaction touches are collected in memory and inserted once, at its commit
(a precommit hook, one ``INSERT ... ON CONFLICT DO NOTHING``). A run consumes
the marks it read in the transaction that writes its plan, so a run that
fails leaves them for the next one. ``replan_all`` on the group says the marks
cannot be trusted (module update, routes, warehouses, the group's own
parameters): the next net-change run plans everything.
"""

from odoo import fields, models
from odoo.tools import SQL

PENDING_KEY = "mes_mrp_dirty_products"


def mark_dirty(env, product_ids):
    """Mark ``product_ids`` (ints) dirty in every planning group, at the commit
    of the current transaction (or its next ``cr.flush()``)."""
    ids = {pid for pid in product_ids if pid}
    if not ids:
        return
    precommit = env.cr.precommit
    pending = precommit.data.get(PENDING_KEY)
    if pending is None:
        pending = precommit.data[PENDING_KEY] = set()
        cr = env.cr
        uid = env.uid

        def insert_marks():
            products = precommit.data.pop(PENDING_KEY, None)
            if products:
                _insert_marks(cr, uid, sorted(products))

        precommit.add(insert_marks)
    pending.update(ids)


def _insert_marks(cr, uid, product_ids):
    cr.execute(
        SQL(
            """
            INSERT INTO mes_mrp_dirty (planning_group_id, company_id, product_id,
                                       create_uid, create_date, write_uid, write_date)
            SELECT g.id, g.company_id, p.id, %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM mes_mrp_planning_group g
              JOIN product_product p ON p.id = ANY(%(ids)s)
            ON CONFLICT DO NOTHING
            """,
            uid=uid,
            now=cr.now(),
            ids=product_ids,
        )
    )


def mark_all_dirty(env, groups=None):
    """The marks of ``groups`` (all planning groups by default) cannot be
    trusted: their next net-change run plans every product (one UPDATE)."""
    query = SQL(
        "UPDATE mes_mrp_planning_group SET replan_all = TRUE WHERE NOT replan_all"
    )
    if groups is not None:
        if not groups:
            return
        query = SQL("%s AND id = ANY(%s)", query, list(groups.ids))
    env.execute_query(query)
    env["mes.mrp.planning.group"].invalidate_model(["replan_all"])


class MesMrpDirty(models.Model):
    """A product whose planning inputs changed since its group's last run."""

    _name = "mes.mrp.dirty"
    _description = "MRP Dirty Mark"
    _order = "planning_group_id, product_id"
    _log_access = True

    planning_group_id = fields.Many2one(
        "mes.mrp.planning.group", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    product_id = fields.Many2one(
        "product.product", required=True, ondelete="cascade", index=True
    )

    _group_product_unique = models.Constraint(
        "UNIQUE(planning_group_id, product_id)",
        "A product is marked dirty once per planning group.",
    )
