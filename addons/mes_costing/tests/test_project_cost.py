from odoo.fields import Command
from odoo.tests import tagged

from .common import MesCostingCommon


@tagged("post_install", "-at_install")
class TestProjectCost(MesCostingCommon):
    """Cost per project: its MOs' sheets (material from the project's own
    stock at its purchase price), plus what was received for it, nothing of
    other projects; and the stock each project holds, valued."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Project = cls.env["project.project"]
        cls.project_a = Project.create({"name": "Bridge A", "mes_hold_stock": True})
        cls.project_b = Project.create({"name": "Bridge B", "mes_hold_stock": True})
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        # Same components, different prices per project.
        cls._buy_for(cls.project_a, cls.comp_a, 6, 9.0, "PA1")
        cls._buy_for(cls.project_a, cls.comp_b, 10, 4.0)
        cls._buy_for(cls.project_b, cls.comp_a, 6, 12.0, "PB1")
        cls._buy_for(cls.project_b, cls.comp_b, 10, 5.0)
        cls.mo_a = cls._project_mo(cls.project_a, 2, 1.0)
        cls.mo_b = cls._project_mo(cls.project_b, 1, 0.5)

    @classmethod
    def _buy_for(cls, project, product, qty, price, lot_name=None):
        order = cls.env["purchase.order"].create(
            {
                "partner_id": cls.vendor.id,
                "project_id": project.id,
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
        order.button_confirm()
        cls._mes_receive(order, lot_name=lot_name)
        return order

    @classmethod
    def _project_mo(cls, project, qty, hours):
        mo = cls.env["mrp.production"].create(
            {
                "product_id": cls.finished.id,
                "bom_id": cls.bom.id,
                "product_qty": qty,
                "project_id": project.id,
            }
        )
        mo.action_confirm()
        mo.action_assign()
        for move in mo.move_raw_ids:
            move.quantity = move.product_uom_qty
        mo.move_raw_ids.picked = True
        cls.env["mes.labor.entry"].create(
            {
                "employee_id": cls.emp2.id,
                "workorder_id": mo.workorder_ids.id,
                "date": cls.today,
                "hours": hours,
            }
        )
        mo.qty_producing = qty
        mo.button_mark_done()
        return mo

    def test_material_comes_from_the_projects_own_stock(self):
        loc_a = self.project_a.mes_stock_location_ids
        comp_a_lines = self.mo_a.move_raw_ids.filtered(
            lambda m: m.product_id == self.comp_a
        ).move_line_ids
        self.assertEqual(comp_a_lines.location_id, loc_a)
        self.assertEqual(comp_a_lines.lot_id.name, "PA1")
        material = self.mo_a.mes_cost_sheet_ids.line_ids.filtered(
            lambda line: (
                line.cost_type == "material" and line.component_id == self.comp_a
            )
        )
        # 4 of lot PA1 at A's purchase price 9, never B's 12.
        self.assertAlmostEqual(sum(material.mapped("actual_amount")), 36.0, places=2)

    def test_rollup_per_project_is_its_sheets_plus_its_receipts(self):
        Rollup = self.env["mes.cost.rollup"]
        rows = {
            project: (actual, received)
            for project, actual, received in Rollup._read_group(
                [("project_id", "in", (self.project_a | self.project_b).ids)],
                ["project_id"],
                ["actual_amount:sum", "received_amount:sum"],
            )
        }
        sheet_a = self.mo_a.mes_cost_sheet_ids
        sheet_b = self.mo_b.mes_cost_sheet_ids
        self.assertTrue(sheet_a and sheet_b)
        self.assertAlmostEqual(rows[self.project_a][0], sheet_a.total_actual, places=2)
        self.assertAlmostEqual(rows[self.project_b][0], sheet_b.total_actual, places=2)
        # Received for A: 6 x 9 + 10 x 4; for B: 6 x 12 + 10 x 5.
        self.assertAlmostEqual(rows[self.project_a][1], 94.0, places=2)
        self.assertAlmostEqual(rows[self.project_b][1], 122.0, places=2)
        receipts = Rollup.search(
            [
                ("cost_type", "=", "project_receipt"),
                ("project_id", "=", self.project_a.id),
            ]
        )
        self.assertEqual(sorted(receipts.mapped("actual_amount")), [0.0, 0.0])

    def test_project_stock_value(self):
        values = self.env["project.project"]._mes_stock_value(
            self.project_a | self.project_b
        )
        # A used 4 of 6 comp A and 6 of 10 comp B; B used 2 and 3; the
        # widgets each project made are its own.
        quantities = {
            (project.name, product.name): qty
            for (project, product), (qty, _value) in values.items()
        }
        self.assertEqual(
            quantities,
            {
                ("Bridge A", "Comp A"): 2.0,
                ("Bridge A", "Comp B"): 4.0,
                ("Bridge A", "Widget"): 2.0,
                ("Bridge B", "Comp A"): 4.0,
                ("Bridge B", "Comp B"): 7.0,
                ("Bridge B", "Widget"): 1.0,
            },
        )
        # Standard cost: comp A 10, comp B 4.
        value_a = values[(self.project_a, self.comp_a)][1]
        self.assertAlmostEqual(value_a, 20.0, places=2)
        action = self.project_a.action_mes_stock_value()
        self.assertEqual(
            action["domain"],
            [
                ("mes_project_id", "!=", False),
                ("mes_project_id", "in", self.project_a.ids),
            ],
        )
