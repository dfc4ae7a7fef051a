from odoo.tests import tagged

from .common import MesCostingCommon


@tagged("post_install", "-at_install")
class TestHostValuation(MesCostingCommon):
    """Finished goods are valued at the sheet's actual cost only where the
    company set costing up; a plain MO keeps Odoo's own valuation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.finished.categ_id = cls.env["product.category"].create(
            {
                "name": "MES FIFO host",
                "property_cost_method": "fifo",
                "property_valuation": "real_time",
            }
        )

    def _close_mo(self):
        self._receive(self.comp_a, 2, 9.0, "LH1")
        self._receive(self.comp_b, 3, 4.0)
        lot = self._lot(self.comp_a, "LH1")
        mo = self._make_mo(1, [(lot, 2)], 3, 60, [(self.emp2, self.today, 1.0)])
        fg_move = mo.move_finished_ids.filtered(lambda m: m.product_id == self.finished)
        return mo, fg_move

    def test_costing_set_up_values_at_actual_cost(self):
        mo, fg_move = self._close_mo()
        sheet = mo.mes_cost_sheet_ids
        self.assertAlmostEqual(sheet.total_actual, 135.00, places=2)
        self.assertAlmostEqual(fg_move.value, 135.00, places=2)

    def test_no_cost_rate_keeps_the_hosts_valuation(self):
        self.env["mes.cost.rate"].search(
            [("company_id", "=", self.company.id)]
        ).unlink()
        mo, fg_move = self._close_mo()
        # Odoo's own: components at their (standard) value 2 x 10 + 3 x 4, plus
        # the work center's 40/h for the 60 minutes of its timer
        self.assertAlmostEqual(fg_move.value, 72.00, places=2)
        self.assertAlmostEqual(fg_move.price_unit, 72.00, places=2)
        # the cost sheet is still there for the cost accountant
        self.assertAlmostEqual(mo.mes_cost_sheet_ids.material_actual, 30.00, places=2)

    def test_company_can_keep_the_hosts_valuation(self):
        self.company.mes_cost_actual_valuation = False
        _mo, fg_move = self._close_mo()
        self.assertAlmostEqual(fg_move.value, 72.00, places=2)
