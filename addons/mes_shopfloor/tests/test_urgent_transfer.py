from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common import ShopfloorCommon


@tagged("post_install", "-at_install")
class TestUrgentTransfer(ShopfloorCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tier = cls.env["tier.definition"].create(
            {
                "name": "Urgent transfers: shop-floor administrator",
                "model_id": cls.env["ir.model"]._get_id("mes.urgent.transfer"),
                "review_type": "group",
                "reviewer_group_id": cls.env.ref(
                    "mes_shopfloor.group_shopfloor_manager"
                ).id,
                "definition_domain": "[]",
            }
        )

    def _short_mo(self):
        """Bracket MO short of housings: central has none, Remote has 30."""
        self._stock(self.housing, self.remote.lot_stock_id, 30)
        mo = self._mo(self.bracket_bom, 10)
        self.assertEqual(mo.mes_kitting_state, "not_kitted")
        return mo

    def _request(self, mo, user):
        form = Form(self.env["mes.urgent.transfer"].with_user(user))
        form.production_id = mo
        form.product_id = self.housing
        form.quantity = 10
        form.reason = "Line A stops in 20 minutes"
        return form.save()

    def test_flow_shortage_stock_view_request_tier_approval_receive_kitted(self):
        """Seed flow 3 with a tier approval."""
        mo = self._short_mo()
        self.assertEqual(mo.mes_shortage_ids.qty_missing, 10.0)
        view = self.env["mes.stock.view"].search(
            [("product_id", "=", self.housing.id), ("state", "=", "available")]
        )
        self.assertEqual(view.warehouse_id, self.remote)
        self.assertEqual(view.location_role, "central")
        self.assertEqual(view.quantity, 30.0)

        transfer = self._request(mo, self.shopfloor_user)
        self.assertEqual(transfer.location_dest_id, self.line_a)
        self.assertEqual(transfer.source_warehouse_id, self.remote)
        self.assertEqual(transfer.requested_by_id, self.shopfloor_user)
        transfer.action_request()
        self.assertEqual(transfer.state, "to_approve")
        self.assertEqual(len(transfer.review_ids), 1)
        # The requester is no reviewer: refused.
        with self.assertRaises(AccessError):
            transfer.validate_tier()
        with self.assertRaises(ValidationError):
            transfer.action_approve()
        self.assertEqual(transfer.state, "to_approve")
        transfer.with_user(self.shopfloor_manager).validate_tier()
        self.assertEqual(transfer.state, "approved")
        self.assertEqual(transfer.approved_by_id, self.shopfloor_manager)
        transfer.action_release()
        self.assertEqual(transfer.state, "in_transit")
        picking = transfer.picking_id
        self.assertEqual(picking.priority, "1")
        self.assertEqual(picking.location_id, self.remote.lot_stock_id)
        self.assertEqual(picking.location_dest_id, self.line_a)
        self.assertEqual(picking.mes_production_id, mo)
        in_transit = self.env["mes.stock.view"].search(
            [
                ("product_id", "=", self.housing.id),
                ("state", "=", "in_transit_internal"),
            ]
        )
        self.assertEqual(in_transit.warehouse_id, self.shop)
        self.assertEqual(in_transit.location_role, "line_side")
        self.assertEqual(in_transit.quantity, 10.0)
        self._validate(picking)
        self.assertEqual(transfer.state, "done")
        self.assertTrue(transfer.date_received)
        self.assertGreaterEqual(transfer.lead_time_minutes, 0.0)
        self.assertEqual(self._qty(self.housing, self.line_a), 10.0)
        self.assertEqual(mo.mes_kitting_state, "kitted")
        self.assertEqual(
            transfer.log_ids.mapped("event"),
            ["receive", "release", "approve", "request"],
        )

    def test_flow_fast_track(self):
        """Seed flow 3 with the fast track: one click, logged, timed."""
        mo = self._short_mo()
        with freeze_time("2031-05-06 10:00:00"):
            transfer = self._request(mo, self.fast_tracker)
            transfer.action_request()
            self.assertEqual(transfer.review_ids.status, "pending")
        with freeze_time("2031-05-06 10:02:00"):
            transfer.with_user(self.fast_tracker).action_fast_track()
        self.assertEqual(transfer.state, "in_transit")
        self.assertTrue(transfer.is_fast_track)
        self.assertEqual(transfer.fast_track_user_id, self.fast_tracker)
        self.assertEqual(
            transfer.fast_track_date, fields.Datetime.to_datetime("2031-05-06 10:02:00")
        )
        self.assertEqual(transfer.review_ids.status, "approved")
        self.assertEqual(transfer.review_ids.done_by, self.fast_tracker)
        self.assertEqual(transfer.picking_id.priority, "1")
        log = transfer.log_ids.filtered(lambda entry: entry.event == "fast_track")
        self.assertEqual(log.user_id, self.fast_tracker)
        self.assertEqual(log.note, "Line A stops in 20 minutes")
        self.assertEqual(log.date, fields.Datetime.to_datetime("2031-05-06 10:02:00"))
        with freeze_time("2031-05-06 10:27:00"):
            self._validate(transfer.picking_id)
        self.assertEqual(transfer.state, "done")
        self.assertEqual(transfer.lead_time_minutes, 27.0)
        self.assertEqual(mo.mes_kitting_state, "kitted")

    def test_rights_user_without_approver_or_fast_track_group_is_refused(self):
        self.tier.active = False
        mo = self._short_mo()
        transfer = self._request(mo, self.shopfloor_user)
        transfer.action_request()
        self.assertFalse(transfer.review_ids)
        with self.assertRaises(AccessError):
            transfer.with_user(self.shopfloor_user).action_approve()
        with self.assertRaises(AccessError):
            transfer.with_user(self.shopfloor_user).action_fast_track()
        self.assertEqual(transfer.state, "to_approve")
        transfer.with_user(self.shopfloor_manager).action_approve()
        self.assertEqual(transfer.state, "approved")
        stock_only = self.env["res.users"].create(
            {
                "name": "Stock clerk",
                "login": "stock_clerk",
                "group_ids": [(6, 0, [self.env.ref("stock.group_stock_user").id])],
            }
        )
        with self.assertRaises(AccessError):
            self.env["mes.urgent.transfer"].with_user(stock_only).create(
                {
                    "product_id": self.housing.id,
                    "quantity": 1,
                    "location_dest_id": self.line_a.id,
                }
            )

    def test_request_needs_a_reason(self):
        mo = self._short_mo()
        transfer = self._request(mo, self.shopfloor_user)
        transfer.reason = False
        with self.assertRaisesRegex(ValidationError, "say why it is urgent"):
            transfer.action_request()
        self.assertEqual(transfer.state, "draft")

    def test_overdue_request_raises_one_activity(self):
        self.company.mes_urgent_target_minutes = 30
        mo = self._short_mo()
        with freeze_time("2031-05-06 10:00:00"):
            transfer = self._request(mo, self.shopfloor_user)
            transfer.action_request()
        with freeze_time("2031-05-06 10:29:00"):
            self.assertFalse(
                self.env["mes.urgent.transfer"]._cron_raise_overdue_activities()
            )
        with freeze_time("2031-05-06 10:31:00"):
            overdue = self.env["mes.urgent.transfer"]._cron_raise_overdue_activities()
        self.assertEqual(overdue, transfer)
        self.assertEqual(len(transfer.activity_ids), 1)
        self.assertEqual(transfer.activity_ids.user_id, self.shopfloor_user)
        self.assertTrue(transfer.overdue_activity_raised)
        with freeze_time("2031-05-06 11:00:00"):
            self.assertFalse(
                self.env["mes.urgent.transfer"]._cron_raise_overdue_activities()
            )
        self.assertEqual(len(transfer.activity_ids), 1)

    def test_lead_time_report_groups_by_month(self):
        mo = self._short_mo()
        with freeze_time("2031-05-06 10:00:00"):
            transfer = self._request(mo, self.fast_tracker)
            transfer.with_user(self.fast_tracker).action_fast_track()
        with freeze_time("2031-05-06 10:40:00"):
            self._validate(transfer.picking_id)
        groups = self.env["mes.urgent.transfer"]._read_group(
            [("state", "=", "done")], ["date_received:month"], ["lead_time_minutes:avg"]
        )
        self.assertEqual(len(groups), 1)
        month, lead_time = groups[0]
        self.assertEqual((month.year, month.month), (2031, 5))
        self.assertEqual(lead_time, 40.0)
