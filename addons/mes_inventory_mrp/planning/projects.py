"""Projects that hold stock: whether each may use free stock (one query)."""

from typing import NamedTuple

from odoo.tools import SQL

from ..engine import Project
from .rows import select


class ProjectRow(NamedTuple):
    id: int
    use_free: bool


def load_projects(scope, inputs):
    """Projects of the group's company (or of no company) that hold stock;
    returns their ids. Demand and supply of any other project are free."""
    rows = select(
        scope.env,
        ProjectRow,
        SQL(
            """
            SELECT id, COALESCE(mes_use_free_stock, FALSE) AS use_free
              FROM project_project
             WHERE mes_hold_stock
               AND (company_id IS NULL OR company_id = %s)
            """,
            scope.company.id,
        ),
    )
    inputs.projects = [Project(row.id, row.use_free) for row in rows]
    return {row.id for row in rows}
