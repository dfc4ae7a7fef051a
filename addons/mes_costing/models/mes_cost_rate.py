import bisect
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import ValidationError

RATE_TYPES = [
    ("labor", "Labor (per hour)"),
    ("machine", "Machine (per hour)"),
    ("overhead_hour", "Overhead (per machine hour)"),
    ("overhead_material", "Overhead (% of material)"),
]


class MesCostRate(models.Model):
    """A dated cost rate: it applies from `date_from` until the next rate of the
    same key (type, employee, work center, product category)."""

    _name = "mes.cost.rate"
    _description = "Manufacturing Cost Rate"
    _order = "rate_type, date_from desc, id desc"

    rate_type = fields.Selection(RATE_TYPES, required=True, default="labor")
    employee_id = fields.Many2one(
        "hr.employee",
        check_company=True,
        help="Actual labor rate of this employee. Leave empty on a work-center labor "
        "rate: it is then the standard labor rate of the work center.",
    )
    workcenter_id = fields.Many2one("mrp.workcenter", check_company=True)
    categ_id = fields.Many2one("product.category", string="Product Category")
    date_from = fields.Date(
        "Valid From", required=True, default=fields.Date.context_today
    )
    rate = fields.Float(
        required=True,
        digits=(16, 4),
        help="Amount per hour in company currency, or a percentage for an overhead "
        "on material.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    note = fields.Char()

    _rate_positive = models.Constraint(
        "CHECK(rate >= 0)", "A cost rate cannot be negative."
    )

    @api.depends("rate_type", "employee_id", "workcenter_id", "categ_id", "date_from")
    def _compute_display_name(self):
        labels = dict(RATE_TYPES)
        for rate in self:
            target = rate.employee_id or rate.workcenter_id or rate.categ_id
            rate.display_name = "%s: %s (%s)" % (
                labels.get(rate.rate_type, ""),
                target.display_name or "",
                rate.date_from or "",
            )

    @api.constrains("rate_type", "employee_id", "workcenter_id", "categ_id")
    def _check_target(self):
        for rate in self:
            if rate.rate_type == "labor":
                ok = bool(rate.employee_id) != bool(rate.workcenter_id) and not (
                    rate.categ_id
                )
                fix = self.env._("an employee (actual rate) or a work center")
            elif rate.rate_type in ("machine", "overhead_hour"):
                ok = rate.workcenter_id and not (rate.employee_id or rate.categ_id)
                fix = self.env._("a work center only")
            else:
                ok = rate.categ_id and not (rate.employee_id or rate.workcenter_id)
                fix = self.env._("a product category only")
            if not ok:
                raise ValidationError(
                    self.env._(
                        "Cost rate %(rate)s: set %(fix)s.",
                        rate=rate.display_name,
                        fix=fix,
                    )
                )

    @api.constrains(
        "rate_type", "employee_id", "workcenter_id", "categ_id", "date_from"
    )
    def _check_unique_date(self):
        for rate in self:
            twin = self.search_count(
                [
                    ("id", "!=", rate.id),
                    ("company_id", "=", rate.company_id.id),
                    ("rate_type", "=", rate.rate_type),
                    ("employee_id", "=", rate.employee_id.id),
                    ("workcenter_id", "=", rate.workcenter_id.id),
                    ("categ_id", "=", rate.categ_id.id),
                    ("date_from", "=", rate.date_from),
                ]
            )
            if twin:
                raise ValidationError(
                    self.env._(
                        "Cost rate %(rate)s already exists for that date: change the "
                        "existing rate instead.",
                        rate=rate.display_name,
                    )
                )

    @api.model
    def _mes_rate_book(self, company):
        """All rates of `company`, read once, as a `RateBook`."""
        rates = self.sudo().search_read(  # sudo: rates feed cost sheets of any MO
            [("company_id", "=", company.id)],
            [
                "rate_type",
                "employee_id",
                "workcenter_id",
                "categ_id",
                "date_from",
                "rate",
            ],
            order="date_from",
        )
        return RateBook(rates)


class RateBook:
    """Dated rates in memory: `get(type, target_id, date)` returns the rate
    valid at `date` (latest `date_from` <= date) or None."""

    def __init__(self, rates):
        self._by_key = defaultdict(list)
        for rate in rates:
            target = (
                (rate["employee_id"] and ("employee", rate["employee_id"][0]))
                or (rate["workcenter_id"] and ("workcenter", rate["workcenter_id"][0]))
                or (rate["categ_id"] and ("categ", rate["categ_id"][0]))
            )
            self._by_key[(rate["rate_type"],) + target].append(
                (rate["date_from"], rate["rate"])
            )

    def get(self, rate_type, target, target_id, date):
        entries = self._by_key.get((rate_type, target, target_id))
        if not entries:
            return None
        dates = [d for d, _r in entries]
        idx = bisect.bisect_right(dates, date)
        return entries[idx - 1][1] if idx else None
