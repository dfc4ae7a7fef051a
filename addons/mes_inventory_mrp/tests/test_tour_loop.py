from datetime import timedelta

from odoo import fields
from odoo.fields import Command
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestTourPlanningLoop(HttpCase):
    """The planner's path in a browser: MRP run -> make suggestion -> Create
    Orders -> the confirmed manufacturing order."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company = env.company
        cls.company.days_to_purchase = 0
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.warehouse = warehouse
        cls.group = env["mes.mrp.planning.group"].search(
            [("warehouse_ids", "in", warehouse.ids)], limit=1
        )
        cls.group.name = "Loop pool"
        vendor = env["res.partner"].create({"name": "Loop Rod Supplier"})
        cls.rod = env["product.product"].create(
            {
                "name": "Loop Rod",
                "is_storable": True,
                "seller_ids": [Command.create({"partner_id": vendor.id, "delay": 1})],
            }
        )
        cls.frame = env["product.product"].create(
            {
                "name": "Loop Frame",
                "is_storable": True,
                "route_ids": [
                    Command.link(env.ref("mrp.route_warehouse0_manufacture").id)
                ],
            }
        )
        cls.bom = env["mrp.bom"].create(
            {
                "product_tmpl_id": cls.frame.product_tmpl_id.id,
                "product_qty": 1.0,
                "produce_delay": 2,
                "bom_line_ids": [
                    Command.create({"product_id": cls.rod.id, "product_qty": 3.0})
                ],
            }
        )
        customer = env["res.partner"].create({"name": "Loop Customer"})
        delivery = env["stock.picking"].create(
            {
                "picking_type_id": warehouse.out_type_id.id,
                "partner_id": customer.id,
                "scheduled_date": fields.Datetime.now() + timedelta(days=10),
                "move_ids": [
                    Command.create(
                        {
                            "product_id": cls.frame.id,
                            "product_uom_qty": 5.0,
                            "location_id": warehouse.lot_stock_id.id,
                            "location_dest_id": env.ref(
                                "stock.stock_location_customers"
                            ).id,
                        }
                    )
                ],
            }
        )
        delivery.action_confirm()

    def test_planner_make_suggestion_to_mo_tour(self):
        self.start_tour(
            "/odoo/action-mes_inventory_mrp.mes_mrp_planning_group_action",
            "mes_inventory_mrp_make_to_mo",
            login="admin",
            timeout=180,
        )
        run = self.env["mes.mrp.run"].search(
            [("planning_group_id", "=", self.group.id)], order="id desc", limit=1
        )
        make = run.suggestion_ids.filtered(lambda s: s.product_id == self.frame)
        self.assertEqual(make.state, "ordered")
        production = make.production_id
        self.assertRecordValues(
            production,
            [
                {
                    "product_id": self.frame.id,
                    "product_qty": 5.0,
                    "bom_id": self.bom.id,
                    "state": "confirmed",
                    "origin": run.display_name,
                    "picking_type_id": self.warehouse.manu_type_id.id,
                }
            ],
        )
        rod = run.suggestion_ids.filtered(lambda s: s.product_id == self.rod)
        self.assertEqual(rod.state, "new", "only the make suggestion was ordered")
