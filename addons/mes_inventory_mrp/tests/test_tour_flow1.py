from datetime import timedelta

from odoo import fields
from odoo.fields import Command
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestTourFlow1(HttpCase):
    """Flow 1 in a browser: MRP run -> suggestions by vendor -> compare and
    choose a vendor -> RFQ in one click -> confirmed (in transit) -> rerun."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company = env.company
        cls.company.days_to_purchase = 0
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        group = env["mes.mrp.planning.group"].search(
            [("warehouse_ids", "in", warehouse.ids)], limit=1
        )
        group.name = "Flow1 pool"
        cls.group = group
        Partner = env["res.partner"]
        cls.cheap = Partner.create({"name": "Cheap Flow Steel"})
        cls.fast = Partner.create({"name": "Fast Flow Steel"})
        cls.plate = env["product.product"].create(
            {
                "name": "Flow1 Plate",
                "is_storable": True,
                "route_ids": [
                    Command.link(env.ref("purchase_stock.route_warehouse0_buy").id)
                ],
                "supplier_taxes_id": [Command.clear()],
                "seller_ids": [
                    Command.create(
                        {
                            "partner_id": cls.cheap.id,
                            "price": 2.0,
                            "min_qty": 100,
                            "delay": 10,
                            "sequence": 1,
                        }
                    ),
                    Command.create(
                        {
                            "partner_id": cls.fast.id,
                            "price": 3.5,
                            "min_qty": 1,
                            "delay": 2,
                            "sequence": 2,
                        }
                    ),
                ],
            }
        )
        cls.frame = env["product.product"].create(
            {
                "name": "Flow1 Frame",
                "is_storable": True,
                "route_ids": [
                    Command.link(env.ref("mrp.route_warehouse0_manufacture").id)
                ],
            }
        )
        env["mrp.bom"].create(
            {
                "product_tmpl_id": cls.frame.product_tmpl_id.id,
                "product_qty": 1.0,
                "bom_line_ids": [
                    Command.create({"product_id": cls.plate.id, "product_qty": 2.0})
                ],
            }
        )
        # the demand: a confirmed MO for 10 frames starting in 20 days
        cls.mo = env["mrp.production"].create(
            {
                "product_id": cls.frame.id,
                "product_qty": 10.0,
                "date_start": fields.Datetime.now() + timedelta(days=20),
            }
        )
        cls.mo.action_confirm()

    def test_flow1_mrp_to_purchase_tour(self):
        self.start_tour(
            "/odoo/action-mes_inventory_mrp.mes_mrp_planning_group_action",
            "mes_inventory_mrp_flow1_mrp_to_po",
            login="admin",
            timeout=180,
        )
        runs = self.env["mes.mrp.run"].search(
            [("planning_group_id", "=", self.group.id)], order="id"
        )
        self.assertEqual(runs.mapped("state"), ["done", "done"])
        first = runs[0].suggestion_ids.filtered(lambda s: s.product_id == self.plate)
        self.assertEqual(len(first), 1)
        self.assertEqual(first.state, "ordered")
        self.assertEqual(first.partner_id, self.cheap)
        line = first.purchase_line_id
        self.assertEqual(line.order_id.partner_id, self.cheap)
        self.assertEqual(line.order_id.state, "purchase")
        # 20 plates needed, raised to the cheap vendor's minimum of 100
        self.assertEqual(line.product_qty, 100.0)
        self.assertEqual(line.price_unit, 2.0)
        self.assertEqual(runs[1].suggestion_count, 0)
