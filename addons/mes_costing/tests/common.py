from datetime import timedelta

from odoo import fields
from odoo.addons.mes_inventory_mrp.tests.common import MesCase
from odoo.fields import Command


class MesCostingCommon(MesCase):
    """A plant with a chart of accounts (generic_coa of the template company),
    perpetual valuation, dated rates, two employees and one work center."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company = env.company
        cls.today = fields.Date.context_today(env["res.users"])
        cls.currency = cls.company.currency_id
        Account = env["account.account"]
        names = [
            "labor",
            "overhead",
            "machine",
            "material",
            "mpv",
            "muv",
            "lrv",
            "lev",
            "mv",
            "ov",
            "sd",
        ]
        cls.acc = {
            name: Account.create(
                {
                    "name": f"MES {name}",
                    "code": f"69{idx:04d}",
                    "account_type": "expense",
                }
            )
            for idx, name in enumerate(names)
        }
        cls.wip = cls.company.account_production_wip_account_id
        cls.company.write(
            {
                "mes_labor_account_id": cls.acc["labor"].id,
                "mes_overhead_account_id": cls.acc["overhead"].id,
                "mes_machine_account_id": cls.acc["machine"].id,
                "mes_material_account_id": cls.acc["material"].id,
                "mes_material_price_variance_account_id": cls.acc["mpv"].id,
                "mes_material_usage_variance_account_id": cls.acc["muv"].id,
                "mes_labor_rate_variance_account_id": cls.acc["lrv"].id,
                "mes_labor_efficiency_variance_account_id": cls.acc["lev"].id,
                "mes_machine_variance_account_id": cls.acc["mv"].id,
                "mes_overhead_variance_account_id": cls.acc["ov"].id,
                "mes_standard_difference_account_id": cls.acc["sd"].id,
            }
        )
        cls.production_location = env["stock.location"].search(
            [("usage", "=", "production"), ("company_id", "=", cls.company.id)],
            limit=1,
        )
        cls.production_location.valuation_account_id = cls.wip
        cls.categ = env["product.category"].create(
            {
                "name": "MES Costing",
                "property_cost_method": "standard",
                "property_valuation": "real_time",
            }
        )
        Product = env["product.product"]
        cls.comp_a = Product.create(
            {
                "name": "Comp A",
                "is_storable": True,
                "tracking": "lot",
                "categ_id": cls.categ.id,
                "standard_price": 10.0,
            }
        )
        cls.comp_b = Product.create(
            {
                "name": "Comp B",
                "is_storable": True,
                "categ_id": cls.categ.id,
                "standard_price": 4.0,
            }
        )
        cls.finished = Product.create(
            {
                "name": "Widget",
                "is_storable": True,
                "categ_id": cls.categ.id,
                "standard_price": 100.0,
            }
        )
        cls.workcenter = env["mrp.workcenter"].create(
            {"name": "Assembly", "costs_hour": 40.0, "time_efficiency": 100.0}
        )
        cls.bom = env["mrp.bom"].create(
            {
                "product_tmpl_id": cls.finished.product_tmpl_id.id,
                "product_qty": 1.0,
                "consumption": "flexible",
                "bom_line_ids": [
                    Command.create({"product_id": cls.comp_a.id, "product_qty": 2}),
                    Command.create({"product_id": cls.comp_b.id, "product_qty": 3}),
                ],
                "operation_ids": [
                    Command.create(
                        {
                            "name": "Assemble",
                            "workcenter_id": cls.workcenter.id,
                            "time_mode": "manual",
                            "time_cycle_manual": 30.0,
                        }
                    )
                ],
            }
        )
        cls.emp1 = env["hr.employee"].create({"name": "Ann Worker"})
        cls.emp2 = env["hr.employee"].create(
            {"name": "Bob Worker", "hourly_cost": 35.0}
        )
        old = cls.today - timedelta(days=400)
        Rate = env["mes.cost.rate"]
        Rate.create(
            [
                {
                    "rate_type": "labor",
                    "employee_id": cls.emp1.id,
                    "rate": 20.0,
                    "date_from": old,
                },
                {
                    "rate_type": "labor",
                    "employee_id": cls.emp1.id,
                    "rate": 25.0,
                    "date_from": cls.today - timedelta(days=5),
                },
                {
                    "rate_type": "labor",
                    "workcenter_id": cls.workcenter.id,
                    "rate": 30.0,
                    "date_from": old,
                },
                {
                    "rate_type": "machine",
                    "workcenter_id": cls.workcenter.id,
                    "rate": 50.0,
                    "date_from": old,
                },
                {
                    "rate_type": "overhead_hour",
                    "workcenter_id": cls.workcenter.id,
                    "rate": 20.0,
                    "date_from": old,
                },
                {
                    "rate_type": "overhead_material",
                    "categ_id": cls.categ.id,
                    "rate": 10.0,
                    "date_from": old,
                },
            ]
        )
        cls.vendor = env["res.partner"].create({"name": "MES Vendor"})
        cls.timer_user = env["res.users"].create(
            {
                "name": "Machine Operator",
                "login": "mes_costing_operator",
                "group_ids": [Command.link(env.ref("mrp.group_mrp_user").id)],
            }
        )
        cls.productive = env["mrp.workcenter.productivity.loss"].search(
            [("loss_type", "=", "productive")], limit=1
        )

    @classmethod
    def _receive(cls, product, qty, price, lot_name=None, currency=None):
        return cls._mes_buy_and_receive(
            cls.vendor, product, qty, price, lot_name, currency or cls.currency
        )

    @classmethod
    def _lot(cls, product, name):
        return cls.env["stock.lot"].search(
            [("product_id", "=", product.id), ("name", "=", name)]
        )

    @classmethod
    def _make_mo(cls, qty, a_lines, b_qty, machine_minutes, labor, scrap=None):
        """Confirm and close an MO: `a_lines` = [(lot, qty)], `labor` =
        [(employee, date, hours)]."""
        mo = cls.env["mrp.production"].create(
            {"product_id": cls.finished.id, "bom_id": cls.bom.id, "product_qty": qty}
        )
        mo.action_confirm()
        move_a = mo.move_raw_ids.filtered(lambda m: m.product_id == cls.comp_a)
        move_b = mo.move_raw_ids.filtered(lambda m: m.product_id == cls.comp_b)
        move_a.move_line_ids.unlink()
        stock = mo.location_src_id
        move_a.write(
            {
                "move_line_ids": [
                    Command.create(
                        {
                            "product_id": cls.comp_a.id,
                            "lot_id": lot.id,
                            "quantity": lot_qty,
                            "location_id": stock.id,
                            "location_dest_id": move_a.location_dest_id.id,
                        }
                    )
                    for lot, lot_qty in a_lines
                ],
                "picked": True,
            }
        )
        move_b.write({"quantity": b_qty, "picked": True})
        wo = mo.workorder_ids
        now = fields.Datetime.now()
        cls.env["mrp.workcenter.productivity"].create(
            {
                "workorder_id": wo.id,
                "workcenter_id": wo.workcenter_id.id,
                "user_id": cls.timer_user.id,
                "loss_id": cls.productive.id,
                "date_start": now - timedelta(minutes=machine_minutes + 30),
                "date_end": now - timedelta(minutes=30),
            }
        )
        cls.env["mes.labor.entry"].create(
            [
                {
                    "employee_id": emp.id,
                    "workorder_id": wo.id,
                    "date": date,
                    "hours": hours,
                }
                for emp, date, hours in labor
            ]
        )
        if scrap:
            lot, scrap_qty = scrap
            cls.env["stock.scrap"].create(
                {
                    "product_id": cls.comp_a.id,
                    "scrap_qty": scrap_qty,
                    "lot_id": lot.id,
                    "production_id": mo.id,
                    "location_id": stock.id,
                }
            ).action_validate()
        mo.qty_producing = qty
        mo.button_mark_done()
        return mo
