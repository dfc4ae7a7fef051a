from odoo.addons.mes_inventory_mrp.tests.common import MesCase
from odoo.fields import Command
from odoo.tests import Form


class MesFgCommon(MesCase):
    """Finished goods: lots, serials, expiry, genealogy."""

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
        po = self._mes_buy_and_receive(self.vendor, product, qty, price, lot_name)
        receipt = po.picking_ids
        return po, receipt, receipt.move_ids.move_line_ids.lot_id
