from datetime import datetime, timedelta

import odoo.sql_db
from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tests.common import TransactionCase, new_test_user


class StockAlertCase(TransactionCase):
    """A small plant: one warehouse (its planning group), a bin, a vendor."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = env.company
        cls.company.write(
            {
                "mes_alert_slow_days_1": 30,
                "mes_alert_slow_days_2": 60,
                "mes_alert_slow_days_3": 90,
                "mes_alert_zero_days": 90,
                "mes_alert_count_tolerance": 5.0,
                "mes_alert_price_tolerance": 10.0,
                "mes_alert_notify": "activity",
            }
        )
        cls.warehouse = env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.stock = cls.warehouse.lot_stock_id
        cls.group = env["mes.mrp.planning.group"].search(
            [("warehouse_ids", "in", cls.warehouse.ids)], limit=1
        )
        cls.bin = env["stock.location"].create(
            {"name": "Bin 1", "usage": "internal", "location_id": cls.stock.id}
        )
        cls.customers = env.ref("stock.stock_location_customers")
        cls.suppliers = env.ref("stock.stock_location_suppliers")
        cls.vendor = env["res.partner"].create({"name": "SteelCorp"})
        cls.clerk = new_test_user(
            env,
            login="mes_al_clerk",
            name="Carl Clerk",
            groups="stock.group_stock_user",
        )
        cls.buyer = new_test_user(
            env,
            login="mes_al_buyer",
            name="Bea Buyer",
            groups="purchase.group_purchase_user",
        )
        cls.stock_boss = new_test_user(
            env,
            login="mes_al_boss",
            name="Sam Stockman",
            groups="stock.group_stock_manager",
        )
        cls.outsider = new_test_user(
            env, login="mes_al_outsider", name="Otto", groups="base.group_user"
        )
        cls.company.mes_alert_purchase_user_id = cls.buyer
        cls.company.mes_alert_stock_user_id = cls.stock_boss

    @classmethod
    def product(cls, code, price=10.0):
        return cls.env["product.product"].create(
            {
                "name": code.title(),
                "default_code": code,
                "is_storable": True,
                "standard_price": price,
                "supplier_taxes_id": [Command.clear()],
            }
        )

    @classmethod
    def put(cls, product, qty, location=None, in_date=None):
        cls.env["stock.quant"]._update_available_quantity(
            product, location or cls.stock, qty, in_date=in_date
        )

    @classmethod
    def move(cls, product, qty, source, dest, done=False, date=None):
        move = cls.env["stock.move"].create(
            {
                "product_id": product.id,
                "product_uom_qty": qty,
                "location_id": source.id,
                "location_dest_id": dest.id,
            }
        )
        move._action_confirm()
        if done:
            move._action_assign()
            move.quantity = qty
            move.picked = True
            move._action_done()
        if date:
            move.write({"date": date})
            move.move_line_ids.write({"date": date})
        return move

    def run_job(self):
        return self.env["mes.stock.alert"]._cron_compute_alerts()

    def alerts(self, product, **where):
        domain = [("product_id", "=", product.id)]
        domain += [(k, "=", v) for k, v in where.items()]
        return self.env["mes.stock.alert"].sudo().search(domain)

    def open_alert(self, product, kind):
        alert = self.alerts(product, kind=kind).filtered(
            lambda a: a.state != "resolved"
        )
        self.assertEqual(len(alert), 1, f"one open {kind} alert for {product.name}")
        return alert

    def assertNoAlert(self, product, kind):
        self.assertFalse(
            self.alerts(product, kind=kind).filtered(lambda a: a.state != "resolved"),
            f"no {kind} alert for {product.name}",
        )


@tagged("post_install", "-at_install")
class TestStockAlert(StockAlertCase):
    def orderpoint(self, product, qmin, qmax):
        return self.env["stock.warehouse.orderpoint"].create(
            {
                "product_id": product.id,
                "warehouse_id": self.warehouse.id,
                "location_id": self.stock.id,
                "product_min_qty": qmin,
                "product_max_qty": qmax,
                "trigger": "manual",
            }
        )

    # ------------------------------------------------------------------
    # min / max
    # ------------------------------------------------------------------
    def test_below_minimum(self):
        bolt, nut, washer = self.product("BOLT"), self.product("NUT"), self.product("W")
        rule = self.orderpoint(bolt, 10, 50)
        self.orderpoint(nut, 10, 50)
        self.put(bolt, 3.0)
        self.put(bolt, 1.0, self.bin)  # the pool: every nettable location
        self.put(nut, 10.0)  # at the minimum: fine
        self.put(washer, 1.0)  # no rule, no alert
        self.run_job()
        alert = self.open_alert(bolt, "below_minimum")
        self.assertRecordValues(
            alert,
            [
                {
                    "level": "warning",
                    "state": "open",
                    "warehouse_id": self.warehouse.id,
                    "planning_group_id": self.group.id,
                    "orderpoint_id": rule.id,
                    "qty_on_hand": 4.0,
                    "qty_min": 10.0,
                    "qty_max": 50.0,
                    "user_id": self.buyer.id,
                }
            ],
        )
        self.assertIn("4 Units on hand", alert.message)
        self.assertIn("below the minimum of 10 Units", alert.message)
        self.assertEqual(alert.first_seen, alert.last_seen)
        self.assertNoAlert(nut, "below_minimum")
        self.assertFalse(self.alerts(washer))

        # stock arrives: the alert resolves itself
        self.put(bolt, 6.0)
        self.run_job()
        self.assertEqual(alert.state, "resolved")
        self.assertTrue(alert.resolved_date)
        self.assertNoAlert(bolt, "below_minimum")

    def test_above_maximum_and_figures_follow(self):
        bolt = self.product("BOLT")
        self.orderpoint(bolt, 5, 20)
        self.put(bolt, 30.0)
        self.run_job()
        alert = self.open_alert(bolt, "above_maximum")
        self.assertRecordValues(
            alert, [{"level": "info", "qty_on_hand": 30.0, "qty_max": 20.0}]
        )
        self.assertNoAlert(bolt, "below_minimum")
        self.put(bolt, 5.0)
        self.run_job()
        self.assertEqual(self.open_alert(bolt, "above_maximum"), alert)
        self.assertEqual(alert.qty_on_hand, 35.0)
        self.put(bolt, -15.0)
        self.run_job()
        self.assertEqual(alert.state, "resolved")

    def test_rules_without_min_or_max_raise_nothing(self):
        bolt = self.product("BOLT")
        self.orderpoint(bolt, 0, 0)  # as Odoo's replenishment report makes them
        self.put(bolt, 30.0)
        self.run_job()
        self.assertFalse(self.alerts(bolt))

    # ------------------------------------------------------------------
    # zero stock
    # ------------------------------------------------------------------
    def test_zero_stock_with_demand(self):
        bolt, idle = self.product("BOLT"), self.product("IDLE")
        self.move(bolt, 7.0, self.stock, self.customers)  # demand, nothing on hand
        self.run_job()
        alert = self.open_alert(bolt, "zero_stock")
        self.assertRecordValues(
            alert,
            [
                {
                    "level": "critical",
                    "qty_on_hand": 0.0,
                    "qty_incoming": 0.0,
                    "qty_demand": 7.0,
                    "qty_recent_out": 0.0,
                    "warehouse_id": self.warehouse.id,
                }
            ],
        )
        self.assertIn("nothing on hand and nothing incoming", alert.message)
        self.assertFalse(self.alerts(idle))

        # something incoming: not a zero-stock product any more
        self.move(bolt, 10.0, self.suppliers, self.stock)
        self.run_job()
        self.assertEqual(alert.state, "resolved")

    def test_zero_stock_goes_to_the_main_vendors_buyer(self):
        bolt = self.product("BOLT")
        other_buyer = new_test_user(
            self.env,
            login="mes_al_buyer2",
            name="Ben Buyer",
            groups="purchase.group_purchase_user",
        )
        self.vendor.buyer_id = other_buyer
        second = self.env["res.partner"].create(
            {"name": "Backup Steel", "buyer_id": self.buyer.id}
        )
        self.env["product.supplierinfo"].create(
            [
                {
                    "product_tmpl_id": bolt.product_tmpl_id.id,
                    "partner_id": partner.id,
                    "price": 1.0,
                    "sequence": sequence,
                }
                for partner, sequence in ((second, 2), (self.vendor, 1))
            ]
        )
        self.move(bolt, 7.0, self.stock, self.customers)
        self.run_job()
        alert = self.open_alert(bolt, "zero_stock")
        self.assertEqual(alert.user_id, other_buyer)
        self.assertEqual(alert.activity_ids.user_id, other_buyer)

    def test_zero_stock_sold_recently(self):
        bolt, old = self.product("BOLT"), self.product("OLD")
        self.put(bolt, 5.0)
        self.put(old, 5.0)
        self.move(bolt, 5.0, self.stock, self.customers, done=True)
        self.move(
            old,
            5.0,
            self.stock,
            self.customers,
            done=True,
            date=fields.Datetime.now() - timedelta(days=120),
        )
        self.run_job()
        alert = self.open_alert(bolt, "zero_stock")
        self.assertEqual(alert.qty_recent_out, 5.0)
        self.assertEqual(alert.qty_demand, 0.0)
        # sold 120 days ago only: not a product anyone still needs
        self.assertNoAlert(old, "zero_stock")
        self.put(bolt, 1.0)
        self.run_job()
        self.assertEqual(alert.state, "resolved")

    def test_zero_stock_with_stock_only_in_quarantine(self):
        bolt = self.product("BOLT")
        quarantine = self.env["stock.location"].create(
            {
                "name": "Quarantine",
                "usage": "internal",
                "location_id": self.stock.id,
                "mes_mrp_nettable": False,
            }
        )
        self.put(bolt, 5.0, quarantine)
        self.move(bolt, 2.0, self.bin, self.customers)
        self.run_job()
        self.assertEqual(self.open_alert(bolt, "zero_stock").qty_demand, 2.0)

    # ------------------------------------------------------------------
    # slow moving
    # ------------------------------------------------------------------
    def test_slow_moving_levels_and_value(self):
        now = fields.Datetime.now()
        crit, warn, info, fresh, busy = (
            self.product("CRIT", 25.0),
            self.product("WARN", 2.0),
            self.product("INFO", 1.0),
            self.product("FRESH"),
            self.product("BUSY"),
        )
        self.put(crit, 12.0, in_date=now - timedelta(days=95))
        self.put(warn, 4.0, in_date=now - timedelta(days=200))
        self.move(
            warn,
            1.0,
            self.stock,
            self.customers,
            done=True,
            date=now - timedelta(days=61),
        )
        self.put(info, 2.0, in_date=now - timedelta(days=31))
        self.put(fresh, 2.0, in_date=now - timedelta(days=29))
        self.put(busy, 9.0, in_date=now - timedelta(days=300))
        self.move(
            busy,
            1.0,
            self.stock,
            self.customers,
            done=True,
            date=now - timedelta(days=3),
        )
        self.run_job()
        alert = self.open_alert(crit, "slow_moving")
        self.assertRecordValues(
            alert,
            [
                {
                    "level": "critical",
                    "qty_on_hand": 12.0,
                    "days_idle": 95,
                    "threshold": 90.0,
                    "value": 300.0,
                    "last_out_date": False,
                    "user_id": self.stock_boss.id,
                }
            ],
        )
        self.assertIn("without any outgoing move for 95 days", alert.message)
        self.assertRecordValues(
            self.open_alert(warn, "slow_moving"),
            [{"level": "warning", "days_idle": 61, "qty_on_hand": 3.0, "value": 6.0}],
        )
        self.assertRecordValues(
            self.open_alert(info, "slow_moving"),
            [{"level": "info", "days_idle": 31, "threshold": 30.0}],
        )
        self.assertNoAlert(fresh, "slow_moving")
        self.assertNoAlert(busy, "slow_moving")

        # it moves: resolved
        self.move(crit, 1.0, self.stock, self.customers, done=True)
        self.run_job()
        self.assertEqual(alert.state, "resolved")

    def test_slow_moving_thresholds_configurable(self):
        crit = self.product("CRIT")
        self.put(crit, 1.0, in_date=fields.Datetime.now() - timedelta(days=12))
        self.run_job()
        self.assertNoAlert(crit, "slow_moving")
        with Form(self.env["res.config.settings"]) as settings:
            settings.mes_alert_slow_days_1 = 5
            settings.mes_alert_slow_days_2 = 10
            settings.mes_alert_slow_days_3 = 20
        self.run_job()
        self.assertRecordValues(
            self.open_alert(crit, "slow_moving"),
            [{"level": "warning", "threshold": 10.0, "days_idle": 12}],
        )

    # ------------------------------------------------------------------
    # anomalies
    # ------------------------------------------------------------------
    def test_negative_quant(self):
        bolt, nut = self.product("BOLT"), self.product("NUT")
        self.put(bolt, -3.0, self.bin)
        self.put(nut, 2.0, self.bin)
        self.run_job()
        alert = self.open_alert(bolt, "anomaly")
        self.assertRecordValues(
            alert,
            [
                {
                    "anomaly_type": "negative_quant",
                    "level": "critical",
                    "location_id": self.bin.id,
                    "warehouse_id": self.warehouse.id,
                    "qty_on_hand": -3.0,
                }
            ],
        )
        self.assertIn("negative stock of -3 Units in WH/Stock/Bin 1", alert.message)
        self.assertFalse(self.alerts(nut, kind="anomaly"))
        self.put(bolt, 3.0, self.bin)
        self.run_job()
        self.assertEqual(alert.state, "resolved")

    def test_count_difference(self):
        bolt, nut = self.product("BOLT"), self.product("NUT")
        self.put(bolt, 100.0, self.bin)
        self.put(nut, 100.0, self.bin)
        Count = self.env["mes.stock.count"]
        for product, qty in ((bolt, 90.0), (nut, 96.0)):
            Count.create(
                {
                    "product_id": product.id,
                    "location_id": self.bin.id,
                    "quantity": qty,
                    "counted_at": datetime(2026, 3, 1, 8, 0),
                }
            )
        self.run_job()
        alert = self.open_alert(bolt, "anomaly")
        self.assertRecordValues(
            alert,
            [
                {
                    "anomaly_type": "count_difference",
                    "level": "warning",
                    "location_id": self.bin.id,
                    "qty_counted": 90.0,
                    "qty_book": 100.0,
                    "difference_pct": 10.0,
                    "threshold": 5.0,
                }
            ],
        )
        self.assertIn("counted 90 Units", alert.message)
        self.assertIn("against 100 Units in the books", alert.message)
        self.assertNoAlert(nut, "anomaly")  # 4 %: within the tolerance

        # the count is reconciled: the books follow it, the anomaly is gone
        run = self.env["mes.stock.reconciliation"].create({})
        run.action_compute()
        run.action_apply()
        self.run_job()
        self.assertEqual(alert.state, "resolved")

    def test_count_difference_of_odoo_counts(self):
        bolt = self.product("BOLT")
        self.put(bolt, 20.0, self.bin)
        quant = self.env["stock.quant"].search(
            [("product_id", "=", bolt.id), ("location_id", "=", self.bin.id)]
        )
        quant.with_context(inventory_mode=True).inventory_quantity = 25.0
        self.run_job()
        alert = self.open_alert(bolt, "anomaly")
        self.assertRecordValues(
            alert, [{"qty_counted": 25.0, "qty_book": 20.0, "difference_pct": 25.0}]
        )

    def order(self, product, price, discount=0.0, date=None):
        po = self.env["purchase.order"].create(
            {
                "partner_id": self.vendor.id,
                "user_id": self.buyer.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_qty": 10.0,
                            "price_unit": price,
                            "discount": discount,
                        }
                    )
                ],
            }
        )
        po.button_confirm()
        if date:
            po.date_approve = date
        return po

    def test_purchase_price_increase(self):
        bolt, nut = self.product("BOLT"), self.product("NUT")
        earlier = fields.Datetime.now() - timedelta(days=10)
        first = self.order(bolt, 10.0, date=earlier)
        second = self.order(bolt, 11.5)
        self.order(nut, 10.0, date=earlier)
        self.order(nut, 12.0, discount=10.0)  # 10.80: 8 % more
        self.run_job()
        alert = self.open_alert(bolt, "anomaly")
        self.assertRecordValues(
            alert,
            [
                {
                    "anomaly_type": "purchase_price",
                    "level": "warning",
                    "purchase_line_id": second.order_line.id,
                    "previous_purchase_line_id": first.order_line.id,
                    "price_unit": 11.5,
                    "price_previous": 10.0,
                    "price_increase_pct": 15.0,
                    "threshold": 10.0,
                    "user_id": self.buyer.id,
                    "warehouse_id": False,
                }
            ],
        )
        self.assertIn(second.name, alert.message)
        self.assertNoAlert(nut, "anomaly")
        # the next purchase is back at that price: resolved
        self.order(bolt, 11.5)
        self.run_job()
        self.assertEqual(alert.state, "resolved")

    # ------------------------------------------------------------------
    # notification, acknowledgement, security
    # ------------------------------------------------------------------
    def test_critical_notifies_once_and_acknowledge_silences(self):
        bolt = self.product("BOLT")
        self.move(bolt, 7.0, self.stock, self.customers)
        self.run_job()
        alert = self.open_alert(bolt, "zero_stock")
        activity = alert.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.buyer)
        self.assertIn("Critical stock alert", activity.summary)
        self.assertTrue(alert.notified_date)
        self.run_job()
        self.assertEqual(alert.activity_ids, activity, "notified once")

        # the buyer acknowledges it through the dialog, with a note
        action = alert.with_user(self.buyer).action_acknowledge()
        wizard = Form(
            self.env[action["res_model"]]
            .with_user(self.buyer)
            .with_context(**action["context"])
        )
        wizard.note = "PO to SteelCorp on Monday"
        wizard.save().action_confirm()
        self.assertRecordValues(
            alert,
            [
                {
                    "state": "acknowledged",
                    "acknowledged_by_id": self.buyer.id,
                    "note": "PO to SteelCorp on Monday",
                }
            ],
        )
        self.assertFalse(alert.activity_ids, "the activity is done")
        self.move(bolt, 3.0, self.stock, self.customers)
        self.run_job()
        self.assertEqual(alert.state, "acknowledged")
        self.assertEqual(alert.qty_demand, 10.0)
        self.assertFalse(alert.activity_ids, "acknowledged: not notified again")
        self.assertEqual(
            self.env["mail.activity"].search_count(
                [("res_model", "=", "mes.stock.alert"), ("res_id", "=", alert.id)]
            ),
            0,
        )

    def test_escalation_to_critical_notifies_unless_acknowledged(self):
        slow, other = self.product("SLOW"), self.product("OTHER")
        now = fields.Datetime.now()
        self.put(slow, 1.0, in_date=now - timedelta(days=70))
        self.put(other, 1.0, in_date=now - timedelta(days=70))
        self.run_job()
        alert = self.open_alert(slow, "slow_moving")
        other_alert = self.open_alert(other, "slow_moving")
        self.assertEqual(alert.level, "warning")
        self.assertFalse(alert.activity_ids)
        other_alert.with_user(self.clerk).action_acknowledge(note="Sale next week")
        self.company.mes_alert_slow_days_3 = 65
        self.run_job()
        self.assertEqual(alert.level, "critical")
        self.assertEqual(alert.activity_ids.user_id, self.stock_boss)
        self.assertEqual(other_alert.level, "critical")
        self.assertFalse(other_alert.activity_ids)

    def test_email_notification(self):
        self.company.mes_alert_notify = "email"
        self.buyer.email = "bea@example.com"
        bolt, nut = self.product("BOLT"), self.product("NUT")
        self.move(bolt, 7.0, self.stock, self.customers)
        self.move(nut, 2.0, self.stock, self.customers)
        Mail = self.env["mail.mail"]
        domain = [("email_to", "ilike", "bea@example.com")]
        self.run_job()
        mail = Mail.search(domain)
        self.assertEqual(len(mail), 1, "one email listing both alerts")
        self.assertIn("2 stock alert(s) became critical", mail.subject)
        self.assertIn("[BOLT] Bolt", mail.body_html)
        self.assertIn("[NUT] Nut", mail.body_html)
        alert = self.open_alert(bolt, "zero_stock")
        self.assertTrue(alert.notified_date)
        self.assertFalse(alert.activity_ids)
        self.run_job()
        self.assertEqual(Mail.search_count(domain), 1, "notified once")

    def test_condition_back_is_a_new_alert(self):
        bolt = self.product("BOLT")
        self.put(bolt, -1.0, self.bin)
        self.run_job()
        first = self.open_alert(bolt, "anomaly")
        self.put(bolt, 1.0, self.bin)
        self.run_job()
        self.put(bolt, -2.0, self.bin)
        self.run_job()
        second = self.open_alert(bolt, "anomaly")
        self.assertNotEqual(first, second)
        self.assertEqual(first.state, "resolved")
        self.assertEqual(second.qty_on_hand, -2.0)
        self.assertEqual(len(second.activity_ids), 1)

    def test_acknowledge_refusals(self):
        bolt = self.product("BOLT")
        self.put(bolt, -1.0, self.bin)
        self.run_job()
        alert = self.open_alert(bolt, "anomaly")
        with self.assertRaises(AccessError):
            alert.with_user(self.outsider).action_acknowledge(note="x")
        with self.assertRaisesRegex(ValidationError, "note is required"):
            alert.with_user(self.clerk).action_acknowledge(note="   ")
        with self.assertRaisesRegex(ValidationError, "note is required"):
            alert.with_user(self.clerk).action_acknowledge(note=42)
        # nobody writes an alert by hand, not even a stock manager
        with self.assertRaises(AccessError):
            alert.with_user(self.stock_boss).write({"state": "resolved"})
        with self.assertRaises(AccessError):
            self.env["mes.stock.alert"].with_user(self.stock_boss).create(
                {
                    "company_id": self.company.id,
                    "product_id": bolt.id,
                    "kind": "zero_stock",
                    "level": "info",
                }
            )
        alert.with_user(self.clerk).action_acknowledge(note="Counting it")
        with self.assertRaisesRegex(UserError, "only open alerts"):
            alert.with_user(self.clerk).action_acknowledge(note="again")

    def test_other_company_alerts_hidden(self):
        other = self.env["res.company"].create({"name": "Other Plant"})
        bolt = self.product("BOLT")
        other_stock = self.env["stock.warehouse"].search(
            [("company_id", "=", other.id)], limit=1
        )
        self.env["stock.quant"].with_company(other)._update_available_quantity(
            bolt, other_stock.lot_stock_id, -4.0
        )
        self.run_job()
        alert = self.alerts(bolt, kind="anomaly")
        self.assertEqual(alert.company_id, other)
        Alert = self.env["mes.stock.alert"].with_user(self.clerk)
        self.assertFalse(Alert.search([("id", "=", alert.id)]))
        with self.assertRaises(AccessError):
            alert.with_user(self.clerk).action_acknowledge(note="not mine")
        self.assertEqual(alert.state, "open")

    def test_hostile_thresholds_refused(self):
        for vals in (
            {"mes_alert_slow_days_1": 0},
            {"mes_alert_slow_days_1": 70},  # above the second
            {"mes_alert_slow_days_3": -5},
            {"mes_alert_zero_days": 0},
            {"mes_alert_count_tolerance": 0.0},
            {"mes_alert_price_tolerance": -10.0},
        ):
            with self.subTest(vals=vals), self.assertRaises(ValidationError):
                self.company.write(vals)
        self.assertEqual(self.company.mes_alert_slow_days_1, 30)
        with self.assertRaises(ValueError):
            self.company.write({"mes_alert_zero_days": "ninety"})

    def test_compute_now_button(self):
        bolt = self.product("BOLT")
        self.put(bolt, -1.0, self.bin)
        self.env["mes.stock.alert"].with_user(self.clerk).action_compute_alerts()
        self.assertTrue(self.alerts(bolt))
        with self.assertRaises(AccessError):
            self.env["mes.stock.alert"].with_user(self.outsider).action_compute_alerts()


@tagged("post_install", "-at_install")
class TestStockAlertQueries(StockAlertCase):
    """The job reads and writes in a fixed number of queries."""

    def plant(self, size, tag):
        products = self.env["product.product"].create(
            [
                {
                    "name": f"{tag} {i}",
                    "default_code": f"{tag}-{i}",
                    "is_storable": True,
                    "standard_price": 2.0,
                }
                for i in range(size)
            ]
        )
        self.env["stock.warehouse.orderpoint"].create(
            [
                {
                    "product_id": p.id,
                    "warehouse_id": self.warehouse.id,
                    "location_id": self.stock.id,
                    "product_min_qty": 10.0,
                    "product_max_qty": 20.0,
                    "trigger": "manual",
                }
                for p in products
            ]
        )
        old = fields.Datetime.now() - timedelta(days=100)
        for product in products:
            # below minimum and slow moving (critical: notified)
            self.put(product, 4.0, self.bin, in_date=old)
        return products

    def count_job(self, companies):
        self.env.flush_all()
        self.env.invalidate_all()
        before = odoo.sql_db.sql_counter
        self.env["mes.stock.alert"]._compute_stock_alerts(companies)
        self.env.flush_all()
        return odoo.sql_db.sql_counter - before

    def test_query_count_does_not_grow_with_products(self):
        counts = {}
        # 5: a warm-up, so that both measures find the same registry caches
        for size in (5, 50, 500):
            with self.subTest(size=size):
                company = self.env["res.company"].create({"name": f"Plant {size}"})
                self.env = self.env(
                    context=dict(self.env.context, allowed_company_ids=[company.id])
                )
                self.warehouse = self.env["stock.warehouse"].search(
                    [("company_id", "=", company.id)], limit=1
                )
                self.stock = self.warehouse.lot_stock_id
                self.bin = self.env["stock.location"].create(
                    {"name": "Bin", "usage": "internal", "location_id": self.stock.id}
                )
                company.mes_alert_stock_user_id = self.stock_boss
                products = self.plant(size, f"P{size}")
                first = self.count_job(company)  # creates every alert
                self.assertEqual(
                    self.env["mes.stock.alert"].search_count(
                        [("company_id", "=", company.id), ("state", "=", "open")]
                    ),
                    2 * size,
                )
                for product in products[: size // 2]:
                    self.put(product, 10.0, self.bin)  # half of them change
                second = self.count_job(company)  # updates and resolves
                third = self.count_job(company)  # nothing changes
                counts[size] = (first, second, third)
                alerts = self.env["mes.stock.alert"].search(
                    [("company_id", "=", company.id)]
                )
                critical = alerts.filtered(lambda a: a.level == "critical")
                self.assertEqual(len(critical), size)
                self.assertTrue(all(critical.mapped("notified_date")))
                self.assertFalse(any((alerts - critical).mapped("notified_date")))
                self.assertEqual(len(critical.activity_ids), size, "once each")
                self.assertEqual(
                    set(critical.activity_ids.mapped("res_id")), set(critical.ids)
                )
        self.assertEqual(counts[50], counts[500], counts)
        self.assertLessEqual(counts[50][0], 40, counts)
