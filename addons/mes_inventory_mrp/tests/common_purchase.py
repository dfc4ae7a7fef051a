"""Data and steps of flow 1 (MRP suggestions to purchase orders), shared by the
addon's tests and the cross-addon scenario in tests/scenarios at the repo root."""

from datetime import datetime, time, timedelta

from odoo import Command, fields
from odoo.tests import Form
from odoo.tests.common import new_test_user

from .common import MesCase


class MesPurchaseCase(MesCase):
    """A pump made of steel (kg) and seals (units) with competing vendors.

    - Steel: SteelCorp (USD, kg, 4.00, break 3.60 from 50 kg, 3 days) and
      EuroSteel (EUR, kg, 3.00, minimum 100 kg, 30 days).
    - Seals: FastSeal (USD, units, 0.85, 20 days) and SealCo (USD, dozens,
      12.00, break 10.80 from 2 dozens, 5 days).
    """

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        env = cls.env
        cls.company = env.company
        cls.company.days_to_purchase = 0
        cls.usd = cls.company.currency_id
        cls.eur = env.ref("base.EUR")
        if cls.eur == cls.usd:
            cls.eur = env.ref("base.CHF")
        cls.eur.active = True
        env["res.currency.rate"].search([("currency_id", "=", cls.eur.id)]).unlink()
        env["res.currency.rate"].create(
            {
                "currency_id": cls.eur.id,
                "company_id": cls.company.id,
                "name": fields.Date.today() - timedelta(days=30),
                "rate": 0.5,
            }
        )
        cls.warehouse = env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.group = env["mes.mrp.planning.group"].search(
            [("warehouse_ids", "in", cls.warehouse.ids)], limit=1
        )
        if not cls.group:
            cls.group = env["mes.mrp.planning.group"].create(
                {
                    "name": "Main pool",
                    "company_id": cls.company.id,
                    "warehouse_ids": [Command.set(cls.warehouse.ids)],
                    "warehouse_id": cls.warehouse.id,
                }
            )
        cls.uom_unit = env.ref("uom.product_uom_unit")
        cls.uom_dozen = env.ref("uom.product_uom_dozen")
        cls.uom_kg = env.ref("uom.product_uom_kgm")

        cls.planner = new_test_user(
            env,
            login="mes_planner",
            name="Pia Planner",
            groups="mes_inventory_mrp.group_mrp_planner",
        )
        cls.buyer = new_test_user(
            env,
            login="mes_buyer",
            name="Bob Buyer",
            groups="purchase.group_purchase_user,stock.group_stock_user",
        )
        cls.purchase_manager = new_test_user(
            env,
            login="mes_purchase_manager",
            name="Mia Manager",
            groups="purchase.group_purchase_manager,stock.group_stock_user",
        )

        Partner = env["res.partner"]
        cls.steelcorp = Partner.create({"name": "SteelCorp"})
        cls.eurosteel = Partner.create({"name": "EuroSteel"})
        cls.fastseal = Partner.create({"name": "FastSeal"})
        cls.sealco = Partner.create({"name": "SealCo"})
        cls.customer = Partner.create({"name": "Hydro Customer"})

        Product = env["product.product"]
        cls.steel = Product.create(
            {
                "name": "Steel sheet",
                "is_storable": True,
                "uom_id": cls.uom_kg.id,
                "supplier_taxes_id": [Command.clear()],
            }
        )
        cls.seal = Product.create(
            {
                "name": "Seal",
                "is_storable": True,
                "uom_id": cls.uom_unit.id,
                "supplier_taxes_id": [Command.clear()],
            }
        )
        cls.pump = Product.create(
            {"name": "Pump", "is_storable": True, "uom_id": cls.uom_unit.id}
        )
        Info = env["product.supplierinfo"]
        cls.steel_steelcorp = Info.create(
            cls._vendor(cls.steel, cls.steelcorp, 4.0, delay=3, sequence=1)
        )
        cls.steel_steelcorp_50 = Info.create(
            cls._vendor(cls.steel, cls.steelcorp, 3.6, delay=3, min_qty=50, sequence=1)
        )
        cls.steel_eurosteel = Info.create(
            cls._vendor(
                cls.steel,
                cls.eurosteel,
                3.0,
                delay=30,
                min_qty=100,
                currency=cls.eur,
                sequence=2,
            )
        )
        cls.seal_fastseal = Info.create(
            cls._vendor(cls.seal, cls.fastseal, 0.85, delay=20, sequence=1)
        )
        cls.seal_sealco = Info.create(
            cls._vendor(
                cls.seal, cls.sealco, 12.0, delay=5, uom=cls.uom_dozen, sequence=2
            )
        )
        cls.seal_sealco_2dz = Info.create(
            cls._vendor(
                cls.seal,
                cls.sealco,
                10.8,
                delay=5,
                min_qty=2,
                uom=cls.uom_dozen,
                sequence=2,
            )
        )
        cls.bom = env["mrp.bom"].create(
            {
                "product_tmpl_id": cls.pump.product_tmpl_id.id,
                "product_qty": 1.0,
                "type": "normal",
                "bom_line_ids": [
                    Command.create({"product_id": cls.steel.id, "product_qty": 3.0}),
                    Command.create({"product_id": cls.seal.id, "product_qty": 2.0}),
                ],
            }
        )

    @classmethod
    def _vendor(
        cls,
        product,
        partner,
        price,
        delay=0,
        min_qty=0.0,
        uom=None,
        currency=None,
        sequence=1,
    ):
        return {
            "product_tmpl_id": product.product_tmpl_id.id,
            "partner_id": partner.id,
            "price": price,
            "delay": delay,
            "min_qty": min_qty,
            "product_uom_id": (uom or product.uom_id).id,
            "currency_id": (currency or cls.usd).id,
            "sequence": sequence,
        }

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def today(self):
        return fields.Date.context_today(
            self.env["mes.mrp.run"].with_user(self.planner)
        )

    def day(self, offset):
        return self.today() + timedelta(days=offset)

    def at_noon(self, offset):
        return datetime.combine(self.day(offset), time(12))

    def run_mrp(self):
        """Run the MRP of the pool as the planner; returns the run."""
        run = (
            self.env["mes.mrp.run"]
            .with_user(self.planner)
            .create({"planning_group_id": self.group.id})
        )
        run.action_run()
        self.assertEqual(run.state, "done", run.error_message)
        return run.with_env(self.env)

    def new_suggestions(self, products):
        return (
            self.env["mes.mrp.suggestion"]
            .search(
                [
                    ("product_id", "in", products.ids),
                    ("planning_group_id", "=", self.group.id),
                    ("state", "=", "new"),
                ]
            )
            .sorted(lambda s: (s.product_id.id, s.date_required, s.id))
        )

    def make_mo(self, qty, offset):
        with Form(self.env["mrp.production"]) as mo_form:
            mo_form.product_id = self.pump
            mo_form.bom_id = self.bom
            mo_form.product_qty = qty
            mo_form.date_start = self.at_noon(offset)
        production = mo_form.record
        production.action_confirm()
        return production

    def make_delivery(self, product, qty, offset):
        with Form(self.env["stock.picking"]) as picking_form:
            picking_form.picking_type_id = self.warehouse.out_type_id
            picking_form.partner_id = self.customer
            picking_form.scheduled_date = self.at_noon(offset)
            with picking_form.move_ids.new() as move:
                move.product_id = product
                move.product_uom_qty = qty
        picking = picking_form.record
        picking.action_confirm()
        return picking

    def receive(self, order, qty):
        """Receive ``qty`` of the order's only open receipt, backorder the rest."""
        picking = order.picking_ids.filtered(
            lambda p: p.state not in ("done", "cancel")
        )
        self.assertEqual(len(picking), 1)
        with Form(picking) as picking_form:
            with picking_form.move_ids.edit(0) as move:
                move.quantity = qty
        action = picking.button_validate()
        if isinstance(action, dict):
            Form.from_action(self.env, action).save().process()
        return picking

    def compare_line(self, comparison, suggestion, partner):
        lines = comparison.line_ids.filtered(
            lambda line: line.suggestion_id == suggestion and line.partner_id == partner
        )
        self.assertEqual(len(lines), 1, "one comparison line per vendor offer")
        return lines

    def _projection(self, product):
        action = product.with_user(self.planner).action_open_mes_projection()
        return self.env[action["res_model"]].search(action["domain"])
