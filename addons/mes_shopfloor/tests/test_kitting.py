from datetime import datetime

from odoo import Command
from odoo.tests import tagged

from .common import ShopfloorCommon


@tagged("post_install", "-at_install")
class TestKitting(ShopfloorCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vendor = cls.env["res.partner"].create({"name": "HuaSteel"})
        # Default 1-step warehouse, no line side: components consumed from stock.
        cls.plain_wc = cls.env["mrp.workcenter"].create({"name": "Bench"})
        cls.valve = cls.env["product.product"].create(
            {"name": "Valve", "is_storable": True}
        )
        cls.spring = cls.env["product.product"].create(
            {"name": "Spring", "is_storable": True}
        )
        cls.valve_bom = cls.env["mrp.bom"].create(
            {
                "product_tmpl_id": cls.valve.product_tmpl_id.id,
                "product_qty": 1.0,
                "consumption": "flexible",
                "bom_line_ids": [
                    Command.create({"product_id": cls.spring.id, "product_qty": 4.0})
                ],
            }
        )

    def _po(self, product, qty, date_planned):
        return self._mes_purchase(
            self.vendor, product, qty, 3.0, date_planned=date_planned
        )

    def test_purchase_receipt_kits_waiting_mo_in_same_transaction(self):
        """Seed flow 2: a purchase arrival turns a waiting MO to kitted at once,
        and the shortage shows which PO covers it and when."""
        urgent = self._mo(self.valve_bom, 2)
        urgent.priority = "1"
        later = self._mo(self.valve_bom, 3)
        (urgent | later)._mes_refresh_kitting()
        self.assertEqual(urgent.mes_kitting_state, "not_kitted")
        self.assertEqual(later.mes_kitting_state, "not_kitted")
        po = self._po(self.spring, 10, datetime(2031, 3, 4, 8, 0))
        (urgent | later)._mes_refresh_kitting()
        receipt_move = po.picking_ids.move_ids
        # Reverse pegging: the urgent MO is served first (8), the later one
        # gets the remaining 2 of its 12.
        self.assertEqual(urgent.mes_shortage_ids.incoming_move_id, receipt_move)
        self.assertEqual(urgent.mes_shortage_ids.incoming_purchase_id, po)
        self.assertEqual(urgent.mes_shortage_ids.incoming_qty, 8.0)
        self.assertEqual(
            urgent.mes_shortage_ids.incoming_date, datetime(2031, 3, 4, 8, 0)
        )
        self.assertEqual(later.mes_shortage_ids.incoming_qty, 2.0)
        self._validate(po.picking_ids)
        # No explicit refresh: the receipt hook did it in this transaction.
        self.assertEqual(urgent.mes_kitting_state, "kitted")
        self.assertFalse(urgent.mes_shortage_ids)
        self.assertEqual(later.mes_kitting_state, "partial")
        self.assertEqual(later.mes_shortage_ids.qty_available, 2.0)
        self.assertEqual(later.mes_shortage_ids.qty_missing, 10.0)

    def test_po_confirm_and_cancel_update_covering_receipt(self):
        """No stock event needed: confirming a PO names it on the shortage at
        once, cancelling it takes it away again."""
        mo = self._mo(self.valve_bom, 2)
        self.assertEqual(mo.mes_kitting_state, "not_kitted")
        self.assertFalse(mo.mes_shortage_ids.incoming_purchase_id)
        po = self._po(self.spring, 5, datetime(2031, 3, 4, 8, 0))
        # No explicit refresh: button_confirm did it.
        self.assertEqual(mo.mes_shortage_ids.incoming_purchase_id, po)
        self.assertEqual(mo.mes_shortage_ids.incoming_qty, 5.0)
        self.assertEqual(mo.mes_shortage_ids.qty_missing, 8.0)
        self.assertEqual(mo.mes_kitting_state, "not_kitted")
        po.button_cancel()
        self.assertFalse(mo.mes_shortage_ids.incoming_purchase_id)
        self.assertEqual(mo.mes_shortage_ids.incoming_qty, 0.0)

    def test_shortage_says_where_stock_is(self):
        self._stock(self.spring, self.remote.lot_stock_id, 30)
        mo = self._mo(self.valve_bom, 1)
        self.assertEqual(mo.mes_kitting_state, "not_kitted")
        self.assertEqual(mo.mes_shortage_ids.qty_elsewhere, 30.0)
        self.assertIn("RW/Stock: 30", mo.mes_shortage_ids.stock_elsewhere)
        action = mo.mes_shortage_ids.action_open_stock_card()
        self.assertEqual(action["res_model"], "mes.stock.view")
        self.assertEqual(action["domain"], [("product_id", "=", self.spring.id)])

    def _batch(self, component, count):
        finished = self.env["product.product"].create(
            {"name": f"Kit {component.name}", "is_storable": True}
        )
        bom = self.env["mrp.bom"].create(
            {
                "product_tmpl_id": finished.product_tmpl_id.id,
                "product_qty": 1.0,
                "bom_line_ids": [
                    Command.create({"product_id": component.id, "product_qty": 1.0})
                ],
            }
        )
        mos = self.env["mrp.production"].create(
            [
                {
                    "product_id": finished.id,
                    "bom_id": bom.id,
                    "product_qty": 1.0,
                }
                for _i in range(count)
            ]
        )
        mos.action_confirm()
        return mos

    def _refresh_queries(self, mos):
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        mos._mes_refresh_kitting()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_bulk_refresh_query_count_does_not_grow_with_mo_count(self):
        small_part, big_part = self.env["product.product"].create(
            [
                {"name": "Small part", "is_storable": True},
                {"name": "Big part", "is_storable": True},
            ]
        )
        self._stock(small_part, self.central.lot_stock_id, 20)
        self._stock(big_part, self.central.lot_stock_id, 200)
        small = self._batch(small_part, 50)
        big = self._batch(big_part, 500)
        q50 = self._refresh_queries(small)
        q500 = self._refresh_queries(big)
        self.assertEqual(q500, q50)
        self.assertLessEqual(q500, 20)
        self.assertEqual(set(big.mapped("mes_kitting_state")), {"kitted", "not_kitted"})
        self.assertEqual(
            big.filtered(lambda p: p.mes_kitting_state == "kitted").ids, big[:200].ids
        )
        self.assertEqual(len(big.mes_shortage_ids), 300)
