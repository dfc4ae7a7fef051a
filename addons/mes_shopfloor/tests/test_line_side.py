from odoo.tests import Form, tagged

from .common import ShopfloorCommon


@tagged("post_install", "-at_install")
class TestLineSide(ShopfloorCommon):
    def test_confirm_creates_pick_per_line_side_and_consumes_there(self):
        self._stock(self.housing, self.central.lot_stock_id, 100)
        self._stock(self.seal, self.central.lot_stock_id, 50)
        mo = self._mo(self.bom, 5)
        self.assertEqual(set(mo.move_raw_ids.location_id.ids), {self.line_a.id})
        self.assertEqual(len(mo.mes_pick_picking_ids), 1)
        pick = mo.mes_pick_picking_ids
        self.assertEqual(pick.location_id, self.central.lot_stock_id)
        self.assertEqual(pick.location_dest_id, self.line_a)
        self.assertEqual(pick.picking_type_id, self.central.int_type_id)
        self.assertEqual(pick.state, "assigned")
        self.assertEqual(
            {(m.product_id, m.product_uom_qty) for m in pick.move_ids},
            {(self.housing, 10.0), (self.seal, 5.0)},
        )
        # Stock is still central: nothing at the line side yet.
        self.assertEqual(mo.mes_kitting_state, "not_kitted")
        self.assertEqual(sorted(mo.mes_shortage_ids.mapped("qty_missing")), [5.0, 10.0])
        self._validate(pick)
        self.assertEqual(mo.mes_kitting_state, "kitted")
        self.assertEqual(mo.workorder_ids.mes_kitting_state, "kitted")
        self.assertFalse(mo.mes_shortage_ids)

    def test_default_warehouse_without_line_side_is_untouched(self):
        self.workcenter.mes_line_location_id = False
        self._stock(self.housing, self.central.lot_stock_id, 4)
        mo = self._mo(self.bom, 2)
        self.assertEqual(mo.move_raw_ids.location_id, self.central.lot_stock_id)
        self.assertFalse(mo.mes_pick_picking_ids)
        self.assertEqual(mo.mes_kitting_state, "partial")
        housing_short = mo.mes_shortage_ids.filtered(
            lambda s: s.product_id == self.housing
        )
        self.assertFalse(housing_short)
        self.assertEqual(mo.mes_shortage_ids.product_id, self.seal)
        self.assertEqual(mo.mes_shortage_ids.qty_missing, 2.0)

    def test_pick_consume_partly_return_surplus_books_equal_physical(self):
        """Seed flow 4: picked to line side, partly consumed, surplus returned."""
        self.company.mes_auto_validate_returns = True
        self._stock(self.housing, self.central.lot_stock_id, 100)
        self._stock(self.seal, self.central.lot_stock_id, 50)
        mo = self._mo(self.bom, 5)
        self._validate(mo.mes_pick_picking_ids)
        self.assertEqual(self._qty(self.housing, self.central.lot_stock_id), 90.0)
        self.assertEqual(self._qty(self.housing, self.line_a), 10.0)
        mo.action_assign()
        form = Form(mo)
        form.qty_producing = 5
        mo = form.save()
        housing_move = mo.move_raw_ids.filtered(lambda m: m.product_id == self.housing)
        housing_move.quantity = 8.0
        mo.move_raw_ids.picked = True
        mo.button_mark_done()
        self.assertEqual(mo.state, "done")
        self.assertEqual(len(mo.mes_return_picking_ids), 1)
        ret = mo.mes_return_picking_ids
        self.assertEqual(ret.state, "done")
        self.assertEqual(ret.location_id, self.line_a)
        self.assertEqual(ret.location_dest_id, self.central.lot_stock_id)
        self.assertEqual(ret.move_ids.product_id, self.housing)
        self.assertEqual(ret.move_ids.quantity, 2.0)
        # Books equal physical: 100 - 10 picked + 2 returned; line side empty.
        self.assertEqual(self._qty(self.housing, self.central.lot_stock_id), 92.0)
        self.assertEqual(self._qty(self.housing, self.line_a), 0.0)
        self.assertEqual(self._qty(self.seal, self.central.lot_stock_id), 45.0)
        self.assertEqual(self._qty(self.seal, self.line_a), 0.0)
        self.env.flush_all()
        balance = {b.product_id: b for b in mo.mes_balance_ids}
        self.assertEqual(
            (
                balance[self.housing].picked_qty,
                balance[self.housing].consumed_qty,
                balance[self.housing].scrapped_qty,
                balance[self.housing].returned_qty,
                balance[self.housing].remaining_qty,
            ),
            (10.0, 8.0, 0.0, 2.0, 0.0),
        )
        self.assertEqual(balance[self.seal].consumed_qty, 5.0)
        self.assertEqual(balance[self.seal].remaining_qty, 0.0)
        self.assertFalse(mo.mes_kitting_state)

    def test_surplus_kept_for_other_open_order_of_the_line(self):
        self._stock(self.housing, self.central.lot_stock_id, 100)
        self._stock(self.seal, self.central.lot_stock_id, 50)
        first = self._mo(self.bom, 5)
        second = self._mo(self.bom, 1)
        self._validate(first.mes_pick_picking_ids)
        second.mes_pick_picking_ids.action_cancel()
        first.action_cancel()
        # Second needs 2 housings and 1 seal and its own pick is cancelled:
        # that much stays on the line, the rest goes back (return not validated).
        ret = first.mes_return_picking_ids
        self.assertEqual(ret.state, "assigned")
        self.assertEqual(
            {(m.product_id, m.product_uom_qty) for m in ret.move_ids},
            {(self.housing, 8.0), (self.seal, 4.0)},
        )
        self.env.flush_all()
        balance = {b.product_id: b for b in first.mes_balance_ids}
        self.assertEqual(balance[self.housing].kept_qty, 2.0)
        self.assertEqual(balance[self.housing].returned_qty, 8.0)
        self.assertEqual(balance[self.housing].remaining_qty, 0.0)
        self.assertEqual(balance[self.seal].remaining_qty, 0.0)
        self.assertEqual(second.mes_kitting_state, "kitted")

    def test_cancel_before_pick_cancels_the_pick(self):
        self._stock(self.housing, self.central.lot_stock_id, 100)
        mo = self._mo(self.bom, 2)
        pick = mo.mes_pick_picking_ids
        mo.action_cancel()
        self.assertEqual(pick.state, "cancel")
        self.assertFalse(mo.mes_return_picking_ids)
        self.assertFalse(mo.mes_balance_ids)
        self.assertEqual(self._qty(self.housing, self.central.lot_stock_id), 100.0)

    def test_scrap_from_mo_defaults_to_the_line_side_and_is_not_consumed(self):
        self.company.mes_auto_validate_returns = True
        self._stock(self.housing, self.central.lot_stock_id, 100)
        self._stock(self.seal, self.central.lot_stock_id, 50)
        mo = self._mo(self.bom, 2)
        self._validate(mo.mes_pick_picking_ids)
        action = mo.button_scrap()
        form = Form(self.env["stock.scrap"].with_context(**action["context"]))
        self.assertEqual(form.location_id, self.central.lot_stock_id)
        form.product_id = self.housing
        self.assertEqual(form.location_id, self.line_a)
        scrap = form.save()
        scrap.action_validate()
        self.assertEqual(self._qty(self.housing, self.line_a), 3.0)
        self.assertEqual(self._qty(self.housing, self.central.lot_stock_id), 96.0)
        # 2 housings consumed, 1 scrapped: the 4th one goes back.
        mo.action_assign()
        mo.qty_producing = 2
        housing_move = mo.move_raw_ids.filtered(lambda m: m.product_id == self.housing)
        housing_move.quantity = 2.0
        mo.move_raw_ids.picked = True
        mo.button_mark_done()
        self.assertEqual(mo.state, "done")
        self.assertEqual(mo.mes_return_picking_ids.move_ids.quantity, 1.0)
        self.assertEqual(self._qty(self.housing, self.line_a), 0.0)
        self.assertEqual(self._qty(self.housing, self.central.lot_stock_id), 97.0)
        self.env.flush_all()
        balance = mo.mes_balance_ids.filtered(lambda b: b.product_id == self.housing)
        self.assertEqual(
            (
                balance.picked_qty,
                balance.consumed_qty,
                balance.scrapped_qty,
                balance.returned_qty,
                balance.remaining_qty,
            ),
            (4.0, 2.0, 1.0, 1.0, 0.0),
        )
