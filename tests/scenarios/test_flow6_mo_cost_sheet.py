"""Flow 6 of DESIGN.md: MO done → cost sheet → journal entries → roll-up.

Component A bought in two lots at two prices, component B at standard → MO of
3 widgets for a project: work-order timer 2 h, labor entries of two employees
(one with two dated rates) → MO done → cost sheet hand-computed to the cent →
the cost accountant posts it (perpetual valuation: stock, WIP, variance
accounts) → the roll-up per product and project equals the sheet.

Rates (MesCostingCommon): Ann 20/h, 25/h from 5 days ago; Bob 35/h (hourly
cost); work center Assembly: standard labor 30/h, machine 50/h, overhead
20/machine hour; overhead 10 % of material for the category. Standards: A
10.00, B 4.00, widget 100.00; BOM 2 A + 3 B, 30 min per widget.
"""

from datetime import datetime, time, timedelta

from freezegun import freeze_time

from odoo.addons.mes_costing.tests.common import MesCostingCommon
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestFlow6MoCostSheet(MesCostingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.group_ids = [
            Command.link(cls.env.ref("project.group_project_user").id),
            Command.link(cls.env.ref("mrp.group_mrp_routings").id),
        ]
        cls.accountant = new_test_user(
            cls.env,
            login="mes_cost_accountant6",
            name="Cora Accountant",
            groups="mes_costing.group_cost_accountant",
        )
        cls.project = cls.env["project.project"].create({"name": "Pump retrofit"})

    def _balances(self, moves):
        result = {}
        for line in moves.line_ids:
            result[line.account_id] = round(
                result.get(line.account_id, 0.0) + line.balance, 2
            )
        return {account: amount for account, amount in result.items() if amount}

    def test_flow6_cost_sheet_postings_rollup(self):
        # Purchases: A at 9.00 (lot LA1) then 12.50 (lot LA2), B at 4.00.
        self._receive(self.comp_a, 4, 9.0, "LA1")
        self._receive(self.comp_a, 6, 12.5, "LA2")
        self._receive(self.comp_b, 20, 4.0)
        la1 = self._lot(self.comp_a, "LA1")
        la2 = self._lot(self.comp_a, "LA2")

        with Form(self.env["mrp.production"]) as mo_form:
            mo_form.product_id = self.finished
            mo_form.bom_id = self.bom
            mo_form.product_qty = 3
            mo_form.project_id = self.project
        mo = mo_form.record
        mo.action_confirm()
        mo.action_assign()
        # First in, first out: LA1's 4 then 2 of LA2.
        move_a = mo.move_raw_ids.filtered(lambda m: m.product_id == self.comp_a)
        self.assertEqual(
            sorted((ml.lot_id.name, ml.quantity) for ml in move_a.move_line_ids),
            [("LA1", 4.0), ("LA2", 2.0)],
        )

        # The operator runs the work order 2 hours, yesterday.
        yesterday = self.today - timedelta(days=1)
        workorder = mo.workorder_ids.with_user(self.timer_user)
        with freeze_time(datetime.combine(yesterday, time(8, 0))):
            workorder.button_start()
        with freeze_time(datetime.combine(yesterday, time(10, 0))):
            workorder.button_finish()
        self.assertEqual(workorder.state, "done")
        # The host splits the time: 90 min expected (productive), 30 min of
        # reduced speed; the machine ran 2 hours either way.
        self.assertEqual(
            workorder.time_ids.sorted("date_start").mapped(
                lambda t: (t.loss_type, t.duration)
            ),
            [("productive", 90.0), ("performance", 30.0)],
        )

        # The supervisor logs labor (a manufacturing user).
        for employee, date, hours in [
            (self.emp1, self.today - timedelta(days=10), 1.0),
            (self.emp1, yesterday, 1.5),
            (self.emp2, yesterday, 2.0),
        ]:
            with Form(
                self.env["mes.labor.entry"].with_user(self.timer_user)
            ) as entry_form:
                entry_form.employee_id = employee
                entry_form.workorder_id = workorder
                entry_form.date = date
                entry_form.hours = hours
        self.assertEqual(mo.mes_labor_entry_count, 3)
        self.assertEqual(sum(mo.mes_labor_entry_ids.mapped("hours")), 4.5)

        # 3 widgets made with one B more than planned (10 instead of 9).
        with Form(mo) as mo_form:
            mo_form.qty_producing = 3
            for index in range(len(mo.move_raw_ids)):
                with mo_form.move_raw_ids.edit(index) as line:
                    if line.product_id == self.comp_b:
                        line.quantity = 10
                    line.picked = True
        mo.button_mark_done()
        self.assertEqual(mo.state, "done")

        # The sheet is computed at close; cost accountants only may see it.
        with self.assertRaises(AccessError):
            mo.mes_cost_sheet_ids.with_user(self.timer_user).read(["total_actual"])
        action = mo.with_user(self.accountant).action_view_mes_cost_sheet()
        sheet = (
            self.env["mes.cost.sheet"]
            .with_user(self.accountant)
            .browse(action["res_id"])
        )
        self.assertEqual(sheet, mo.mes_cost_sheet_ids)
        self.assertRecordValues(
            sheet,
            [
                {
                    "state": "draft",
                    "qty_produced": 3.0,
                    "project_id": self.project.id,
                    "date": mo.date_finished.date(),
                }
            ],
        )
        lines = sheet.line_ids
        # Material: LA1 4 x 9.00, LA2 2 x 12.50, B 10 x 4.00 (standard value);
        # standard 6 A x 10.00 + 9 B x 4.00.
        self.assertEqual(
            [
                (
                    ln.component_id,
                    ln.lot_id,
                    ln.actual_qty,
                    ln.actual_unit_cost,
                    ln.actual_amount,
                    ln.standard_qty,
                    ln.standard_amount,
                    ln.material_price_variance,
                    ln.material_usage_variance,
                )
                for ln in lines.filtered(lambda ln: ln.cost_type == "material")
            ],
            [
                (self.comp_a, la1, 4.0, 9.0, 36.0, 6.0, 60.0, -4.0, -20.0),
                (self.comp_a, la2, 2.0, 12.5, 25.0, 0.0, 0.0, 5.0, 20.0),
                (self.comp_b, la1[:0], 10.0, 4.0, 40.0, 9.0, 36.0, 0.0, 4.0),
            ],
        )
        # Labor: Ann 1 h at 20 (old rate) + 1.5 h at 25, Bob 2 h at 35;
        # standard 3 x 30 min = 1.5 h at 30.
        self.assertEqual(
            [
                (
                    ln.employee_id,
                    ln.actual_qty,
                    ln.actual_unit_cost,
                    ln.actual_amount,
                    ln.standard_amount,
                    ln.labor_rate_variance,
                    ln.labor_efficiency_variance,
                )
                for ln in lines.filtered(lambda ln: ln.cost_type == "labor")
            ],
            [
                (self.emp1, 1.0, 20.0, 20.0, 45.0, -10.0, -15.0),
                (self.emp1, 1.5, 25.0, 37.5, 0.0, -7.5, 45.0),
                (self.emp2, 2.0, 35.0, 70.0, 0.0, 10.0, 60.0),
            ],
        )
        self.assertRecordValues(
            sheet,
            [
                {
                    # machine: 2 h x 50; standard 1.5 h x 50
                    "material_actual": 101.00,
                    "labor_actual": 127.50,
                    "machine_actual": 100.00,
                    # 2 h x 20 + 10 % x 101.00
                    "overhead_actual": 50.10,
                    "total_actual": 378.60,
                    "material_standard": 96.00,
                    "labor_standard": 45.00,
                    "machine_standard": 75.00,
                    # 1.5 h x 20 + 10 % x 96.00
                    "overhead_standard": 39.60,
                    "total_standard": 255.60,
                    "unit_cost_actual": 126.20,
                    "unit_cost_standard": 85.20,
                    "material_price_variance": 1.00,
                    "material_usage_variance": 4.00,
                    "labor_rate_variance": -7.50,
                    "labor_efficiency_variance": 90.00,
                    "machine_rate_variance": 0.00,
                    "machine_efficiency_variance": 25.00,
                    "overhead_variance": 10.50,
                    "total_variance": 123.00,
                }
            ],
        )

        # The accountant posts: one balanced entry clearing the MO's WIP.
        sheet.action_post()
        self.assertEqual(sheet.state, "posted")
        self.assertEqual(sheet.move_count, 1)
        entry = sheet.sudo().move_ids
        self.assertEqual(entry.state, "posted")
        self.assertEqual(entry.ref, f"{mo.name} - Manufacturing cost")
        acc = self.acc
        self.assertEqual(
            self._balances(entry),
            {
                acc["labor"]: -127.50,
                acc["overhead"]: -50.10,
                # 100.00 machine - 80.00 posted by the work order (40/h x 2 h)
                acc["machine"]: -20.00,
                # 101.00 actual material - 100.00 valued by the stock
                acc["material"]: -1.00,
                acc["mpv"]: 1.00,
                acc["muv"]: 4.00,
                acc["lrv"]: -7.50,
                acc["lev"]: 90.00,
                acc["mv"]: 25.00,
                acc["ov"]: 10.50,
                # sheet standard 255.60 - stock standard 3 x 100.00
                acc["sd"]: -44.40,
                self.wip: 120.00,
            },
        )
        host_entries = (
            mo.move_raw_ids.account_move_id
            | mo.move_finished_ids.account_move_id
            | mo.workorder_ids.time_ids.account_move_line_id.move_id
        )
        self.assertEqual(
            self._balances(host_entries).get(self.wip), -120.00, "host WIP balance"
        )
        self.assertEqual(self._balances(host_entries | entry).get(self.wip), None)
        # Posting again posts nothing new.
        sheet.action_post()
        self.assertEqual(sheet.move_count, 1)

        # Roll-up: per product and project, per cost type, per employee.
        Rollup = self.env["mes.cost.rollup"].with_user(self.accountant)
        ((product, project, actual, standard, variance),) = Rollup._read_group(
            [("production_id", "=", mo.id)],
            ["product_id", "project_id"],
            ["actual_amount:sum", "standard_amount:sum", "variance:sum"],
        )
        self.assertEqual((product, project), (self.finished, self.project))
        self.assertAlmostEqual(actual, sheet.total_actual, places=2)
        self.assertAlmostEqual(standard, sheet.total_standard, places=2)
        self.assertAlmostEqual(variance, sheet.total_variance, places=2)
        by_type = {
            cost_type: round(amount, 2)
            for cost_type, amount in Rollup._read_group(
                [("project_id", "=", self.project.id)],
                ["cost_type"],
                ["actual_amount:sum"],
            )
        }
        self.assertEqual(
            by_type,
            {"material": 101.00, "labor": 127.50, "machine": 100.00, "overhead": 50.10},
        )
        by_employee = {
            employee: round(amount, 2)
            for employee, amount in Rollup._read_group(
                [("project_id", "=", self.project.id), ("cost_type", "=", "labor")],
                ["employee_id"],
                ["actual_amount:sum"],
            )
        }
        self.assertEqual(by_employee, {self.emp1: 57.50, self.emp2: 70.00})
