from odoo.tests import HttpCase, tagged

from .common import MesCostingCommon


@tagged("post_install", "-at_install")
class TestTourFlow6(MesCostingCommon, HttpCase):
    """Flow 6 in a browser: done MO -> cost sheet -> posted entries."""

    def test_flow6_cost_sheet_tour(self):
        self._receive(self.comp_a, 4, 9.0, "LT-FLOW6")
        self._receive(self.comp_b, 6, 4.0)
        lot = self._lot(self.comp_a, "LT-FLOW6")
        mo = self._make_mo(2, [(lot, 4)], 6, 60, [(self.emp1, self.today, 2.0)])
        self.assertEqual(mo.state, "done")
        self.start_tour(
            f"/odoo/action-mrp.mrp_production_action/{mo.id}",
            "mes_costing_flow6_cost_sheet",
            login="admin",
            timeout=120,
        )
        sheet = mo.mes_cost_sheet_ids
        self.assertEqual(sheet.state, "posted")
        self.assertEqual(sheet.material_actual, 60.0)
        self.assertEqual(sheet.labor_actual, 50.0)
        self.assertTrue(sheet.move_ids)
        self.assertTrue(all(move.state == "posted" for move in sheet.move_ids))
