from datetime import timedelta

from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Command
from odoo.tests import tagged

from .common import MesCostingCommon


@tagged("post_install", "-at_install")
class TestCostSheet(MesCostingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.mes_cost_post_on_close = True
        cls._receive(cls.comp_a, 6, 9.0, "LA1")
        cls._receive(cls.comp_a, 6, 12.0, "LA2")
        cls._receive(cls.comp_b, 20, 4.0)
        cls.la1 = cls._lot(cls.comp_a, "LA1")
        cls.la2 = cls._lot(cls.comp_a, "LA2")
        cls.mo = cls._make_mo(
            4,
            [(cls.la1, 5), (cls.la2, 3)],
            13,
            150,
            [
                (cls.emp1, cls.today - timedelta(days=10), 1.0),
                (cls.emp1, cls.today, 2.0),
                (cls.emp2, cls.today, 2.5),
            ],
            scrap=(cls.la2, 1),
        )
        cls.sheet = cls.mo.mes_cost_sheet_ids

    def _lines(self, cost_type):
        return self.sheet.line_ids.filtered(lambda line: line.cost_type == cost_type)

    def test_cost_sheet_hand_computed(self):
        sheet = self.sheet
        self.assertEqual(self.mo.state, "done")
        self.assertEqual(len(sheet), 1)
        self.assertEqual(sheet.qty_produced, 4.0)
        # material: A lot LA1 5 x 9.00, lot LA2 (3 consumed + 1 scrapped) x 12.00,
        # B 13 x 4.00 (stock valuation); standard 8 A x 10 + 12 B x 4
        mat = self._lines("material")
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
                )
                for ln in mat
            ],
            [
                (self.comp_a, self.la1, 5.0, 9.0, 45.0, 8.0, 80.0),
                (self.comp_a, self.la2, 4.0, 12.0, 48.0, 0.0, 0.0),
                (self.comp_b, self.env["stock.lot"], 13.0, 4.0, 52.0, 12.0, 48.0),
            ],
        )
        self.assertAlmostEqual(sheet.material_actual, 145.00, places=2)
        self.assertAlmostEqual(sheet.material_standard, 128.00, places=2)
        # labor: Ann 1h at 20 (old rate) + 2h at 25, Bob 2.5h at 35 (hourly cost)
        # standard 4 x 30 min = 2h at 30
        lab = self._lines("labor")
        self.assertEqual(
            sorted(
                (
                    ln.employee_id.name,
                    ln.actual_qty,
                    ln.actual_unit_cost,
                    ln.actual_amount,
                )
                for ln in lab
            ),
            [
                ("Ann Worker", 1.0, 20.0, 20.0),
                ("Ann Worker", 2.0, 25.0, 50.0),
                ("Bob Worker", 2.5, 35.0, 87.5),
            ],
        )
        self.assertAlmostEqual(sheet.labor_actual, 157.50, places=2)
        self.assertAlmostEqual(sheet.labor_standard, 60.00, places=2)
        # machine: 150 min at 50 (dated rate beats costs_hour 40); std 2h x 50
        self.assertAlmostEqual(sheet.machine_actual, 125.00, places=2)
        self.assertAlmostEqual(sheet.machine_standard, 100.00, places=2)
        # overhead: 2.5h x 20 + 10% x 145 ; std 2h x 20 + 10% x 128
        self.assertAlmostEqual(sheet.overhead_actual, 64.50, places=2)
        self.assertAlmostEqual(sheet.overhead_standard, 52.80, places=2)
        self.assertAlmostEqual(sheet.total_actual, 492.00, places=2)
        self.assertAlmostEqual(sheet.total_standard, 340.80, places=2)
        self.assertAlmostEqual(sheet.unit_cost_actual, 123.00, places=2)
        self.assertAlmostEqual(sheet.unit_cost_standard, 85.20, places=2)
        # variances
        self.assertAlmostEqual(sheet.material_price_variance, 3.00, places=2)
        self.assertAlmostEqual(sheet.material_usage_variance, 14.00, places=2)
        self.assertAlmostEqual(sheet.labor_rate_variance, -7.50, places=2)
        self.assertAlmostEqual(sheet.labor_efficiency_variance, 105.00, places=2)
        self.assertAlmostEqual(sheet.machine_rate_variance, 0.00, places=2)
        self.assertAlmostEqual(sheet.machine_efficiency_variance, 25.00, places=2)
        self.assertAlmostEqual(sheet.overhead_variance, 11.70, places=2)
        self.assertAlmostEqual(sheet.total_variance, 151.20, places=2)

    def _balances(self, moves):
        result = {}
        for line in moves.line_ids:
            result[line.account_id] = round(
                result.get(line.account_id, 0.0) + line.balance, 2
            )
        return {a: b for a, b in result.items() if b}

    def test_journal_entries_balance_and_match(self):
        sheet = self.sheet
        self.assertEqual(sheet.state, "posted")
        self.assertEqual(len(sheet.move_ids), 1)
        move = sheet.move_ids
        self.assertEqual(move.state, "posted")
        self.assertAlmostEqual(sum(move.line_ids.mapped("balance")), 0.0, places=2)
        acc = self.acc
        self.assertEqual(
            self._balances(move),
            {
                acc["labor"]: -157.50,
                acc["overhead"]: -64.50,
                # 125 machine - 100 already posted by mrp_account (40/h x 2.5h)
                acc["machine"]: -25.00,
                # 145 actual material - 132 valued by the stock (8 x 10 + 13 x 4)
                acc["material"]: -13.00,
                acc["mpv"]: 3.00,
                acc["muv"]: 14.00,
                acc["lrv"]: -7.50,
                acc["lev"]: 105.00,
                acc["mv"]: 25.00,
                acc["ov"]: 11.70,
                # sheet standard 340.80 - stock standard 4 x 100
                acc["sd"]: -59.20,
                self.wip: 168.00,
            },
        )
        # the MO's WIP is cleared: host entries + ours
        wip_lines = self.env["account.move.line"].search(
            [("account_id", "=", self.wip.id), ("parent_state", "=", "posted")]
        )
        self.assertAlmostEqual(sum(wip_lines.mapped("balance")), 0.0, places=2)
        # finished goods valued at the standard the sheet is compared with
        fg_move = self.mo.move_finished_ids.filtered(
            lambda m: m.product_id == self.finished
        )
        self.assertAlmostEqual(fg_move.value, 400.0, places=2)

    def test_recompute_posts_nothing_new(self):
        sheet = self.sheet
        moves = sheet.move_ids
        sheet.action_compute()
        sheet.action_post()
        sheet.action_post()
        self.mo._post_inventory()
        self.assertEqual(sheet.move_ids, moves)
        self.assertAlmostEqual(sheet.total_actual, 492.00, places=2)
        # a late labor entry posts only its difference
        self.env["mes.labor.entry"].create(
            {
                "employee_id": self.emp2.id,
                "workorder_id": self.mo.workorder_ids.id,
                "date": self.today - timedelta(days=1),
                "hours": 1.0,
            }
        )
        sheet.action_post()
        self.assertEqual(len(sheet.move_ids), 2)
        new = sheet.move_ids - moves
        self.assertEqual(
            self._balances(new),
            {self.acc["labor"]: -35.0, self.acc["lrv"]: 5.0, self.acc["lev"]: 30.0},
        )

    def test_unbuild_reverses_entries(self):
        unbuild = self.env["mrp.unbuild"].create(
            {
                "product_id": self.finished.id,
                "mo_id": self.mo.id,
                "product_qty": 4.0,
                "bom_id": self.bom.id,
            }
        )
        unbuild.action_unbuild()
        sheet = self.sheet
        self.assertEqual(sheet.state, "reversed")
        self.assertEqual(len(sheet.move_ids), 2)
        self.assertEqual(self._balances(sheet.move_ids), {})
        sheet._mes_post()
        self.assertEqual(len(sheet.move_ids), 2)

    def test_rollup_equals_sum_of_sheets(self):
        mo2 = self._make_mo(
            1,
            [(self.la1, 1), (self.la2, 1)],
            3,
            30,
            [(self.emp2, self.today, 0.5)],
        )
        sheets = self.sheet | mo2.mes_cost_sheet_ids
        Rollup = self.env["mes.cost.rollup"]
        groups = Rollup._read_group(
            [("product_id", "=", self.finished.id)],
            ["product_id"],
            [
                "actual_amount:sum",
                "standard_amount:sum",
                "variance:sum",
                "labor_efficiency_variance:sum",
            ],
        )
        ((_product, actual, standard, variance, lev),) = groups
        self.assertAlmostEqual(actual, sum(sheets.mapped("total_actual")), places=2)
        self.assertAlmostEqual(standard, sum(sheets.mapped("total_standard")), places=2)
        self.assertAlmostEqual(variance, sum(sheets.mapped("total_variance")), places=2)
        self.assertAlmostEqual(
            lev, sum(sheets.mapped("labor_efficiency_variance")), places=2
        )
        by_employee = dict(
            Rollup._read_group(
                [("cost_type", "=", "labor")], ["employee_id"], ["actual_amount:sum"]
            )
        )
        self.assertAlmostEqual(by_employee[self.emp2], 87.5 + 17.5, places=2)
        self.assertAlmostEqual(by_employee[self.emp1], 70.0, places=2)

    def test_rights(self):
        mrp_user = self.env["res.users"].create(
            {
                "name": "Planner",
                "login": "mes_costing_planner",
                "group_ids": [Command.link(self.env.ref("mrp.group_mrp_user").id)],
            }
        )
        with self.assertRaises(AccessError):
            self.env["mes.cost.rate"].with_user(mrp_user).search([]).mapped("rate")
        with self.assertRaises(AccessError):
            self.sheet.with_user(mrp_user).read(["total_actual"])
        with self.assertRaises(AccessError):
            self.sheet.with_user(mrp_user).action_post()
        with self.assertRaises(AccessError):
            self.env["mes.cost.rollup"].with_user(mrp_user).search([])
        # a manufacturing user logs labor
        entry = (
            self.env["mes.labor.entry"]
            .with_user(mrp_user)
            .create(
                {
                    "employee_id": self.emp1.id,
                    "workorder_id": self.mo.workorder_ids.id,
                    "date": self.today - timedelta(days=2),
                    "hours": 1.5,
                }
            )
        )
        self.assertEqual(entry.production_id, self.mo)
        accountant = self.env["res.users"].create(
            {
                "name": "Accountant",
                "login": "mes_costing_accountant",
                "group_ids": [
                    Command.link(self.env.ref("mes_costing.group_cost_accountant").id)
                ],
            }
        )
        self.assertEqual(
            len(
                self.env["mes.cost.rate"]
                .with_user(accountant)
                .search([("workcenter_id", "=", self.workcenter.id)])
            ),
            3,
        )
        self.sheet.with_user(accountant).action_post()

    def test_labor_entry_validation(self):
        wo = self.mo.workorder_ids
        Entry = self.env["mes.labor.entry"]
        with self.assertRaisesRegex(ValidationError, "in the future"):
            Entry.create(
                {
                    "employee_id": self.emp1.id,
                    "workorder_id": wo.id,
                    "date": self.today + timedelta(days=1),
                    "hours": 1,
                }
            )
        with self.assertRaisesRegex(ValidationError, "more than 24 hours"):
            Entry.create(
                {
                    "employee_id": self.emp2.id,
                    "workorder_id": wo.id,
                    "date": self.today,
                    "hours": 22,
                }
            )
        with self.assertRaises(ValidationError):
            Entry.create(
                {
                    "employee_id": self.emp1.id,
                    "workorder_id": wo.id,
                    "date": self.today,
                    "hours": 0,
                }
            )
        yesterday = self.today - timedelta(days=1)
        first = Entry.create(
            {
                "employee_id": self.emp1.id,
                "workorder_id": wo.id,
                "date_start": f"{yesterday} 08:00:00",
                "date_end": f"{yesterday} 10:30:00",
                "hours": 1,
            }
        )
        self.assertEqual(first.hours, 2.5)
        self.assertEqual(first.date, yesterday)
        with self.assertRaisesRegex(ValidationError, "overlaps"):
            Entry.create(
                {
                    "employee_id": self.emp1.id,
                    "workorder_id": wo.id,
                    "date_start": f"{yesterday} 10:00:00",
                    "date_end": f"{yesterday} 11:00:00",
                    "hours": 1,
                }
            )
        cancelled = self.env["mrp.production"].create(
            {"product_id": self.finished.id, "bom_id": self.bom.id, "product_qty": 1}
        )
        cancelled.action_confirm()
        cancelled.action_cancel()
        with self.assertRaisesRegex(ValidationError, "cancelled"):
            Entry.create(
                {
                    "employee_id": self.emp1.id,
                    "workorder_id": cancelled.workorder_ids.id,
                    "date": self.today,
                    "hours": 1,
                }
            )
