"""``labor``: work-order time of an operator (a productive time line of the
work order, for the employee's user, which costing reads)."""

from datetime import timedelta

from odoo import fields

from .base import CLOSED_MO_STATES, EventHandler, find, read_production
from .errors import MesEventError
from .locks import production_lock_key
from .reader import read_datetime, read_quantity


class LaborHandler(EventHandler):
    event_type = "labor"
    references = ("workorder", "production", "workcenter", "employee", "user")

    def production_of(self, batch, item):
        try:
            workorder = find(batch, item, "workorder", required=False)
        except MesEventError:
            workorder = None
        if workorder:
            return workorder.production_id
        return super().production_of(batch, item)

    def lock_keys(self, batch, item):
        production = self.production_of(batch, item)
        return {production_lock_key(production.id)} if production else set()

    def read_payload(self, batch, item):
        _ = batch.env._
        hours = read_quantity(batch.env, item.payload, "hours")
        if hours > 24:
            raise MesEventError(
                _("hours: %(hours)s is more than a day; split it.", hours=hours),
                "hours",
            )
        workorder = find(batch, item, "workorder", required=False)
        if not workorder:
            production = read_production(batch, item)
            workcenter = find(batch, item, "workcenter")
            workorder = production.workorder_ids.filtered(
                lambda w: w.workcenter_id == workcenter
            )[:1]
            if not workorder:
                raise MesEventError(
                    _(
                        "workcenter: %(mo)s has no work order at %(wc)s.",
                        mo=production.name,
                        wc=workcenter.display_name,
                    ),
                    "workcenter",
                )
        production = workorder.production_id
        if production.state in CLOSED_MO_STATES or workorder.state == "cancel":
            raise MesEventError(
                _(
                    "workorder: %(wo)s of %(mo)s is closed; labor for a closed "
                    "order is refused.",
                    wo=workorder.display_name,
                    mo=production.name,
                ),
                "workorder",
                code=409,
            )
        user = self._user(batch, item)
        date_end = read_datetime(
            batch.env,
            item.payload,
            "date_end",
            fields.Datetime.now(),
            not_in_future=True,
        )
        item.values = {
            "production": production,
            "workorder": workorder,
            "user": user,
            "hours": hours,
            "date_end": date_end,
        }

    def _user(self, batch, item):
        _ = batch.env._
        payload = item.payload
        has_employee = "employee" in payload or "employee_id" in payload
        if has_employee and "hr.employee" in batch.env:
            employee = find(batch, item, "employee")
            if not employee.user_id:
                raise MesEventError(
                    _(
                        "employee: %(employee)s has no related user; link one on "
                        "the employee form (work-order time is logged per user).",
                        employee=employee.name,
                    ),
                    "employee",
                )
            if not employee.user_id.active:
                raise MesEventError(
                    _(
                        "employee: the user of %(employee)s is archived.",
                        employee=employee.name,
                    ),
                    "employee",
                )
            return employee.user_id
        if has_employee:
            raise MesEventError(
                _("employee: the Employees app is not installed; give user."),
                "employee",
            )
        return find(batch, item, "user")

    def stage(self, batch, groups):
        env = batch.env_for(groups[0][0].company)
        items = [item for group in groups for item in group]
        loss = env["mrp.workcenter.productivity.loss"].search(
            [("loss_type", "=", "productive")], limit=1
        )
        productivities = env["mrp.workcenter.productivity"].create(
            [
                {
                    "workorder_id": item.values["workorder"].id,
                    "workcenter_id": item.values["workorder"].workcenter_id.id,
                    "company_id": item.values["workorder"].company_id.id,
                    "user_id": item.values["user"].id,
                    "loss_id": loss.id,
                    "date_start": item.values["date_end"]
                    - timedelta(hours=item.values["hours"]),
                    "date_end": item.values["date_end"],
                    "description": f"MES {item.name}",
                }
                for item in items
            ]
        )
        for item, productivity in zip(items, productivities, strict=True):
            values = item.values
            item.updates = {
                "production_id": values["production"].id,
                "workorder_id": values["workorder"].id,
                "quantity": values["hours"],
                "productivity_id": productivity.id,
            }
        return env["stock.move"]
