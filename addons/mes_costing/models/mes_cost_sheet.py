from collections import defaultdict

from odoo import api, fields, models
from odoo.addons.mes_inventory_mrp.models.mes_guarded_mixin import guarded_action
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

from .mes_cost_sheet_line import COST_TYPES

VARIANCES = [
    ("material_price_variance", "mes_material_price_variance_account_id"),
    ("material_usage_variance", "mes_material_usage_variance_account_id"),
    ("labor_rate_variance", "mes_labor_rate_variance_account_id"),
    ("labor_efficiency_variance", "mes_labor_efficiency_variance_account_id"),
    ("machine_rate_variance", "mes_machine_variance_account_id"),
    ("machine_efficiency_variance", "mes_machine_variance_account_id"),
    ("overhead_variance", "mes_overhead_variance_account_id"),
]
_lt = LazyTranslate(__name__)
COST_ACCOUNTANT = "mes_costing.group_cost_accountant"
# what the sheet computes and posts: set by Recompute and Post only
COMPUTED_FIELDS = [
    "state",
    "date",
    "qty_produced",
    "move_ids",
    "line_ids",
    *(
        f"{kind}_{side}"
        for kind in ("material", "labor", "machine", "overhead", "total")
        for side in ("actual", "standard")
    ),
    "unit_cost_actual",
    "unit_cost_standard",
    *(fname for fname, _account in VARIANCES),
    "total_variance",
]


