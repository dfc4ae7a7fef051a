from odoo.tests import tagged

from .common import MesCase


@tagged("post_install", "-at_install")
class TestInstall(MesCase):
    def test_groups_have_privileges(self):
        planner = self.env.ref("mes_inventory_mrp.group_mrp_planner")
        inspector = self.env.ref("mes_inventory_mrp.group_quality_inspector")
        self.assertEqual(planner.privilege_id.name, "MRP Planning")
        self.assertEqual(inspector.privilege_id.name, "Lot Quality")
        self.assertIn(self.env.ref("mrp.group_mrp_user"), planner.all_implied_ids)
        self.assertIn(self.env.ref("base.user_admin"), planner.all_user_ids)

    def test_stock_user_is_not_planner(self):
        user = self.env["res.users"].create(
            {
                "name": "Stock Clerk",
                "login": "mes_stock_clerk",
                "group_ids": [(6, 0, [self.env.ref("stock.group_stock_user").id])],
            }
        )
        self.assertFalse(user.has_group("mes_inventory_mrp.group_mrp_planner"))
        self.assertFalse(user.has_group("mes_inventory_mrp.group_quality_inspector"))
