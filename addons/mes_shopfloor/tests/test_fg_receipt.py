from datetime import timedelta

from odoo import fields
from odoo.tests import Form, tagged

from .common_fg import MesFgCommon


@tagged("post_install", "-at_install")
class TestFgReceipt(MesFgCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.casing = cls._product_cls("Casing")
        cls.pump = cls._product_cls(
            "Pump",
            tracking="serial",
            use_expiration_date=True,
            expiration_time=30,
            mes_lot_prefix="PMP",
            mes_lot_initial_state="pending",
        )
        cls.env["mrp.bom"].create(
            {
                "product_tmpl_id": cls.pump.product_tmpl_id.id,
                "product_qty": 1.0,
                "bom_line_ids": [
                    (0, 0, {"product_id": cls.casing.id, "product_qty": 1.0})
                ],
            }
        )
        cls.env["stock.quant"]._update_available_quantity(cls.casing, cls.stock, 20.0)
        cls.output = cls.env["stock.location"].create(
            {
                "name": "Shop-floor output",
                "location_id": cls.warehouse.view_location_id.id,
                "usage": "internal",
            }
        )

    @classmethod
    def _product_cls(cls, name, **vals):
        return cls.env["product.product"].create(
            dict({"name": name, "is_storable": True}, **vals)
        )

    def _names_pattern(self, lots):
        day = fields.Date.context_today(lots).strftime("%Y%m%d")
        for lot in lots:
            prefix, date, seq = lot.name.split("-")
            self.assertEqual((prefix, date), ("PMP", day))
            self.assertEqual(len(seq), 4)

    def test_five_serials_receipt_into_fg_stock(self):
        mo = self._mo(self.pump, 5.0, dest=self.output)
        self.assertEqual(mo.location_dest_id, self.output)
        before = fields.Datetime.now()
        mo.button_mark_done()
        self.assertEqual(mo.state, "done")
        serials = mo.lot_producing_ids
        self.assertEqual(len(serials), 5)
        self.assertEqual(len(set(serials.mapped("name"))), 5)
        self._names_pattern(serials)
        self.assertEqual(set(serials.mapped("mes_quality_state")), {"pending"})
        for lot in serials:
            self.assertAlmostEqual(
                lot.expiration_date,
                before + timedelta(days=30),
                delta=timedelta(minutes=5),
            )
        self.assertEqual(self.casing.qty_available, 15.0)
        receipt = mo.mes_fg_picking_ids
        self.assertEqual(len(receipt), 1)
        self.assertEqual(mo.mes_fg_picking_count, 1)
        self.assertEqual(receipt.location_id, self.output)
        self.assertEqual(receipt.location_dest_id, self.stock)
        self.assertEqual(receipt.origin, mo.name)
        self.assertEqual(receipt.state, "assigned")
        self.assertEqual(receipt.move_ids.mes_fg_production_id, mo)
        self.assertEqual(receipt.move_ids.move_line_ids.lot_id, serials)
        receipt.button_validate()
        self.assertEqual(receipt.state, "done")
        quants = self.env["stock.quant"].search(
            [("product_id", "=", self.pump.id), ("location_id", "=", self.stock.id)]
        )
        self.assertEqual(quants.lot_id, serials)
        self.assertEqual(quants.mapped("quantity"), [1.0] * 5)
        self.assertEqual(self.pump.qty_available, 5.0)
        action = mo.action_mes_view_fg_receipts()
        self.assertEqual(action["res_id"], receipt.id)

    def test_operator_serials_are_kept(self):
        mo = self._mo(self.pump, 2.0, dest=self.output)
        lots = self.env["stock.lot"].create(
            [{"name": n, "product_id": self.pump.id} for n in ("SN-A", "SN-B")]
        )
        mo.lot_producing_ids = lots
        mo.qty_producing = 2.0
        mo.set_qty_producing()
        mo.button_mark_done()
        self.assertEqual(mo.lot_producing_ids, lots)
        self.assertEqual(mo.mes_fg_picking_ids.move_line_ids.lot_id, lots)

    def test_partial_production_and_backorder_keep_binding(self):
        mo = self._mo(self.pump, 5.0, dest=self.output)
        mo.qty_producing = 2.0
        action = mo.button_mark_done()
        self.assertEqual(action["res_model"], "mrp.production.backorder")
        Form(
            self.env["mrp.production.backorder"].with_context(**action["context"])
        ).save().action_backorder()
        self.assertEqual(mo.state, "done")
        first = mo.lot_producing_ids
        self.assertEqual(len(first), 2)
        backorder = mo.production_group_id.production_ids - mo
        self.assertEqual(backorder.product_qty, 3.0)
        self.assertEqual(mo.mes_fg_picking_ids.move_line_ids.lot_id, first)
        self.assertFalse(backorder.mes_fg_picking_ids)
        backorder.action_assign()
        backorder.button_mark_done()
        self.assertEqual(backorder.state, "done")
        second = backorder.lot_producing_ids
        self.assertEqual(len(second), 3)
        self.assertFalse(first & second)
        self.assertEqual(backorder.mes_fg_picking_ids.move_line_ids.lot_id, second)
        self.assertEqual(mo.mes_fg_picking_ids.move_line_ids.lot_id, first)
        (mo | backorder).mes_fg_picking_ids.button_validate()
        self.assertEqual(self.pump.qty_available, 5.0)

    def test_one_step_lot_into_stock_needs_no_receipt(self):
        paint = self._product("Paint", tracking="lot", mes_lot_prefix="PNT")
        self._bom(paint, [(self.casing, 1.0)])
        mo = self._mo(paint, 3.0)
        self.assertEqual(mo.location_dest_id, self.stock)
        mo.button_mark_done()
        self.assertEqual(mo.state, "done")
        lot = mo.lot_producing_ids
        self.assertEqual(len(lot), 1)
        self.assertTrue(lot.name.startswith("PNT-"))
        self.assertEqual(lot.mes_quality_state, "released")
        self.assertFalse(mo.mes_fg_picking_ids)
        quant = self.env["stock.quant"].search(
            [("lot_id", "=", lot.id), ("location_id", "=", self.stock.id)]
        )
        self.assertEqual(quant.quantity, 3.0)

    def test_three_steps_uses_store_finished_product(self):
        self.warehouse.manufacture_steps = "pbm_sam"
        paint = self._product(
            "Primer",
            tracking="lot",
            mes_lot_prefix="PRM",
            mes_lot_initial_state="pending",
        )
        self._bom(paint, [(self.casing, 1.0)])
        mo = self._mo(paint, 4.0)
        self.assertEqual(mo.location_dest_id, self.warehouse.sam_loc_id)
        pick = mo.picking_ids.filtered(
            lambda p: p.picking_type_id == self.warehouse.pbm_type_id
        )
        pick.action_assign()
        pick.button_validate()
        mo.action_assign()
        mo.button_mark_done()
        self.assertEqual(mo.state, "done")
        lot = mo.lot_producing_ids
        store = mo.mes_fg_picking_ids
        self.assertEqual(store.picking_type_id, self.warehouse.sam_type_id)
        self.assertEqual(store.location_dest_id, self.stock)
        self.assertEqual(store.state, "assigned")
        self.assertEqual(store.move_line_ids.lot_id, lot)
        self.assertEqual(lot.mes_quality_state, "pending")
        store.button_validate()
        self.assertEqual(store.state, "done")
        quant = self.env["stock.quant"].search(
            [("lot_id", "=", lot.id), ("location_id", "=", self.stock.id)]
        )
        self.assertEqual(quant.quantity, 4.0)