class MesCostSheet(models.Model):
    """Actual and standard cost of one manufacturing order, with variances and
    the journal entries that bring them to accounting."""

    _name = "mes.cost.sheet"
    _inherit = ["mes.guarded.mixin"]
    _description = "MO Cost Sheet"
    _mes_guarded_fields = dict.fromkeys(COMPUTED_FIELDS, _lt("Recompute or Post"))
    # a sheet belongs to its MO for good
    _mes_frozen_fields = {"production_id": _lt("the MO's own cost sheet")}
    _mes_editable_states = ()
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(related="production_id.name", store=True)
    production_id = fields.Many2one(
        "mrp.production",
        string="Manufacturing Order",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        related="production_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    product_id = fields.Many2one(related="production_id.product_id", store=True)
    categ_id = fields.Many2one(related="production_id.product_id.categ_id", store=True)
    project_id = fields.Many2one(related="production_id.project_id", store=True)
    date = fields.Date(
        help="Close date of the MO (or the day of computation while it is open)."
    )
    state = fields.Selection(
        [("draft", "Computed"), ("posted", "Posted"), ("reversed", "Reversed")],
        default="draft",
        required=True,
    )
    qty_produced = fields.Float(digits="Product Unit", help="In the product's unit.")
    product_uom_id = fields.Many2one(related="product_id.uom_id")
    line_ids = fields.One2many("mes.cost.sheet.line", "sheet_id", string="Lines")
    move_ids = fields.Many2many(
        "account.move", "mes_cost_sheet_account_move_rel", string="Journal Entries"
    )
    move_count = fields.Integer(compute="_compute_move_count")

    material_actual = fields.Monetary(compute="_compute_totals", store=True)
    labor_actual = fields.Monetary(compute="_compute_totals", store=True)
    machine_actual = fields.Monetary(compute="_compute_totals", store=True)
    overhead_actual = fields.Monetary(compute="_compute_totals", store=True)
    total_actual = fields.Monetary(compute="_compute_totals", store=True)
    material_standard = fields.Monetary(compute="_compute_totals", store=True)
    labor_standard = fields.Monetary(compute="_compute_totals", store=True)
    machine_standard = fields.Monetary(compute="_compute_totals", store=True)
    overhead_standard = fields.Monetary(compute="_compute_totals", store=True)
    total_standard = fields.Monetary(compute="_compute_totals", store=True)
    unit_cost_actual = fields.Monetary(
        "Actual Cost per Unit", compute="_compute_totals", store=True
    )
    unit_cost_standard = fields.Monetary(
        "Standard Cost per Unit", compute="_compute_totals", store=True
    )
    material_price_variance = fields.Monetary(compute="_compute_totals", store=True)
    material_usage_variance = fields.Monetary(compute="_compute_totals", store=True)
    labor_rate_variance = fields.Monetary(compute="_compute_totals", store=True)
    labor_efficiency_variance = fields.Monetary(compute="_compute_totals", store=True)
    machine_rate_variance = fields.Monetary(compute="_compute_totals", store=True)
    machine_efficiency_variance = fields.Monetary(compute="_compute_totals", store=True)
    overhead_variance = fields.Monetary(compute="_compute_totals", store=True)
    total_variance = fields.Monetary(compute="_compute_totals", store=True)

    _production_unique = models.Constraint(
        "UNIQUE(production_id)", "A manufacturing order has one cost sheet."
    )

    @api.depends(
        "qty_produced",
        "line_ids.cost_type",
        "line_ids.actual_amount",
        "line_ids.standard_amount",
        "line_ids.variance",
    )
    def _compute_totals(self):
        for sheet in self:
            totals = defaultdict(float)
            for line in sheet.line_ids:
                totals[line.cost_type + "_actual"] += line.actual_amount
                totals[line.cost_type + "_standard"] += line.standard_amount
                for fname, _acc in VARIANCES:
                    totals[fname] += line[fname]
            round_ = sheet.currency_id.round
            for ctype, _label in COST_TYPES:
                sheet[ctype + "_actual"] = round_(totals[ctype + "_actual"])
                sheet[ctype + "_standard"] = round_(totals[ctype + "_standard"])
            for fname, _acc in VARIANCES:
                sheet[fname] = round_(totals[fname])
            sheet.total_actual = round_(
                sum(totals[c + "_actual"] for c, _l in COST_TYPES)
            )
            sheet.total_standard = round_(
                sum(totals[c + "_standard"] for c, _l in COST_TYPES)
            )
            sheet.total_variance = sheet.total_actual - sheet.total_standard
            qty = sheet.qty_produced
            sheet.unit_cost_actual = round_(sheet.total_actual / qty) if qty else 0.0
            sheet.unit_cost_standard = (
                round_(sheet.total_standard / qty) if qty else 0.0
            )

    @api.depends("move_ids")
    def _compute_move_count(self):
        for sheet in self:
            sheet.move_count = len(sheet.move_ids)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    @guarded_action
    def action_compute(self):
        """Recompute the lines from the MO's current data (no posting)."""
        self._mes_check_group(COST_ACCOUNTANT, self.env._("recompute cost sheets"))
        self.check_access("write")
        self._mes_compute()
        return True

    @guarded_action
    def action_post(self):
        """Recompute, then post what is not posted yet (only the difference)."""
        self._mes_check_group(COST_ACCOUNTANT, self.env._("post cost sheets"))
        not_done = self.filtered(lambda s: s.production_id.state != "done")
        if not_done:
            raise UserError(
                self.env._(
                    "Manufacturing order %(mo)s is not done: close it before posting "
                    "its cost.",
                    mo=", ".join(not_done.production_id.mapped("display_name")),
                )
            )
        self.check_access("write")
        self._mes_compute()
        # sudo: journal items are read and written by the costing engine on the
        # cost accountant's behalf (access to the sheet is checked above)
        self.sudo()._mes_post()
        return True

    def action_view_moves(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Cost Entries of %s", self.name),
            "res_model": "account.move",
            "view_mode": "list,form",
            "domain": [("id", "in", self.move_ids.ids)],
        }

    # ------------------------------------------------------------------
    # Computation
    # ------------------------------------------------------------------
    @guarded_action
    def _mes_compute(self, qty_produced=None):
        """Rebuild every sheet's lines. `qty_produced` (MO unit) overrides the
        produced quantity while an MO is being closed."""
        for sheet in self:
            mo = sheet.production_id
            qty_mo = qty_produced
            if qty_mo is None:
                # from the done finished moves: the MO's computed qty_produced
                # may still be cached from before the close
                qty_mo = sum(
                    m.product_uom._compute_quantity(
                        m.quantity, mo.product_uom_id, round=False
                    )
                    for m in mo.move_finished_ids
                    if m.state == "done" and m.product_id == mo.product_id
                )
            qty = mo.product_uom_id._compute_quantity(
                qty_mo, mo.product_id.uom_id, round=False
            )
            lines = sheet._mes_line_values(qty_mo)
            sheet.line_ids.unlink()
            sheet.write(
                {
                    "qty_produced": qty,
                    "date": (mo.date_finished or fields.Datetime.now()).date(),
                    "line_ids": [
                        fields.Command.create(dict(vals, sequence=seq))
                        for seq, vals in enumerate(lines)
                    ],
                }
            )
        return True

    def _mes_line_values(self, qty_mo):
        self.ensure_one()
        mo = self.production_id.with_company(self.company_id)
        company = mo.company_id
        book = self.env["mes.cost.rate"]._mes_rate_book(company)
        std_date = (mo.date_start or fields.Datetime.now()).date()
        act_date = (mo.date_finished or fields.Datetime.now()).date()
        lines = self._mes_material_lines(mo, qty_mo)
        material_actual = sum(v["actual_amount"] for v in lines)
        material_standard = sum(v["standard_amount"] for v in lines)
        lines += self._mes_operation_lines(mo, qty_mo, book, std_date)
        pct_act = self._mes_category_rate(book, mo.product_id.categ_id, act_date)
        pct_std = self._mes_category_rate(book, mo.product_id.categ_id, std_date)
        if pct_act or pct_std:
            lines.append(
                self._mes_line(
                    "overhead",
                    self.env._("Overhead on material"),
                    material_actual,
                    pct_act / 100.0,
                    material_standard,
                    pct_std / 100.0,
                )
            )
        return lines

    @api.model
    def _mes_category_rate(self, book, categ, date):
        while categ:
            rate = book.get("overhead_material", "categ", categ.id, date)
            if rate is not None:
                return rate
            categ = categ.parent_id
        return 0.0

    def _mes_line(
        self,
        cost_type,
        name,
        actual_qty,
        actual_price,
        standard_qty,
        standard_price,
        split=True,
        extra=None,
    ):
        """Line values; variances split into price (rate) and usage
        (efficiency), rounded so that actual - standard = their sum."""
        round_ = self.currency_id.round
        actual = round_(actual_qty * actual_price)
        standard = round_(standard_qty * standard_price)
        vals = {
            "cost_type": cost_type,
            "name": name,
            "actual_qty": actual_qty,
            "actual_unit_cost": actual_price,
            "actual_amount": actual,
            "standard_qty": standard_qty,
            "standard_unit_cost": standard_price,
            "standard_amount": standard,
            "variance": actual - standard,
            **(extra or {}),
        }
        if cost_type == "overhead" or not split:
            vals["overhead_variance"] = actual - standard
            return vals
        price = (
            round_((actual_price - standard_price) * actual_qty) if actual_qty else 0.0
        )
        usage = round_(actual - standard - price)
        price_f, usage_f = {
            "material": ("material_price_variance", "material_usage_variance"),
            "labor": ("labor_rate_variance", "labor_efficiency_variance"),
            "machine": ("machine_rate_variance", "machine_efficiency_variance"),
        }[cost_type]
        vals[price_f] = price
        vals[usage_f] = usage
        return vals

    def _mes_material_lines(self, mo, qty_mo):
        company = mo.company_id
        # standard: the BOM exploded for the produced quantity
        std_qty = defaultdict(float)
        if mo.bom_id and qty_mo:
            factor = (
                mo.product_uom_id._compute_quantity(
                    qty_mo, mo.bom_id.product_uom_id, round=False
                )
                / mo.bom_id.product_qty
            )
            _boms, bom_lines = mo.bom_id.explode(mo.product_id, factor)
            for bom_line, data in bom_lines:
                product = bom_line.product_id
                std_qty[product] += bom_line.product_uom_id._compute_quantity(
                    data["qty"], product.uom_id, round=False
                )
        # actual: consumed and scrapped component moves
        scraps = self.env["stock.scrap"].search(
            [("production_id", "=", mo.id), ("state", "=", "done")]
        )
        moves = mo.move_raw_ids.filtered(lambda m: m.state == "done") | (
            scraps.move_ids.filtered(
                lambda m: m.state == "done" and m.product_id != mo.product_id
            )
        )
        lot_prices = self._mes_lot_purchase_prices(
            moves.move_line_ids.filtered(lambda ml: ml.lot_id).lot_id, company
        )
        actual = defaultdict(float)  # (product, lot, unit cost) -> qty
        for move in moves:
            move_qty = move.product_uom._compute_quantity(
                move.quantity, move.product_id.uom_id, round=False
            )
            move_price = (
                abs(move.value) / move_qty
                if move_qty and move.value
                else move.product_id.standard_price
            )
            for ml in move.move_line_ids:
                qty = ml.product_uom_id._compute_quantity(
                    ml.quantity, ml.product_id.uom_id, round=False
                )
                price = lot_prices.get(ml.lot_id.id, move_price)
                actual[(move.product_id, ml.lot_id, price)] += qty
        lines = []
        seen = set()
        for (product, lot, price), qty in sorted(
            actual.items(), key=lambda kv: (kv[0][0].id, kv[0][1].id, kv[0][2])
        ):
            first = product not in seen
            seen.add(product)
            lines.append(
                self._mes_line(
                    "material",
                    product.display_name + (f" ({lot.name})" if lot else ""),
                    qty,
                    price,
                    std_qty[product] if first else 0.0,
                    product.standard_price,
                    extra={"component_id": product.id, "lot_id": lot.id},
                )
            )
        for product, qty in std_qty.items():
            if product not in seen:
                lines.append(
                    self._mes_line(
                        "material",
                        product.display_name,
                        0.0,
                        product.standard_price,
                        qty,
                        product.standard_price,
                        extra={"component_id": product.id},
                    )
                )
        return lines

    @api.model
    def _mes_lot_purchase_prices(self, lots, company):
        """Unit price (company currency, product unit) of the PO line each lot
        was received on, converted at the receipt date."""
        if not lots:
            return {}
        receipts = self.env["stock.move.line"].search(
            [
                ("lot_id", "in", lots.ids),
                ("state", "=", "done"),
                ("move_id.purchase_line_id", "!=", False),
                ("location_dest_id.usage", "in", ("internal", "transit")),
            ],
            order="date, id",
        )
        prices = {}
        for ml in receipts:
            if ml.lot_id.id in prices:
                continue
            pol = ml.move_id.purchase_line_id
            price = pol.price_unit * (1 - (pol.discount or 0.0) / 100.0)
            price = pol.product_uom_id._compute_price(price, ml.product_id.uom_id)
            prices[ml.lot_id.id] = pol.currency_id._convert(
                price, company.currency_id, company, ml.date.date(), round=False
            )
        return prices

    def _mes_operation_lines(self, mo, qty_mo, book, std_date):
        """Labor, machine and overhead lines of the MO's work orders: actual
        hours (labor entries, work-order timers) at their rates against the
        expected hours of the produced quantity at the standard rates."""
        labor, machine = self._mes_actual_hours(mo, book)
        close_date = (mo.date_finished or fields.Datetime.now()).date()
        lines = []
        for wo in mo.workorder_ids.sorted("id"):
            lines += self._mes_workorder_lines(
                wo, labor, machine, qty_mo, book, std_date, close_date
            )
        return lines

    def _mes_actual_hours(self, mo, book):
        """``(labor, machine)``: hours of the MO by (work order, employee, rate)
        and by (work order, rate). Labor: supervisor entries plus the timers of
        users who are employees of the MO's company; machine: the timers."""
        labor = defaultdict(float)
        entries = self.env["mes.labor.entry"].search([("production_id", "=", mo.id)])
        timers = mo.workorder_ids.time_ids.filtered("date_end")
        user_employee = {}
        if timers.user_id:
            for emp in self.env["hr.employee"].search(
                [
                    ("user_id", "in", timers.user_id.ids),
                    ("company_id", "=", mo.company_id.id),
                ]
            ):
                user_employee.setdefault(emp.user_id.id, emp)
        employees = entries.employee_id.concat(*user_employee.values())
        # sudo: hourly_cost is readable by HR officers only; it is the fallback
        # rate of a cost computation that cost accountants own
        hourly = {e.id: e.hourly_cost for e in employees.sudo()}

        def labor_rate(employee, date):
            rate = book.get("labor", "employee", employee.id, date)
            return hourly.get(employee.id, 0.0) if rate is None else rate

        for entry in entries:
            key = (entry.workorder_id, entry.employee_id)
            labor[key + (labor_rate(entry.employee_id, entry.date),)] += entry.hours
        machine = defaultdict(float)
        for timer in timers:
            date = timer.date_start.date()
            wo = timer.workorder_id
            hours = timer.duration / 60.0
            rate = book.get("machine", "workcenter", wo.workcenter_id.id, date)
            if rate is None:
                rate = wo.workcenter_id.costs_hour
            machine[(wo, rate)] += hours
            employee = user_employee.get(timer.user_id.id)
            if employee:
                labor[(wo, employee, labor_rate(employee, date))] += hours
        return labor, machine

    def _mes_workorder_lines(
        self, wo, labor, machine, qty_mo, book, std_date, close_date
    ):
        """The labor, machine and overhead lines of one work order."""
        wc = wo.workcenter_id
        std_hours = self._mes_standard_minutes(wo, qty_mo) / 60.0
        std_labor = book.get("labor", "workcenter", wc.id, std_date) or 0.0
        std_machine = book.get("machine", "workcenter", wc.id, std_date)
        if std_machine is None:
            std_machine = wc.costs_hour
        std_ovh = book.get("overhead_hour", "workcenter", wc.id, std_date) or 0.0
        extra = {"workorder_id": wo.id, "workcenter_id": wc.id}
        labor_of_wo = sorted(
            (
                (employee, rate, hours)
                for (lwo, employee, rate), hours in labor.items()
                if lwo == wo
            ),
            key=lambda item: (item[0].id, item[1]),
        )
        lines = self._mes_hours_lines(
            "labor",
            [
                (
                    f"{wo.display_name} - {employee.name}",
                    hours,
                    rate,
                    dict(extra, employee_id=employee.id),
                )
                for employee, rate, hours in labor_of_wo
            ],
            (wo.display_name, std_hours, std_labor, extra),
            standard_alone=bool(std_hours and std_labor),
        )
        machine_of_wo = sorted(
            (rate, hours) for (mwo, rate), hours in machine.items() if mwo == wo
        )
        lines += self._mes_hours_lines(
            "machine",
            [(wo.display_name, hours, rate, extra) for rate, hours in machine_of_wo],
            (wo.display_name, std_hours, std_machine, extra),
            standard_alone=True,
        )
        act_ovh = book.get("overhead_hour", "workcenter", wc.id, close_date) or 0.0
        if act_ovh or std_ovh:
            lines.append(
                self._mes_line(
                    "overhead",
                    self.env._("%s - overhead", wo.display_name),
                    sum(hours for _rate, hours in machine_of_wo),
                    act_ovh,
                    std_hours,
                    std_ovh,
                    extra=extra,
                )
            )
        return lines

    def _mes_hours_lines(self, cost_type, actuals, standard, standard_alone):
        """One line per actual ``(name, hours, rate, extra)``, the first one
        carrying the standard ``(name, hours, rate, extra)``; without any
        actual, one line of the standard alone when ``standard_alone``."""
        std_name, std_hours, std_rate, std_extra = standard
        lines = [
            self._mes_line(
                cost_type,
                name,
                hours,
                rate,
                std_hours if index == 0 else 0.0,
                std_rate,
                extra=extra,
            )
            for index, (name, hours, rate, extra) in enumerate(actuals)
        ]
        if not lines and standard_alone:
            lines.append(
                self._mes_line(
                    cost_type,
                    std_name,
                    0.0,
                    std_rate,
                    std_hours,
                    std_rate,
                    extra=std_extra,
                )
            )
        return lines

    def _mes_standard_minutes(self, workorder, qty_mo):
        """Expected minutes of ``workorder`` for ``qty_mo`` produced: Odoo's own
        expected duration (setup + cleanup + cycles x the operation's cycle time
        at the work center's efficiency) computed for that quantity."""
        if not qty_mo:
            return 0.0
        planned = workorder.new({"qty_producing": qty_mo}, origin=workorder)
        return planned._get_duration_expected()
