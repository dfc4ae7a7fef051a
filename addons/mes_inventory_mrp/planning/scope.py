"""What a run plans: its planning group's pool, company, days and time zone."""

from dataclasses import dataclass
from datetime import date

import pytz

from odoo import fields


@dataclass(frozen=True, slots=True)
class PlanningScope:
    """The fixed context every loader reads with."""

    env: object  # odoo.api.Environment
    group_id: int
    company: object  # res.company record
    tz_name: str  # datetimes become calendar days in this zone
    run_date: date
    warehouse_ids: list[int]  # lists: SQL reads them as arrays
    receiving_warehouse_id: int
    pool: list[int]  # nettable internal locations of the warehouses

    @classmethod
    def of_run(cls, run):
        """The scope of ``run`` (a ``mes.mrp.run``, possibly new in memory)."""
        group = run.planning_group_id
        tz = run._planning_tz()
        now = pytz.utc.localize(fields.Datetime.now())
        return cls(
            env=run.env,
            group_id=group.id,
            company=group.company_id,
            tz_name=tz.zone,
            run_date=now.astimezone(tz).date(),
            warehouse_ids=group.warehouse_ids.ids,
            receiving_warehouse_id=group.warehouse_id.id,
            pool=pool_locations(run.env, group.warehouse_ids.ids),
        )


def pool_locations(env, warehouse_ids):
    """Nettable internal locations of ``warehouse_ids`` (ids)."""
    locations = env["stock.location"].search_read(
        [("warehouse_id", "in", warehouse_ids), ("usage", "=", "internal")],
        ["parent_path", "mes_mrp_nettable"],
    )
    excluded = {row["id"] for row in locations if not row["mes_mrp_nettable"]}
    # A sub-location of a quarantine location is quarantine too.
    return [
        row["id"]
        for row in locations
        if not excluded.intersection(
            int(part) for part in row["parent_path"].split("/") if part
        )
    ]
