from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common_quality import MesQualityCommon


@tagged("post_install", "-at_install")
class TestLotQuality(MesQualityCommon):
    def test_initial_state_from_product(self):
        pending = (
            self.env["stock.lot"]
            .with_user(self.stock_user)
            .create({"name": "R-001", "product_id": self.resin.id})
        )
        self.assertEqual(pending.mes_quality_state, "pending")
        bolt = self.env["product.product"].create(
            {"name": "Bolt", "is_storable": True, "tracking": "lot"}
        )
        self.assertEqual(bolt.mes_lot_initial_state, "released")
        released = self.env["stock.lot"].create(
            {"name": "B-001", "product_id": bolt.id}
        )
        self.assertEqual(released.mes_quality_state, "released")
        with self.assertRaises(AccessError):
            self.env["stock.lot"].with_user(self.stock_user).create(
                {
                    "name": "R-002",
                    "product_id": self.resin.id,
                    "mes_quality_state": "released",
                }
            )

    def test_receipt_creates_pending_lot(self):
        picking = self._picking(
            self.warehouse.in_type_id, self.resin, 12.0, partner=self.vendor
        )
        picking.move_ids.move_line_ids.lot_name = "R-IN-1"
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        lot = picking.move_line_ids.lot_id
        self.assertEqual(lot.name, "R-IN-1")
        self.assertEqual(lot.mes_quality_state, "pending")

    def test_stock_user_cannot_release(self):
        lot = self._lot(self.resin, "R-010", 5.0)
        with self.assertRaises(AccessError) as err:
            lot.with_user(self.stock_user).mes_set_quality_state("released", "ok")
        self.assertIn("R-010", str(err.exception))
        with self.assertRaises(AccessError):
            lot.with_user(self.stock_user).write({"mes_quality_state": "released"})
        with self.assertRaises(AccessError):
            lot.with_user(self.stock_user).action_mes_release()
            self.env["mes.lot.quality.wizard"].with_user(self.stock_user).create(
                {"lot_ids": lot.ids, "new_state": "released", "reason": "x"}
            )
        self.assertEqual(lot.mes_quality_state, "pending")
        # A stock user still edits the lot's other fields.
        lot.with_user(self.stock_user).ref = "Drum 4"
        self.assertEqual(lot.ref, "Drum 4")

    def test_inspector_release_logged_in_chatter(self):
        lot = self._lot(self.resin, "R-020", 5.0)
        action = lot.with_user(self.inspector).action_mes_release()
        self.assertEqual(action["res_model"], "mes.lot.quality.wizard")
        wizard = Form(
            self.env["mes.lot.quality.wizard"]
            .with_user(self.inspector)
            .with_context(**action["context"])
        )
        wizard.reason = "Report QC-42 passed"
        wizard.save().action_apply()
        self.assertEqual(lot.mes_quality_state, "released")
        self.assertEqual(lot.mes_quality_reason, "Report QC-42 passed")
        self.assertEqual(lot.mes_quality_user_id, self.inspector)
        self.assertTrue(lot.mes_quality_date)
        message = lot.message_ids[:1]
        self.assertIn("Pending → Released", message.body)
        self.assertIn("Report QC-42 passed", message.body)
        self.assertIn("Quality Inspector", message.body)
        self.assertEqual(message.author_id, self.inspector.partner_id)
        # Same state again: no new entry.
        count = len(lot.message_ids)
        lot.with_user(self.inspector).mes_set_quality_state("released", "again")
        self.assertEqual(len(lot.message_ids), count)

    def test_pending_lot_not_reserved_nor_delivered(self):
        lot = self._lot(self.resin, "R-030", 10.0)
        delivery = self._picking(
            self.warehouse.out_type_id, self.resin, 4.0, partner=self.customer
        )
        delivery.action_assign()
        self.assertEqual(delivery.move_ids.quantity, 0.0)
        self.assertEqual(delivery.state, "confirmed")
        self.assertFalse(delivery.move_line_ids)
        # Forcing the lot by hand is refused at validation.
        self._force_lot(delivery.move_ids, lot, 4.0)
        with self.assertRaises(UserError) as err:
            delivery.button_validate()
        msg = str(err.exception)
        self.assertIn("Lot R-030", msg)
        self.assertIn("is Pending", msg)
        self.assertIn("release it", msg)
        self.assertEqual(delivery.state, "assigned")
        self.assertEqual(self.resin.qty_available, 10.0)
        # Released, it is reserved and delivered.
        lot.mes_set_quality_state("released", "lab ok")
        delivery.move_ids.move_line_ids.unlink()
        delivery.move_ids.picked = False
        delivery.action_assign()
        self.assertEqual(delivery.move_ids.quantity, 4.0)
        self.assertEqual(delivery.move_ids.move_line_ids.lot_id, lot)
        delivery.button_validate()
        self.assertEqual(delivery.state, "done")
        self.assertEqual(self.resin.qty_available, 6.0)

    def test_reservation_skips_to_released_lot(self):
        self._lot(self.resin, "R-040", 10.0)
        good = self._lot(self.resin, "R-041", 10.0)
        good.mes_set_quality_state("released", "ok")
        delivery = self._picking(
            self.warehouse.out_type_id, self.resin, 15.0, partner=self.customer
        )
        delivery.action_assign()
        self.assertEqual(delivery.move_ids.quantity, 10.0)
        self.assertEqual(delivery.move_line_ids.lot_id, good)

    def test_leaving_released_unreserves(self):
        first = self._lot(self.resin, "R-050", 5.0)
        second = self._lot(self.resin, "R-051", 5.0)
        (first | second).mes_set_quality_state("released", "ok")
        delivery = self._picking(
            self.warehouse.out_type_id, self.resin, 5.0, partner=self.customer
        )
        delivery.action_assign()
        reserved = delivery.move_line_ids.lot_id
        self.assertEqual(len(reserved), 1)
        reserved.mes_set_quality_state("quarantine", "customer complaint")
        other = (first | second) - reserved
        self.assertEqual(delivery.move_line_ids.lot_id, other)
        self.assertEqual(delivery.move_ids.quantity, 5.0)
        quant = self.env["stock.quant"].search(
            [("lot_id", "=", reserved.id), ("location_id", "=", self.stock.id)]
        )
        self.assertEqual(quant.reserved_quantity, 0.0)
        other.mes_set_quality_state("quarantine", "same batch of resin")
        self.assertFalse(delivery.move_line_ids)
        self.assertEqual(delivery.state, "confirmed")

    def test_pending_lot_cannot_be_consumed(self):
        lot = self._lot(self.resin, "R-060", 10.0)
        part = self.env["product.product"].create(
            {"name": "Molded part", "is_storable": True}
        )
        self.env["mrp.bom"].create(
            {
                "product_tmpl_id": part.product_tmpl_id.id,
                "product_qty": 1.0,
                "bom_line_ids": [
                    (0, 0, {"product_id": self.resin.id, "product_qty": 2.0})
                ],
            }
        )
        form = Form(self.env["mrp.production"])
        form.product_id = part
        form.product_qty = 2.0
        mo = form.save()
        mo.action_confirm()
        mo.action_assign()
        raw = mo.move_raw_ids
        self.assertEqual(raw.quantity, 0.0)
        self.assertEqual(mo.reservation_state, "confirmed")
        self._force_lot(raw, lot, 4.0)
        mo.qty_producing = 2.0
        with self.assertRaises(UserError) as err:
            mo.button_mark_done()
        self.assertIn("Lot R-060", str(err.exception))
        self.assertIn("Pending", str(err.exception))
        lot.mes_set_quality_state("released", "ok")
        mo.button_mark_done()
        self.assertEqual(mo.state, "done")
        self.assertEqual(self.resin.qty_available, 6.0)
        self.assertEqual(part.qty_available, 2.0)

    def test_internal_transfer_only_to_quality_location(self):
        lot = self._lot(self.resin, "R-070", 10.0)
        line_side = self.env["stock.location"].create(
            {"name": "Line 1", "location_id": self.stock.id, "usage": "internal"}
        )
        cage = self.env["stock.location"].create(
            {
                "name": "Quarantine cage",
                "location_id": self.warehouse.view_location_id.id,
                "usage": "internal",
                "mes_is_quality_location": True,
            }
        )
        to_line = self._picking(
            self.warehouse.int_type_id, self.resin, 3.0, src=self.stock, dest=line_side
        )
        self._force_lot(to_line.move_ids, lot, 3.0)
        with self.assertRaises(UserError) as err:
            to_line.button_validate()
        self.assertIn("Line 1", str(err.exception))
        to_cage = self._picking(
            self.warehouse.int_type_id, self.resin, 3.0, src=self.stock, dest=cage
        )
        self._force_lot(to_cage.move_ids, lot, 3.0)
        to_cage.button_validate()
        self.assertEqual(to_cage.state, "done")
        self.assertEqual(
            self.env["stock.quant"]._get_available_quantity(
                self.resin, cage, lot_id=lot, strict=True
            ),
            3.0,
        )

    def test_rejected_lot_only_scrapped_or_returned(self):
        lot = self._lot(self.resin, "R-080", 10.0)
        lot.with_user(self.inspector).mes_set_quality_state("rejected", "cracks")
        cage = self.env["stock.location"].create(
            {
                "name": "Cage",
                "location_id": self.warehouse.view_location_id.id,
                "usage": "internal",
                "mes_is_quality_location": True,
            }
        )
        to_cage = self._picking(
            self.warehouse.int_type_id, self.resin, 1.0, src=self.stock, dest=cage
        )
        self._force_lot(to_cage.move_ids, lot, 1.0)
        with self.assertRaises(UserError) as err:
            to_cage.button_validate()
        self.assertIn("only be scrapped or returned", str(err.exception))
        scrap = self.env["stock.scrap"].create(
            {
                "product_id": self.resin.id,
                "lot_id": lot.id,
                "scrap_qty": 2.0,
                "location_id": self.stock.id,
            }
        )
        scrap.action_validate()
        self.assertEqual(scrap.state, "done")
        back = self._picking(
            self.warehouse.out_type_id,
            self.resin,
            8.0,
            src=self.stock,
            dest=self.supplier_loc,
            partner=self.vendor,
        )
        self._force_lot(back.move_ids, lot, 8.0)
        back.button_validate()
        self.assertEqual(back.state, "done")
        self.assertEqual(self.resin.qty_available, 0.0)

    def test_untracked_stock_is_released(self):
        nut = self.env["product.product"].create({"name": "Nut", "is_storable": True})
        self.env["stock.quant"]._update_available_quantity(nut, self.stock, 5.0)
        delivery = self._picking(
            self.warehouse.out_type_id, nut, 5.0, partner=self.customer
        )
        delivery.action_assign()
        self.assertEqual(delivery.move_ids.quantity, 5.0)

    def test_required_characteristic_at_receipt(self):
        steel = self.env["product.product"].create(
            {
                "name": "Steel bar",
                "is_storable": True,
                "tracking": "lot",
                "mes_characteristic_ids": [
                    (0, 0, {"name": "Heat number"}),
                    (0, 0, {"name": "Hardness", "unit": "HRC"}),
                ],
            }
        )
        receipt = self._picking(
            self.warehouse.in_type_id, steel, 10.0, partner=self.vendor
        )
        receipt.move_line_ids.lot_name = "H-1"
        receipt.move_ids.picked = True
        with self.assertRaises(UserError) as err:
            receipt.button_validate()
        self.assertIn("Heat number, Hardness", str(err.exception))
        self.assertFalse(self.env["stock.lot"].search([("name", "=", "H-1")]))
        lot = self.env["stock.lot"].create(
            {
                "name": "H-2",
                "product_id": steel.id,
                "mes_characteristic_ids": [
                    (0, 0, {"name": "Heat number", "value": "A7731"}),
                    (0, 0, {"name": "Hardness", "value": "52", "unit": "HRC"}),
                ],
            }
        )
        receipt.move_line_ids.write({"lot_name": False, "lot_id": lot.id})
        receipt.button_validate()
        self.assertEqual(receipt.state, "done")
        found = self.env["stock.lot"].search(
            [("mes_characteristic_ids.value", "ilike", "A7731")]
        )
        self.assertEqual(found, lot)

    def test_two_step_receipt_stores_pending_lot(self):
        self.warehouse.reception_steps = "two_steps"
        receipt = self._picking(
            self.warehouse.in_type_id, self.resin, 6.0, partner=self.vendor
        )
        self.assertEqual(receipt.location_dest_id, self.warehouse.wh_input_stock_loc_id)
        receipt.move_ids.move_line_ids.lot_name = "R-2S"
        receipt.move_ids.picked = True
        receipt.button_validate()
        lot = receipt.move_line_ids.lot_id
        self.assertEqual(lot.mes_quality_state, "pending")
        store = receipt.move_ids.move_dest_ids.picking_id
        self.assertEqual(store.picking_type_id, self.warehouse.store_type_id)
        self.assertEqual(store.state, "assigned")
        self.assertEqual(store.move_ids.move_line_ids.lot_id, lot)
        store.button_validate()
        self.assertEqual(store.state, "done")
        self.assertEqual(
            self.env["stock.quant"]._get_available_quantity(
                self.resin, self.stock, lot_id=lot, strict=True
            ),
            6.0,
        )
