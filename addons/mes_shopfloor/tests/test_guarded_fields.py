from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .common_events import quant_total
from .test_mes_event import TestMesEvent
from .test_urgent_transfer import TestUrgentTransfer


@tagged("post_install", "-at_install")
class TestGuardedUrgentTransfer(TestUrgentTransfer):
    """An urgent transfer's state and approval change through its actions only."""

    def test_forged_approval_cannot_release(self):
        """The forgery: a shop-floor user writes the approved state and a
        made-up approver, then releases without any approval."""
        mo = self._short_mo()
        transfer = self._request(mo, self.shopfloor_user)
        transfer.action_request()
        self.assertEqual(transfer.state, "to_approve")
        for vals in (
            {"state": "approved"},
            {"approved_by_id": self.shopfloor_manager.id},
            {"date_approved": "2031-05-06 10:00:00"},
            {"is_fast_track": True},
            {"picking_id": False, "state": "in_transit"},
        ):
            with self.assertRaisesRegex(AccessError, "set by its actions only"):
                transfer.write(vals)
        with self.assertRaisesRegex(Exception, "cannot be released"):
            transfer.action_release()
        self.assertRecordValues(
            transfer,
            [{"state": "to_approve", "approved_by_id": False, "picking_id": False}],
        )
        self.assertFalse(
            self.env["stock.picking"].search([("origin", "=", transfer.name)])
        )
        self.assertEqual(transfer.review_ids.status, "pending")

    def test_what_was_requested_is_frozen(self):
        mo = self._short_mo()
        transfer = self._request(mo, self.shopfloor_user)
        transfer.write({"reason": "Line A stops in 10 minutes", "quantity": 12})
        self.assertEqual(transfer.quantity, 12)
        transfer.action_request()
        for vals in ({"quantity": 500}, {"product_id": self.seal.id}):
            with self.assertRaisesRegex(AccessError, "Reset to Draft"):
                transfer.write(vals)
        self.assertEqual(transfer.quantity, 12)

    def test_create_and_import_with_a_guarded_field(self):
        Transfer = self.env["mes.urgent.transfer"].with_user(self.shopfloor_user)
        vals = {
            "product_id": self.housing.id,
            "quantity": 5,
            "location_dest_id": self.line_a.id,
            "reason": "forged",
        }
        for forged in (
            {"state": "approved"},
            {"approved_by_id": self.shopfloor_manager.id},
            {"is_fast_track": True},
        ):
            with self.assertRaises(AccessError):
                Transfer.create(dict(vals, **forged))
        result = Transfer.load(
            ["product_id/.id", "quantity", "location_dest_id/.id", "state"],
            [[str(self.housing.id), "5", str(self.line_a.id), "approved"]],
        )
        self.assertFalse(result["ids"])
        self.assertIn("set by its actions only", result["messages"][0]["message"])
        self.assertFalse(
            self.env["mes.urgent.transfer"].search([("state", "=", "approved")])
        )

    def test_actions_check_their_group_in_code(self):
        mo = self._short_mo()
        transfer = self._request(mo, self.shopfloor_user)
        stock_user = self.env["res.users"].create(
            {
                "name": "Stock Sam",
                "login": "mes_guard_stock_sam",
                "group_ids": [Command.set([self.env.ref("stock.group_stock_user").id])],
            }
        )
        for action in ("action_request", "action_cancel", "action_fast_track"):
            with self.assertRaises(AccessError):
                getattr(transfer.with_user(stock_user), action)()
        self.assertEqual(transfer.state, "draft")


@tagged("post_install", "-at_install")
class TestGuardedEvent(TestMesEvent):
    """What an event did is written by the API and Retry only."""

    def test_applied_event_cannot_be_forged_back_to_failed_and_retried(self):
        """The forgery: an applied event written back to failed, then retried,
        would apply twice."""
        f = self.f
        result = self.receive(self._consume(3.0))
        event = self.env["mes.event"].browse(result["event_id"])
        self.assertEqual(event.state, "applied")
        manager = new_test_user(
            self.env,
            login="mes_guard_sf_manager",
            groups="mes_shopfloor.group_shopfloor_manager,stock.group_stock_user",
        )
        for user in (f.device, manager):
            for vals in (
                {"state": "failed"},
                {"quantity": 30.0},
                {"error": "made up"},
                {"move_line_ids": [Command.clear()]},
            ):
                with self.assertRaises(AccessError):
                    event.with_user(user).write(vals)
        with self.assertRaises(AccessError):
            event.with_user(f.device).action_retry()
        event.with_user(manager).action_retry()  # nothing failed: nothing done
        self.assertEqual(event.state, "applied")
        self.assertEqual(quant_total(self.env, f.comp, f.line_side, f.lot), 97.0)
        with self.assertRaisesRegex(AccessError, "set by its actions only"):
            self.env["mes.event"].with_user(manager).create(
                {
                    "source": "forger",
                    "external_id": "x-1",
                    "event_type": "consume",
                    "state": "applied",
                }
            )
