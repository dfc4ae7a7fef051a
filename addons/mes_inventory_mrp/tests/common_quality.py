from odoo.fields import Command
from odoo.tests import Form

from .common import MesCase


class MesQualityCommon(MesCase):
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
        cls.customer_loc = cls.env.ref("stock.stock_location_customers")
        cls.supplier_loc = cls.env.ref("stock.stock_location_suppliers")
        cls.vendor = cls.env["res.partner"].create({"name": "HuaSteel"})
        cls.customer = cls.env["res.partner"].create({"name": "Acme Pumps"})
        cls.resin = cls.env["product.product"].create(
            {
                "name": "Resin",
                "is_storable": True,
                "tracking": "lot",
                "mes_lot_initial_state": "pending",
            }
        )
        cls.stock_user = cls.env["res.users"].create(
            {
                "name": "Stock Clerk",
                "login": "mes_q_clerk",
                "group_ids": [
                    Command.set(
                        [
                            cls.env.ref("stock.group_stock_user").id,
                            cls.env.ref("stock.group_production_lot").id,
                        ]
                    )
                ],
            }
        )
        cls.inspector = cls.env["res.users"].create(
            {
                "name": "Quality Inspector",
                "login": "mes_q_inspector",
                "group_ids": [
                    Command.set(
                        [
                            cls.env.ref("mes_inventory_mrp.group_quality_inspector").id,
                            cls.env.ref("stock.group_production_lot").id,
                        ]
                    )
                ],
            }
        )

    def _lot(self, product, name, qty, location=None, **vals):
        lot = self.env["stock.lot"].create(dict(vals, name=name, product_id=product.id))
        if qty:
            self.env["stock.quant"]._update_available_quantity(
                product, location or self.stock, qty, lot_id=lot
            )
        return lot

    def _picking(self, picking_type, product, qty, src=None, dest=None, partner=None):
        if src or dest:
            src = src or picking_type.default_location_src_id
            dest = dest or picking_type.default_location_dest_id
            picking = self.env["stock.picking"].create(
                {
                    "picking_type_id": picking_type.id,
                    "partner_id": partner and partner.id,
                    "location_id": src.id,
                    "location_dest_id": dest.id,
                    "move_ids": [
                        (
                            0,
                            0,
                            {
                                "product_id": product.id,
                                "product_uom_qty": qty,
                                "location_id": src.id,
                                "location_dest_id": dest.id,
                            },
                        )
                    ],
                }
            )
        else:
            form = Form(self.env["stock.picking"])
            form.picking_type_id = picking_type
            if partner:
                form.partner_id = partner
            with form.move_ids.new() as move:
                move.product_id = product
                move.product_uom_qty = qty
            picking = form.save()
        picking.action_confirm()
        return picking

    def _force_lot(self, move, lot, qty):
        """Set the operation line by hand, as a user picking a lot would."""
        move.move_line_ids.unlink()
        self.env["stock.move.line"].create(
            {
                "move_id": move.id,
                "product_id": move.product_id.id,
                "lot_id": lot.id,
                "quantity": qty,
                "location_id": move.location_id.id,
                "location_dest_id": move.location_dest_id.id,
            }
        )
        move.picked = True
