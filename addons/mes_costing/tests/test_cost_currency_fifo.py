from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import MesCostingCommon


@tagged("post_install", "-at_install")
class TestCostCurrencyFifo(MesCostingCommon):
    def test_foreign_purchase_converted_at_receipt_date(self):
        foreign = self.env.ref("base.EUR")
        if foreign == self.currency:
            foreign = self.env.ref("base.USD")
        foreign.active = True
        self.env["res.currency.rate"].create(
            [
                {
                    "currency_id": foreign.id,
                    "name": self.today - timedelta(days=30),
                    "rate": 0.8,
                },
                {"currency_id": foreign.id, "name": self.today, "rate": 0.5},
            ]
        )
        po = self._receive(self.comp_a, 5, 10.0, "LE1", currency=foreign)
        po.date_order = fields.Datetime.now() - timedelta(days=30)
        self._receive(self.comp_b, 3, 4.0)
        lot = self._lot(self.comp_a, "LE1")
        mo = self._make_mo(1, [(lot, 2)], 3, 30, [(self.emp2, self.today, 0.5)])
        line = mo.mes_cost_sheet_ids.line_ids.filtered(lambda ln: ln.lot_id == lot)
        # 10.00 foreign at the receipt date's rate 0.5 = 20.00 (not 12.50 at
        # the order date's rate 0.8)
        self.assertAlmostEqual(line.actual_unit_cost, 20.0, places=4)
        self.assertAlmostEqual(line.actual_amount, 40.00, places=2)
        self.assertAlmostEqual(line.material_price_variance, 20.00, places=2)

    def test_fifo_finished_goods_valued_at_sheet_cost(self):
        fifo = self.env["product.category"].create(
            {
                "name": "MES FIFO",
                "property_cost_method": "fifo",
                "property_valuation": "real_time",
            }
        )
        self.finished.categ_id = fifo
        self.company.mes_cost_post_on_close = True
        self._receive(self.comp_a, 2, 9.0, "LF1")
        self._receive(self.comp_b, 3, 4.0)
        lot = self._lot(self.comp_a, "LF1")
        mo = self._make_mo(1, [(lot, 2)], 3, 60, [(self.emp2, self.today, 1.0)])
        sheet = mo.mes_cost_sheet_ids
        # 18 + 12 material, 35 labor, 50 machine, 20 overhead (the FIFO
        # category has no % overhead)
        self.assertAlmostEqual(sheet.total_actual, 135.00, places=2)
        fg_move = mo.move_finished_ids.filtered(lambda m: m.product_id == self.finished)
        self.assertAlmostEqual(fg_move.value, 135.00, places=2)
        self.assertAlmostEqual(fg_move.price_unit, sheet.unit_cost_actual, places=2)
        accounts = sheet.move_ids.line_ids.account_id
        self.assertFalse(
            accounts & (self.acc["mpv"] | self.acc["lev"] | self.acc["sd"]),
            "actual-cost products post no variance",
        )
        wip_lines = self.env["account.move.line"].search(
            [("account_id", "=", self.wip.id), ("parent_state", "=", "posted")]
        )
        self.assertAlmostEqual(sum(wip_lines.mapped("balance")), 0.0, places=2)
