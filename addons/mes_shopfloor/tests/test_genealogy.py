import base64
import csv
import io

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import tagged

from .common_fg import MesFgCommon


@tagged("post_install", "-at_install")
class TestGenealogy(MesFgCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stock_user = cls.env["res.users"].create(
            {
                "name": "Stock Clerk",
                "login": "mes_g_clerk",
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

    def _two_levels(self):
        resin = self._product("Resin", tracking="lot")
        steel = self._product("Steel shaft", tracking="lot")
        housing = self._product("Housing", tracking="lot", mes_lot_prefix="HSG")
        pump = self._product("Pump", tracking="serial", mes_lot_prefix="PMP")
        self._bom(housing, [(resin, 2.0)])
        self._bom(pump, [(housing, 1.0), (steel, 1.0)])
        resin_po, resin_in, resin_lot = self._buy(resin, 10.0, "RES-A")
        steel_po, _steel_in, steel_lot = self._buy(steel, 5.0, "ST-1")
        mo_housing = self._mo(housing, 2.0)
        mo_housing.button_mark_done()
        housing_lot = mo_housing.lot_producing_ids
        mo_pump = self._mo(pump, 2.0)
        mo_pump.button_mark_done()
        serials = mo_pump.lot_producing_ids.sorted("name")
        delivery = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.out_type_id.id,
                "partner_id": self.customer.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": pump.id,
                            "product_uom_qty": 1.0,
                            "location_id": self.stock.id,
                            "location_dest_id": self.env.ref(
                                "stock.stock_location_customers"
                            ).id,
                        }
                    )
                ],
            }
        )
        delivery.action_confirm()
        delivery.action_assign()
        shipped = delivery.move_line_ids.lot_id
        delivery.button_validate()
        return {
            "resin": resin_lot,
            "steel": steel_lot,
            "housing": housing_lot,
            "serials": serials,
            "shipped": shipped,
            "delivery": delivery,
            "resin_po": resin_po,
            "resin_in": resin_in,
            "steel_po": steel_po,
            "mo_housing": mo_housing,
            "mo_pump": mo_pump,
        }

    def test_backward_to_purchase_orders(self):
        data = self._two_levels()
        self.assertEqual(data["delivery"].state, "done")
        self.assertEqual(len(data["serials"]), 2)
        self.assertEqual(len(data["shipped"]), 1)
        action = data["shipped"].action_mes_genealogy_backward()
        genealogy = self.env["mes.genealogy"].browse(action["res_id"])
        lines = genealogy.line_ids.sorted("sequence")
        rows = [
            (
                line.level,
                line.kind,
                line.lot_id.name,
                line.quantity,
                line.purchase_id.name or False,
            )
            for line in lines
        ]
        housing, resin, steel = data["housing"], data["resin"], data["steel"]
        self.assertEqual(
            rows,
            [
                (0, "lot", data["shipped"].name, 0.0, False),
                (1, "lot", housing.name, 1.0, False),
                (2, "lot", resin.name, 4.0, False),
                (3, "purchase", resin.name, 10.0, data["resin_po"].name),
                (1, "lot", steel.name, 1.0, False),
                (2, "purchase", steel.name, 5.0, data["steel_po"].name),
            ],
        )
        self.assertEqual(lines[0].production_id, data["mo_pump"])
        self.assertEqual(lines[1].production_id, data["mo_housing"])
        purchase = lines[3]
        self.assertEqual(purchase.partner_id, self.vendor)
        self.assertEqual(purchase.picking_id, data["resin_in"])
        self.assertEqual(purchase.date, data["resin_in"].date_done)
        self.assertEqual(purchase.parent_id, lines[2])
        self.assertEqual(lines[2].parent_id, lines[1])
        self.assertEqual(lines[1].parent_id, lines[0])
        self.assertEqual(lines[0].child_ids, lines[1] | lines[4])
        self.assertIn(resin.name, lines[2].name)

    def test_forward_to_customer(self):
        data = self._two_levels()
        action = data["resin"].action_mes_genealogy_forward()
        genealogy = self.env["mes.genealogy"].browse(action["res_id"])
        self.assertEqual(genealogy.direction, "forward")
        lines = genealogy.line_ids.sorted("sequence")
        lots = lines.filtered(lambda line: line.kind == "lot")
        self.assertEqual(
            [(line.level, line.lot_id) for line in lots],
            [(0, data["resin"]), (1, data["housing"])]
            + [(2, serial) for serial in data["serials"]],
        )
        delivered = lines.filtered(lambda line: line.kind == "delivery")
        self.assertEqual(len(delivered), 1)
        self.assertEqual(delivered.lot_id, data["shipped"])
        self.assertEqual(delivered.partner_id, self.customer)
        self.assertEqual(delivered.picking_id, data["delivery"])
        self.assertEqual(delivered.quantity, 1.0)
        self.assertEqual(delivered.level, 3)
        in_stock = lines.filtered(lambda line: line.kind == "stock")
        self.assertEqual(
            sorted((line.lot_id.name, line.quantity) for line in in_stock),
            sorted(
                [
                    (data["resin"].name, 6.0),
                    ((data["serials"] - data["shipped"]).name, 1.0),
                ]
            ),
        )
        # Switching direction shows the backward tree of the same lot.
        genealogy.action_switch_direction()
        self.assertEqual(genealogy.direction, "backward")
        self.assertEqual(genealogy.line_ids.sorted("sequence")[1].kind, "purchase")

    def test_recall_quarantines_stock_and_exports(self):
        data = self._two_levels()
        action = data["resin"].action_mes_recall()
        recall = self.env["mes.recall.wizard"].browse(action["res_id"])
        lines = recall.line_ids
        self.assertEqual(
            lines.lot_id, data["resin"] | data["housing"] | data["serials"]
        )
        by_lot = {line.lot_id: line for line in lines}
        left = data["serials"] - data["shipped"]
        self.assertEqual(by_lot[data["resin"]].qty_in_stock, 6.0)
        self.assertEqual(by_lot[data["housing"]].qty_in_stock, 0.0)
        self.assertEqual(by_lot[data["housing"]].production_id, data["mo_housing"])
        self.assertEqual(by_lot[left].qty_in_stock, 1.0)
        self.assertEqual(by_lot[left].location_ids, self.stock)
        shipped = by_lot[data["shipped"]]
        self.assertEqual(shipped.qty_in_stock, 0.0)
        self.assertEqual(shipped.qty_delivered, 1.0)
        self.assertEqual(shipped.customer_ids, self.customer)
        self.assertEqual(shipped.picking_ids, data["delivery"])
        recall.reason = "Supplier notice 14: contaminated resin"
        recall.action_quarantine()
        self.assertTrue(recall.quarantined)
        self.assertEqual(data["resin"].mes_quality_state, "quarantine")
        self.assertEqual(left.mes_quality_state, "quarantine")
        self.assertEqual(
            left.mes_quality_reason, "Supplier notice 14: contaminated resin"
        )
        self.assertEqual(data["shipped"].mes_quality_state, "released")
        self.assertEqual(data["housing"].mes_quality_state, "released")
        export = recall.action_export_csv()
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "mes.recall.wizard"), ("res_id", "=", recall.id)]
        )
        self.assertEqual(export["url"], f"/web/content/{attachment.id}?download=true")
        rows = list(
            csv.reader(io.StringIO(base64.b64decode(attachment.datas).decode()))
        )
        self.assertEqual(rows[0][:3], ["Level", "Lot/Serial", "Product"])
        self.assertEqual(len(rows), 1 + 4)
        shipped_row = next(r for r in rows if r[1] == data["shipped"].name)
        self.assertEqual(shipped_row[8], "Acme Pumps")
        self.assertEqual(shipped_row[9], data["delivery"].name)
        left_row = next(r for r in rows if r[1] == left.name)
        self.assertEqual(left_row[3], "Quarantine")

    def test_recall_exports_pdf(self):
        data = self._two_levels()
        action = data["resin"].action_mes_recall()
        recall = self.env["mes.recall.wizard"].browse(action["res_id"])
        report = self.env.ref("mes_shopfloor.action_report_mes_recall")
        self.assertEqual(report.report_type, "qweb-pdf")
        self.assertEqual(report.model, "mes.recall.wizard")
        # Without a document layout, Odoo first asks an admin to configure one.
        self.env.company.external_report_layout_id = self.env.ref(
            "web.external_layout_standard"
        )
        pdf = recall.action_export_pdf()
        self.assertEqual(pdf["type"], "ir.actions.report")
        self.assertEqual(pdf["report_name"], "mes_shopfloor.report_mes_recall")
        self.assertEqual(pdf["report_type"], "qweb-pdf")
        self.assertEqual(pdf["context"]["active_ids"], recall.ids)
        html, kind = self.env["ir.actions.report"]._render_qweb_html(
            report.report_name, recall.ids
        )
        self.assertEqual(kind, "html")
        html = html.decode()
        self.assertIn(f"Recall of <span>{data['resin'].name}</span>", html)
        left = data["serials"] - data["shipped"]
        for lot in data["resin"] | data["housing"] | data["serials"]:
            self.assertIn(f"<span>{lot.name}</span>", html)
        rows = html.split("<tr>")[2:]
        self.assertEqual(len(rows), 4)
        shipped_row = next(r for r in rows if data["shipped"].name in r)
        self.assertIn("Acme Pumps", shipped_row)
        self.assertIn(data["delivery"].name, shipped_row)
        self.assertIn("<span>1.00</span>", shipped_row)
        left_row = next(r for r in rows if f"<span>{left.name}</span>" in r)
        self.assertNotIn("Acme Pumps", left_row)
        self.assertIn(self.stock.display_name, left_row)
        resin_row = next(r for r in rows if f"<span>{data['resin'].name}</span>" in r)
        self.assertIn("<span>6.00</span>", resin_row)
        with self.assertRaises(AccessError):
            self.env["ir.actions.report"].with_user(self.stock_user)._render_qweb_html(
                report.report_name, recall.ids
            )

    def test_stock_user_cannot_recall(self):
        data = self._two_levels()
        with self.assertRaises(AccessError):
            data["resin"].with_user(self.stock_user).action_mes_recall()
        # ... but reads the genealogy.
        action = data["resin"].with_user(self.stock_user).action_mes_genealogy_forward()
        self.assertEqual(action["res_model"], "mes.genealogy")
