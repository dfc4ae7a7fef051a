from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import tagged

from .common import MesCostingCommon


@tagged("post_install", "-at_install")
class TestGuardedCostSheet(MesCostingCommon):
    """Posted amounts and the posting state change through Recompute and Post
    only, even for a cost accountant with full access on cost sheets."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.mes_cost_post_on_close = True
        cls.accountant = cls.env["res.users"].create(
            {
                "name": "Cost Carla",
                "login": "mes_guard_cost_carla",
                "group_ids": [
                    Command.set(
                        [
                            cls.env.ref("mes_costing.group_cost_accountant").id,
                            cls.env.ref("mrp.group_mrp_user").id,
                            cls.env.ref("account.group_account_manager").id,
                        ]
                    )
                ],
            }
        )
        cls._receive(cls.comp_a, 4, 9.0, "LG1")
        cls._receive(cls.comp_b, 6, 4.0)
        lot = cls._lot(cls.comp_a, "LG1")
        cls.mo = cls._make_mo(1, [(lot, 2)], 3, 60, [(cls.emp2, cls.today, 1.0)])
        cls.sheet = cls.mo.mes_cost_sheet_ids

    def test_amounts_and_state_are_set_by_recompute_and_post(self):
        sheet = self.sheet.with_user(self.accountant)
        self.assertEqual(sheet.state, "posted")
        total, moves = sheet.total_actual, sheet.move_ids
        for vals in (
            {"total_actual": 1.0},
            {"labor_actual": 0.0},
            {"state": "draft"},
            {"qty_produced": 100.0},
            {"move_ids": [Command.clear()]},
        ):
            with self.assertRaisesRegex(AccessError, "Recompute or Post"):
                sheet.write(vals)
        line = sheet.line_ids[:1]
        with self.assertRaisesRegex(AccessError, "Recompute"):
            line.write({"actual_amount": 0.0})
        with self.assertRaises(AccessError):
            line.unlink()
        with self.assertRaises(AccessError):
            self.env["mes.cost.sheet.line"].with_user(self.accountant).create(
                {
                    "sheet_id": sheet.id,
                    "cost_type": "labor",
                    "name": "forged",
                    "actual_amount": -100.0,
                }
            )
        with self.assertRaises(AccessError):
            sheet.write(
                {
                    "production_id": self.env["mrp.production"]
                    .create({"product_id": self.finished.id, "bom_id": self.bom.id})
                    .id
                }
            )
        self.assertEqual((sheet.total_actual, sheet.move_ids), (total, moves))
        # the actions work for the cost accountant, and post nothing new
        sheet.action_compute()
        sheet.action_post()
        self.assertEqual(sheet.move_ids, moves)

    def test_a_manufacturing_user_cannot_recompute_or_post(self):
        with self.assertRaises(AccessError):
            self.sheet.with_user(self.timer_user).action_compute()
        with self.assertRaises(AccessError):
            self.sheet.with_user(self.timer_user).action_post()
