from odoo.addons.mes_inventory_mrp.tests.common import MesCase
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestInstall(MesCase):
    def test_cost_accountant_group(self):
        group = self.env.ref("mes_costing.group_cost_accountant")
        self.assertEqual(group.privilege_id.name, "Manufacturing Costing")
        self.assertIn(self.env.ref("mrp.group_mrp_user"), group.all_implied_ids)
        self.assertTrue(
            self.env.ref("base.user_admin").has_group(
                "mes_costing.group_cost_accountant"
            )
        )
        self.assertTrue(
            self.env["ir.module.module"].search(
                [("name", "=", "hr_hourly_cost"), ("state", "=", "installed")]
            )
        )
