"""Plain Odoo flows where none of our features is configured behave as without
our addons (issue: host compatibility). Each test pins one cause that once made
Odoo's own tests fail with our addons installed."""

from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import MesCase


@tagged("post_install", "-at_install")
class TestHostCompatLots(MesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.by_lot, cls.by_serial, cls.other = cls.env["product.product"].create(
            [
                {"name": "Resin (lots)", "is_storable": True, "tracking": "lot"},
                {"name": "Motor (serials)", "is_storable": True, "tracking": "serial"},
                {"name": "Sensor (serials)", "is_storable": True, "tracking": "serial"},
            ]
        )

    def _lot(self, name, product, company):
        return self.env["stock.lot"].create(
            {"name": name, "product_id": product.id, "company_id": company}
        )

    def test_duplicate_lot_is_the_hosts_validation_error(self):
        self._lot("L-1", self.by_lot, False)
        # the same name without company, or in a company, is the host's
        # ValidationError (not a database error from our unique index)
        for company in (False, self.env.company.id):
            with (
                self.assertRaisesRegex(ValidationError, "must be unique"),
                mute_logger("odoo.sql_db"),
            ):
                self._lot("L-1", self.by_lot, company)
        self._lot("L-2", self.by_lot, self.env.company.id)
        with self.assertRaisesRegex(ValidationError, "L-2"):
            self._lot("L-2", self.by_lot, self.env.company.id)
        with self.assertRaisesRegex(ValidationError, "must be unique"):
            self._lot("L-2", self.by_lot, False)

    def test_same_name_for_another_product_or_company(self):
        first = self._lot("SN-7", self.by_serial, self.env.company.id)
        second = self._lot("SN-7", self.other, self.env.company.id)
        other_company = self.env["res.company"].create({"name": "MES Other Co"})
        third = self._lot("SN-7", self.by_serial, other_company.id)
        self.assertEqual(len(first | second | third), 3)

    def test_renaming_to_an_existing_name_is_refused_as_by_the_host(self):
        self._lot("R-1", self.by_lot, False)
        lot = self._lot("R-2", self.by_lot, False)
        with self.assertRaisesRegex(ValidationError, "must be unique"):
            lot.name = "R-1"

    def _receipt(self, product, names):
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.in_type_id.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": len(names),
                            "location_id": self.env.ref(
                                "stock.stock_location_suppliers"
                            ).id,
                            "location_dest_id": self.warehouse.lot_stock_id.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.move_ids.move_line_ids.unlink()
        picking.move_ids.move_line_ids = [
            Command.create(
                {
                    "product_id": product.id,
                    "lot_name": name,
                    "quantity": 1,
                    "location_id": picking.location_id.id,
                    "location_dest_id": picking.location_dest_id.id,
                    "picking_id": picking.id,
                }
            )
            for name in names
        ]
        picking.move_ids.picked = True
        return picking

    def test_pickings_creating_the_same_lot_name_validated_together(self):
        first = self._receipt(self.by_lot, ["B-1", "B-2"])
        second = self._receipt(self.by_lot, ["B-2", "B-3"])
        (first | second).button_validate()
        self.assertEqual((first | second).mapped("state"), ["done", "done"])
        lots = self.env["stock.lot"].search(
            [("product_id", "=", self.by_lot.id)], order="name"
        )
        self.assertEqual(lots.mapped("name"), ["B-1", "B-2", "B-3"])
        self.assertEqual(first.move_line_ids[1].lot_id, second.move_line_ids[0].lot_id)

    def test_same_serial_in_two_pickings_is_the_hosts_validation_error(self):
        first = self._receipt(self.by_serial, ["S-1", "S-2"])
        second = self._receipt(self.by_serial, ["S-2", "S-3"])
        with (
            self.assertRaisesRegex(ValidationError, "S-2"),
            mute_logger("odoo.sql_db"),
        ):
            (first | second).button_validate()
        self.assertFalse(
            self.env["stock.lot"].search([("product_id", "=", self.by_serial.id)])
        )


@tagged("post_install", "-at_install")
class TestHostCompatKitReceipt(MesCase):
    def test_receipt_with_a_kit_line_added(self):
        """The host explodes the kit and deletes its move while validating: the
        receipt hook works on the moves that are left."""
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        )
        kit, compo, product = self.env["product.product"].create(
            [
                {"name": "Seal kit", "is_storable": True},
                {"name": "O-ring", "is_storable": True},
                {"name": "Housing", "is_storable": True},
            ]
        )
        self.env["mrp.bom"].create(
            {
                "product_tmpl_id": kit.product_tmpl_id.id,
                "type": "phantom",
                "bom_line_ids": [
                    Command.create({"product_id": compo.id, "product_qty": 2})
                ],
            }
        )
        supplier = self.env.ref("stock.stock_location_suppliers")
        stock = warehouse.lot_stock_id
        receipt = self.env["stock.picking"].create(
            {
                "picking_type_id": warehouse.in_type_id.id,
                "location_id": supplier.id,
                "location_dest_id": stock.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": 1,
                            "location_id": supplier.id,
                            "location_dest_id": stock.id,
                        }
                    )
                ],
            }
        )
        receipt.action_confirm()
        receipt.move_line_ids.quantity = 1
        receipt.move_line_ids = [
            Command.create(
                {
                    "product_id": kit.id,
                    "quantity": 1,
                    "location_id": supplier.id,
                    "location_dest_id": stock.id,
                }
            )
        ]
        receipt.move_ids.picked = True
        receipt.button_validate()
        self.assertEqual(receipt.state, "done")
        self.assertRecordValues(
            receipt.move_ids,
            [
                {"product_id": product.id, "quantity": 1, "state": "done"},
                {"product_id": compo.id, "quantity": 2, "state": "done"},
            ],
        )
        self.assertEqual(compo.qty_available, 2)


@tagged("post_install", "-at_install")
class TestHostCompatPurchaseChatter(MesCase):
    def test_received_quantity_note_as_in_plain_odoo(self):
        """Validating receipts where no MO waits for the goods computes nothing
        early: the PO's "received quantity" notes come as in plain Odoo, where
        the last receipt's note is posted when the line is next computed."""
        vendor = self.env["res.partner"].create({"name": "HuaSteel"})
        product = self.env["product.product"].create(
            {"name": "Flange", "is_storable": True}
        )
        order = self.env["purchase.order"].create(
            {
                "partner_id": vendor.id,
                "order_line": [
                    Command.create(
                        {"product_id": product.id, "product_qty": 25, "price_unit": 9}
                    )
                ],
            }
        )
        order.button_confirm()
        for index in range(3):
            picking = order.picking_ids[index]
            picking.move_ids.quantity = 5
            Form.from_action(self.env, picking.button_validate()).save().process()
        self.assertIn("Received Quantity: 5.0 -&gt; 10.0", order.message_ids[0].body)
        self.assertEqual(order.order_line.qty_received, 15)
        self.assertIn("Received Quantity: 10.0 -&gt; 15.0", order.message_ids[0].body)
