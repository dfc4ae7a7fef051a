from odoo.fields import Command
from odoo.tests import Form
from odoo.tests.common import TransactionCase


class MesFgCommon(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.group_ids = [
            Command.link(cls.env.ref("stock.group_production_lot").id),
            Command.link(cls.env.ref("stock.group_stock_multi_locations").id),
        ]
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.stock = cls.warehouse.lot_stock_id
        cls.vendor = cls.env["res.partner"].create({"name": "Polymer Supply"})
        cls.customer = cls.env["res.partner"].create({"name": "Acme Pumps"})

    def _product(self, name, **vals):
        return self.env["product.product"].create(
            dict({"name": name, "is_storable": True}, **vals)
        )

    def _bom(self, product, lines):
        return self.env["mrp.bom"].create(
            {
                "product_tmpl_id": product.product_tmpl_id.id,
                "product_qty": 1.0,
                "bom_line_ids": [
                    Command.create({"product_id": p.id, "product_qty": q})
                    for p, q in lines
                ],
            }
        )

    def _mo(self, product, qty, dest=None):
        form = Form(self.env["mrp.production"])
        form.product_id = product
        form.product_qty = qty
        if dest:
            form.location_dest_id = dest
        mo = form.save()
        mo.action_confirm()
        mo.action_assign()
        return mo

    def _buy(self, product, qty, lot_name, price=10.0):
        po = self.env["purchase.order"].create(
            {
                "partner_id": self.vendor.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_qty": qty,
                            "price_unit": price,
                        }
                    )
                ],
            }
        )
        po.button_confirm()
        receipt = po.picking_ids
        receipt.move_ids.move_line_ids.unlink()
        receipt.move_ids.move_line_ids = [
            Command.create(
                {
                    "product_id": product.id,
                    "lot_name": lot_name,
                    "quantity": qty,
                    "location_id": receipt.location_id.id,
                    "location_dest_id": receipt.location_dest_id.id,
                }
            )
        ]
        receipt.move_ids.picked = True
        receipt.button_validate()
        lot = receipt.move_ids.move_line_ids.lot_id
        return po, receipt, lot
