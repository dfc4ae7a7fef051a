from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class MesLaborEntry(models.Model):
    """Hours an employee worked on a work order, entered or imported by a
    supervisor (time not tracked with the work order's timer)."""

    _name = "mes.labor.entry"
    _description = "Labor Entry"
    _order = "date desc, id desc"
    _check_company_auto = True

    employee_id = fields.Many2one(
        "hr.employee", required=True, index=True, check_company=True
    )
    workorder_id = fields.Many2one(
        "mrp.workorder", string="Work Order", required=True, index=True
    )
    production_id = fields.Many2one(
        related="workorder_id.production_id", store=True, index=True
    )
    workcenter_id = fields.Many2one(related="workorder_id.workcenter_id", store=True)
    company_id = fields.Many2one(
        related="workorder_id.production_id.company_id", store=True, index=True
    )
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    date_start = fields.Datetime(
        "Start", help="Optional: with an end, the hours are computed from both."
    )
    date_end = fields.Datetime("End")
    hours = fields.Float(required=True, digits=(16, 2))
    note = fields.Text()

    @api.depends("employee_id", "workorder_id", "date", "hours")
    def _compute_display_name(self):
        for entry in self:
            entry.display_name = "%s / %s / %s (%sh)" % (
                entry.employee_id.name or "",
                entry.workorder_id.display_name or "",
                entry.date or "",
                entry.hours,
            )

    @api.model
    def _mes_sync_interval(self, vals):
        if vals.get("date_start") and vals.get("date_end"):
            start = fields.Datetime.to_datetime(vals["date_start"])
            end = fields.Datetime.to_datetime(vals["date_end"])
            if end > start:
                vals["hours"] = round((end - start).total_seconds() / 3600.0, 4)
            vals["date"] = start.date()
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._mes_sync_interval(dict(v)) for v in vals_list])

    def write(self, vals):
        if "date_start" in vals or "date_end" in vals:
            for entry in self:
                merged = {
                    "date_start": entry.date_start,
                    "date_end": entry.date_end,
                    **vals,
                }
                super(MesLaborEntry, entry).write(self._mes_sync_interval(merged))
            return True
        return super().write(vals)

    @api.constrains(
        "hours", "date", "date_start", "date_end", "workorder_id", "employee_id"
    )
    def _check_entry(self):
        today = fields.Date.context_today(self)
        for entry in self:
            name = entry.display_name
            if entry.hours <= 0:
                raise ValidationError(
                    self.env._(
                        "Labor entry %(entry)s: hours must be more than zero.",
                        entry=name,
                    )
                )
            if entry.date > today or (
                entry.date_end and entry.date_end > fields.Datetime.now()
            ):
                raise ValidationError(
                    self.env._(
                        "Labor entry %(entry)s is in the future: enter hours already "
                        "worked only.",
                        entry=name,
                    )
                )
            if bool(entry.date_start) != bool(entry.date_end) or (
                entry.date_start and entry.date_end <= entry.date_start
            ):
                raise ValidationError(
                    self.env._(
                        "Labor entry %(entry)s: set both a start and a later end, or "
                        "neither.",
                        entry=name,
                    )
                )
            if entry.production_id.state == "cancel":
                raise ValidationError(
                    self.env._(
                        "Labor entry %(entry)s: manufacturing order %(mo)s is "
                        "cancelled; log the hours on an open order.",
                        entry=name,
                        mo=entry.production_id.display_name,
                    )
                )
        self._check_overlap()

    def _check_overlap(self):
        """Two entries of one employee overlap when their start/end intervals
        intersect, or when an employee's entries of one day exceed 24 hours."""
        employees = self.employee_id
        dates = set(self.mapped("date"))
        others = self.search(
            [("employee_id", "in", employees.ids), ("date", "in", list(dates))]
        )
        per_day = defaultdict(float)
        intervals = defaultdict(list)
        for other in others:
            per_day[(other.employee_id, other.date)] += other.hours
            if other.date_start:
                intervals[other.employee_id].append(other)
        for entry in self:
            if per_day[(entry.employee_id, entry.date)] > 24:
                raise ValidationError(
                    self.env._(
                        "Labor entries of %(employee)s on %(date)s total more than 24 "
                        "hours: correct the overlapping entries.",
                        employee=entry.employee_id.name,
                        date=entry.date,
                    )
                )
            if not entry.date_start:
                continue
            for other in intervals[entry.employee_id]:
                if other != entry and (
                    other.date_start < entry.date_end
                    and entry.date_start < other.date_end
                ):
                    raise ValidationError(
                        self.env._(
                            "Labor entry %(entry)s overlaps %(other)s for the same "
                            "employee: change its start or end.",
                            entry=entry.display_name,
                            other=other.display_name,
                        )
                    )
