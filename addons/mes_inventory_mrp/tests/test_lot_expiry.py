from datetime import datetime

from freezegun import freeze_time

from odoo.tests import tagged

from .common_quality import MesQualityCommon


@tagged("post_install", "-at_install")
class TestLotExpiry(MesQualityCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.category = cls.env["product.category"].create({"name": "Dairy"})
        cls.milk = cls.env["product.product"].create(
            {
                "name": "Milk powder",
                "categ_id": cls.category.id,
                "is_storable": True,
                "tracking": "lot",
                "use_expiration_date": True,
                "expiration_time": 60,
            }
        )
        cls.activity_type = cls.env.ref(
            "mes_inventory_mrp.mail_activity_type_mes_expiry_warning"
        )

    def _run_cron(self):
        self.env["stock.lot"]._mes_cron_expiry_control()

    def _warnings(self, lot):
        return lot.activity_ids.filtered(
            lambda a: a.activity_type_id == self.activity_type
        )

    def test_cron_is_daily(self):
        cron = self.env.ref("mes_inventory_mrp.ir_cron_mes_expiry_control")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))
        self.assertEqual(cron.code, "model._mes_cron_expiry_control()")

    def test_warnings_once_each_then_quarantine(self):
        with freeze_time("2030-01-01 10:00:00"):
            lot = self._lot(
                self.milk,
                "M-001",
                10.0,
                expiration_date=datetime(2030, 3, 2, 10, 0),
            )
            idle = self._lot(
                self.milk, "M-002", 0.0, expiration_date=datetime(2030, 3, 2, 10, 0)
            )
            self.assertEqual(lot.mes_quality_state, "released")
        steps = [
            ("2030-01-20 08:00:00", 0),  # 41 days left
            ("2030-01-31 12:00:00", 1),  # within 30 days
            ("2030-02-01 08:00:00", 1),  # next day: not again
            ("2030-02-10 08:00:00", 1),  # 20 days
            ("2030-02-15 12:00:00", 2),  # within 15 days
            ("2030-02-16 12:00:00", 2),
            ("2030-02-23 12:00:00", 3),  # within 7 days
            ("2030-02-24 12:00:00", 3),
        ]
        for moment, expected in steps:
            with freeze_time(moment):
                self._run_cron()
                self._run_cron()
                self.assertEqual(len(self._warnings(lot)), expected, moment)
                self.assertEqual(lot.mes_quality_state, "released")
        summaries = sorted(self._warnings(lot).mapped("summary"))
        self.assertEqual(
            summaries,
            [
                "Lot M-001 expires within 15 days",
                "Lot M-001 expires within 30 days",
                "Lot M-001 expires within 7 days",
            ],
        )
        manager = self._warnings(lot).user_id
        self.assertEqual(len(manager), 1)
        self.assertTrue(manager.has_group("stock.group_stock_manager"))
        self.assertEqual(lot.mes_expiry_warned_days, 7)
        # No stock, no warning.
        self.assertFalse(self._warnings(idle))
        with freeze_time("2030-02-25 08:00:00"):
            self.assertTrue(lot.mes_expiring_soon)
            self.assertIn(
                lot,
                self.env["stock.lot"].search([("mes_expiring_soon", "=", True)]),
            )
        with freeze_time("2030-03-02 09:00:00"):
            self._run_cron()
            self.assertEqual(lot.mes_quality_state, "released")
        with freeze_time("2030-03-02 10:00:00"):
            self._run_cron()
            self.assertEqual(lot.mes_quality_state, "quarantine")
            self.assertEqual(lot.mes_quality_reason, "expired")
            self.assertIn("Released → Quarantine", lot.message_ids[:1].body)
            self.assertEqual(idle.mes_quality_state, "quarantine")
            self.assertEqual(len(self._warnings(lot)), 3)
            self.assertFalse(lot.mes_expiring_soon)
            # Quarantined by expiry: no longer reserved.
            delivery = self._picking(
                self.warehouse.out_type_id, self.milk, 1.0, partner=self.customer
            )
            delivery.action_assign()
            self.assertEqual(delivery.move_ids.quantity, 0.0)

    def test_company_days_configurable(self):
        settings = self.env["res.config.settings"].create({})
        settings.mes_expiry_warning_days_1 = 10
        settings.mes_expiry_warning_days_2 = 0
        settings.mes_expiry_warning_days_3 = 0
        settings.execute()
        self.assertEqual(self.env.company._mes_expiry_warning_days(), [10])
        with freeze_time("2030-01-01 10:00:00"):
            lot = self._lot(
                self.milk, "M-010", 4.0, expiration_date=datetime(2030, 1, 25, 10, 0)
            )
            self._run_cron()
            self.assertFalse(self._warnings(lot))
            self.assertFalse(lot.mes_expiring_soon)
        with freeze_time("2030-01-16 10:00:00"):
            self._run_cron()
            self.assertEqual(len(self._warnings(lot)), 1)
            self.assertEqual(
                self._warnings(lot).summary, "Lot M-010 expires within 10 days"
            )
        with freeze_time("2030-01-22 10:00:00"):
            self._run_cron()
            self.assertEqual(len(self._warnings(lot)), 1)

    def test_new_expiry_date_restarts_warnings(self):
        with freeze_time("2030-01-01 10:00:00"):
            lot = self._lot(
                self.milk, "M-020", 4.0, expiration_date=datetime(2030, 1, 5, 10, 0)
            )
            self._run_cron()
            self.assertEqual(lot.mes_expiry_warned_days, 7)
            lot.expiration_date = datetime(2030, 1, 20, 10, 0)
            self.assertEqual(lot.mes_expiry_warned_days, 0)
            self._run_cron()
            self.assertEqual(lot.mes_expiry_warned_days, 30)

    def test_fefo_by_default(self):
        with freeze_time("2030-01-01 10:00:00"):
            late = self._lot(
                self.milk, "M-030", 5.0, expiration_date=datetime(2030, 6, 1)
            )
        with freeze_time("2030-01-02 10:00:00"):
            early = self._lot(
                self.milk, "M-031", 5.0, expiration_date=datetime(2030, 3, 1)
            )
            pending = self._lot(
                self.milk, "M-032", 5.0, expiration_date=datetime(2030, 2, 1)
            )
            pending.mes_set_quality_state("pending", "sample taken")
            self.assertEqual(
                self.env["stock.quant"]._get_removal_strategy(self.milk, self.stock),
                "fefo",
            )
            delivery = self._picking(
                self.warehouse.out_type_id, self.milk, 7.0, partner=self.customer
            )
            delivery.action_assign()
            lines = delivery.move_line_ids.sorted("quantity")
            self.assertEqual(lines.mapped("lot_id"), late | early)
            self.assertEqual(lines.mapped("quantity"), [2.0, 5.0])
            self.assertEqual(lines[1].lot_id, early)
            self.assertNotIn(late, lines[1].lot_id)
        # An explicit FIFO on the category wins.
        self.milk.categ_id.removal_strategy_id = self.env.ref("stock.removal_fifo")
        self.assertEqual(
            self.env["stock.quant"]._get_removal_strategy(self.milk, self.stock),
            "fifo",
        )
