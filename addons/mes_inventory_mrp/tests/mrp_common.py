from datetime import date, datetime, timedelta

from odoo.fields import Command
from odoo.tests.common import freeze_time

from .common import MesCase

# A Monday: ISO weeks and day arithmetic stay easy to check by hand.
RUN_DATE = date(2030, 3, 4)


def day(offset):
    """The run date plus ``offset`` days."""
    return RUN_DATE + timedelta(days=offset)


def at(offset, hour=10):
    """A UTC datetime on the run date plus ``offset`` days."""
    return datetime.combine(day(offset), datetime.min.time()) + timedelta(hours=hour)


@freeze_time("2030-03-04 10:00:00")
class MrpCase(MesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.days_to_purchase = 0
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.customer_location = cls.env.ref("stock.stock_location_customers")
        cls.group = cls.env["mes.mrp.planning.group"].search(
            [("company_id", "=", cls.company.id)]
        )
        cls.planner = cls.env["res.users"].create(
            {
                "name": "Planner Paula",
                "login": "mes_planner_paula",
                "tz": "UTC",
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
                "group_ids": [
                    Command.set(
                        [
                            cls.env.ref("mes_inventory_mrp.group_mrp_planner").id,
                            cls.env.ref("stock.group_stock_user").id,
                            cls.env.ref("purchase.group_purchase_user").id,
                        ]
                    )
                ],
            }
        )
        cls.vendor = cls.env["res.partner"].create({"name": "HuaSteel"})
        cls.vendor2 = cls.env["res.partner"].create({"name": "Nordic Metals"})
        cls.manufacture_route = cls.env.ref("mrp.route_warehouse0_manufacture")
        cls.unit = cls.env.ref("uom.product_uom_unit")
        cls.kg = cls.env.ref("uom.product_uom_kgm")
        cls.gram = cls.env.ref("uom.product_uom_gram")

    # -- data helpers ------------------------------------------------------
    @classmethod
    def _foreign_currency(cls, rate):
        """EUR (USD for a EUR company), active, at ``rate`` units per unit of
        the company's currency, from long before the run date (its one rate)."""
        currency = cls.env.ref("base.EUR")
        if currency == cls.company.currency_id:
            currency = cls.env.ref("base.USD")
        currency.active = True
        cls.env["res.currency.rate"].search(
            [("currency_id", "=", currency.id)]
        ).unlink()
        cls.env["res.currency.rate"].create(
            {
                "currency_id": currency.id,
                "company_id": cls.company.id,
                "name": "2020-01-01",
                "rate": rate,
            }
        )
        return currency

    @classmethod
    def _product(cls, name, make=False, **vals):
        vals = {"name": name, "is_storable": True, **vals}
        if make:
            vals["route_ids"] = [Command.link(cls.manufacture_route.id)]
        return cls.env["product.product"].create(vals)

    @classmethod
    def _seller(cls, product, partner=None, **vals):
        return cls.env["product.supplierinfo"].create(
            {
                "partner_id": (partner or cls.vendor).id,
                "product_tmpl_id": product.product_tmpl_id.id,
                "delay": 0,
                **vals,
            }
        )

    @classmethod
    def _bom(cls, product, lines, bom_type="normal", qty=1.0, uom=None, **vals):
        return cls.env["mrp.bom"].create(
            {
                "product_tmpl_id": product.product_tmpl_id.id,
                "product_qty": qty,
                "product_uom_id": (uom or product.uom_id).id,
                "type": bom_type,
                "bom_line_ids": [
                    Command.create(
                        {
                            "product_id": line[0].id,
                            "product_qty": line[1],
                            "product_uom_id": (
                                line[2] if len(line) > 2 else line[0].uom_id
                            ).id,
                        }
                    )
                    for line in lines
                ],
                **vals,
            }
        )

    def _stock(self, product, qty, location=None, lot=None):
        self.env["stock.quant"]._update_available_quantity(
            product, location or self.stock_location, qty, lot_id=lot
        )

    def _move(self, product, qty, when, source=None, dest=None, picking_type=None):
        move = product.env["stock.move"].create(
            {
                "product_id": product.id,
                "product_uom_qty": qty,
                "product_uom": product.uom_id.id,
                "location_id": (source or self.stock_location).id,
                "location_dest_id": (dest or self.customer_location).id,
                "picking_type_id": (picking_type or self.warehouse.out_type_id).id,
                "date": when,
            }
        )
        move._action_confirm()
        # Confirmation may merge or re-date; the planned date is the test's.
        move.date = when
        return move

    def _delivery(self, product, qty, offset):
        return self._move(product, qty, at(offset))

    def _project_delivery(self, product, qty, offset, project=None):
        """A confirmed delivery of ``qty`` on day ``offset``, of ``project``."""
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.out_type_id.id,
                "location_id": self.stock_location.id,
                "location_dest_id": self.customer_location.id,
                "project_id": project.id if project else False,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "product_uom": product.uom_id.id,
                            "location_id": self.stock_location.id,
                            "location_dest_id": self.customer_location.id,
                            "date": at(offset),
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.move_ids.date = at(offset)
        return picking

    def _purchase(self, product, qty, offset, confirm=True, partner=None):
        order = self.env["purchase.order"].create(
            {
                "partner_id": (partner or self.vendor).id,
                "picking_type_id": self.warehouse.in_type_id.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_qty": qty,
                            "price_unit": 1.0,
                            "date_planned": at(offset),
                        }
                    )
                ],
            }
        )
        if confirm:
            order.button_confirm()
            order.picking_ids.move_ids.date = at(offset)
        return order

    # -- run helpers ---------------------------------------------------------
    def _run(self, group=None, user=None):
        run = (
            self.env["mes.mrp.run"]
            .with_user(user or self.planner)
            .create({"planning_group_id": (group or self.group).id})
        )
        run.action_run()
        return run.sudo()

    def _count_run_queries(self):
        """Queries of one planner's run of the group (flushed, caches cold);
        returns ``(count, run)``."""
        run = (
            self.env["mes.mrp.run"]
            .with_user(self.planner)
            .create({"planning_group_id": self.group.id})
        )
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        run.action_run()
        self.env.flush_all()
        count = self.cr.sql_log_count - before
        self.assertEqual(run.state, "done", run.error_message)
        return count, run

    def _suggestions(self, product, state="new"):
        return self.env["mes.mrp.suggestion"].search(
            [("product_id", "=", product.id), ("state", "=", state)],
            order="date_required, id",
        )

    def _messages(self, product):
        return self.env["mes.mrp.message"].search(
            [("product_id", "=", product.id)], order="date_current, id"
        )

    def _rows(self, records, fields):
        return [tuple(record[f] for f in fields) for record in records]
