from odoo import Command
from odoo.addons.mes_inventory_mrp.tests.common import MesCase
from odoo.tests import Form, new_test_user


class ShopfloorCommon(MesCase):
    """Central warehouse WH (1-step, the company default), shop-floor warehouse
    SF holding the line side of work center "Assembly", remote warehouse RW."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.env.user.group_ids = [
            Command.link(cls.env.ref("stock.group_stock_multi_locations").id),
            Command.link(cls.env.ref("mrp.group_mrp_routings").id),
        ]
        cls.central = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.shop = cls.env["stock.warehouse"].create(
            {"name": "Shop Floor", "code": "SF", "mes_role": "shop_floor"}
        )
        cls.remote = cls.env["stock.warehouse"].create({"name": "Remote", "code": "RW"})
        cls.line_a = cls.env["stock.location"].create(
            {
                "name": "Line A",
                "usage": "internal",
                "location_id": cls.shop.view_location_id.id,
            }
        )
        cls.workcenter = cls.env["mrp.workcenter"].create(
            {"name": "Assembly", "mes_line_location_id": cls.line_a.id}
        )
        Product = cls.env["product.product"]
        cls.pump = Product.create({"name": "Pump", "is_storable": True})
        cls.bracket = Product.create({"name": "Bracket", "is_storable": True})
        cls.housing = Product.create({"name": "Housing", "is_storable": True})
        cls.seal = Product.create({"name": "Seal", "is_storable": True})
        cls.bom = cls.env["mrp.bom"].create(
            {
                "product_tmpl_id": cls.pump.product_tmpl_id.id,
                "product_qty": 1.0,
                "consumption": "flexible",
                "operation_ids": [
                    Command.create(
                        {"name": "Assemble", "workcenter_id": cls.workcenter.id}
                    )
                ],
            }
        )
        cls.operation = cls.bom.operation_ids
        cls.bom.bom_line_ids = [
            Command.create(
                {
                    "product_id": cls.housing.id,
                    "product_qty": 2.0,
                    "operation_id": cls.operation.id,
                }
            ),
            Command.create(
                {
                    "product_id": cls.seal.id,
                    "product_qty": 1.0,
                    "operation_id": cls.operation.id,
                }
            ),
        ]
        cls.bracket_bom = cls.env["mrp.bom"].create(
            {
                "product_tmpl_id": cls.bracket.product_tmpl_id.id,
                "product_qty": 1.0,
                "consumption": "flexible",
                "operation_ids": [
                    Command.create({"name": "Bend", "workcenter_id": cls.workcenter.id})
                ],
            }
        )
        cls.bracket_bom.bom_line_ids = [
            Command.create(
                {
                    "product_id": cls.housing.id,
                    "product_qty": 1.0,
                    "operation_id": cls.bracket_bom.operation_ids.id,
                }
            )
        ]
        cls.shopfloor_user = new_test_user(
            cls.env,
            login="sf_user",
            groups="mes_shopfloor.group_shopfloor_user,stock.group_stock_user",
        )
        cls.shopfloor_manager = new_test_user(
            cls.env,
            login="sf_manager",
            groups="mes_shopfloor.group_shopfloor_manager,stock.group_stock_user",
        )
        cls.fast_tracker = new_test_user(
            cls.env,
            login="sf_fast",
            groups="mes_shopfloor.group_fast_track,stock.group_stock_user",
        )

    def _stock(self, product, location, qty):
        self.env["stock.quant"]._update_available_quantity(product, location, qty)

    def _qty(self, product, location):
        return sum(
            self.env["stock.quant"]
            .search(
                [("product_id", "=", product.id), ("location_id", "=", location.id)]
            )
            .mapped("quantity")
        )

    def _mo(self, bom, qty, confirm=True):
        form = Form(self.env["mrp.production"])
        form.product_id = bom.product_tmpl_id.product_variant_id
        form.bom_id = bom
        form.product_qty = qty
        mo = form.save()
        if confirm:
            mo.action_confirm()
        return mo

    def _validate(self, picking):
        picking.action_assign()
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
