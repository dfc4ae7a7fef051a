from odoo.addons.mes_inventory_mrp.tests.common import MesCase
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestInstall(MesCase):
    def test_group_chain(self):
        user = self.env.ref("mes_shopfloor.group_shopfloor_user")
        manager = self.env.ref("mes_shopfloor.group_shopfloor_manager")
        fast = self.env.ref("mes_shopfloor.group_fast_track")
        device = self.env.ref("mes_shopfloor.group_shopfloor_device")
        self.assertEqual(manager.privilege_id, user.privilege_id)
        self.assertIn(user, manager.all_implied_ids)
        self.assertIn(user, fast.all_implied_ids)
        # a device posts events and nothing else (issue 16): no other rights
        self.assertNotIn(user, device.all_implied_ids)
        self.assertFalse(device.implied_ids)
        self.assertGreater(device.api_key_duration, 0)
        self.assertNotIn(fast, manager.all_implied_ids)
        self.assertEqual(fast.privilege_id.name, "Urgent Transfer Fast Track")
