from unittest.mock import patch

from odoo.addons.mes_inventory_mrp.models.stock_picking import StockPicking
from odoo.tests import Form, tagged

from .common import MesCase


@tagged("post_install", "-at_install")
class TestGoodsReceivedHook(MesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vendor = cls.env["res.partner"].create({"name": "HuaSteel"})
        cls.plate = cls.env["product.product"].create(
            {"name": "Steel plate", "is_storable": True}
        )
        cls.seal = cls.env["product.product"].create(
            {"name": "Seal", "is_storable": True}
        )
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )

    def _receipt(self):
        form = Form(self.env["stock.picking"])
        form.picking_type_id = self.warehouse.in_type_id
        form.partner_id = self.vendor
        for product, qty in ((self.plate, 40.0), (self.seal, 7.0)):
            with form.move_ids.new() as move:
                move.product_id = product
                move.product_uom_qty = qty
        picking = form.save()
        picking.action_confirm()
        return picking

    def test_hook_gets_received_moves_once(self):
        picking = self._receipt()
        calls = []

        def spy(pick, moves):
            calls.append((pick, moves, self.plate.qty_available))
            return True

        with patch.object(StockPicking, "_mes_goods_received", autospec=True) as hook:
            hook.side_effect = spy
            picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.assertEqual(len(calls), 1)
        _pick, moves, plate_qty_seen = calls[0]
        self.assertEqual(moves, picking.move_ids)
        self.assertEqual(set(moves.mapped("state")), {"done"})
        # Stock is already updated when the hook runs.
        self.assertEqual(plate_qty_seen, 40.0)

    def test_hook_not_called_for_deliveries(self):
        self.env["stock.quant"]._update_available_quantity(
            self.seal, self.warehouse.lot_stock_id, 10.0
        )
        form = Form(self.env["stock.picking"])
        form.picking_type_id = self.warehouse.out_type_id
        with form.move_ids.new() as move:
            move.product_id = self.seal
            move.product_uom_qty = 3.0
        picking = form.save()
        picking.action_confirm()
        picking.action_assign()
        with patch.object(StockPicking, "_mes_goods_received", autospec=True) as hook:
            picking.button_validate()
        self.assertEqual(picking.state, "done")
        hook.assert_not_called()
        self.assertEqual(self.seal.qty_available, 7.0)
