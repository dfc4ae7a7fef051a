"""Flow 3 of DESIGN.md: a shortage at the line side is covered by an urgent
transfer from another warehouse.

MO short of housings at its line side → the shortage says where stock is and
the stock view (mes.stock.view) shows it in every warehouse → urgent transfer
request → tier approval (or, separately, the fast track) → shipped → received
at the line side → MO kitted → MO done with a balanced line side.
"""

from freezegun import freeze_time

from odoo import fields
from odoo.addons.mes_shopfloor.tests.common import ShopfloorCommon
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestFlow3UrgentTransfer(ShopfloorCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clerk = new_test_user(
            cls.env,
            login="mes_clerk3",
            name="Carl Clerk",
            groups="stock.group_stock_user",
        )
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
        # Central stock has seals but no housing; the remote warehouse has 30.
        cls._stock_cls(cls.seal, cls.central.lot_stock_id, 10)
        cls._stock_cls(cls.housing, cls.remote.lot_stock_id, 30)

    @classmethod
    def _stock_cls(cls, product, location, qty):
        cls.env["stock.quant"]._update_available_quantity(product, location, qty)

    def _stock_rows(self, product):
        rows = self.env["mes.stock.view"].search([("product_id", "=", product.id)])
        return {
            (r.warehouse_id.code, r.location_role, r.state): r.quantity for r in rows
        }

    def _short_mo(self):
        """Pump MO of 5 at line A: its pick brings the seals only; the clerk
        validates it without backorder, the housings will come urgently."""
        mo = self._mo(self.bom, 5)
        self.assertEqual(mo.move_raw_ids.location_id, self.line_a)
        self.assertEqual(mo.mes_kitting_state, "not_kitted")
        pick = mo.mes_pick_picking_ids.with_user(self.clerk)
        self.assertEqual(
            {(m.product_id, m.product_uom_qty, m.quantity) for m in pick.move_ids},
            {(self.housing, 10.0, 0.0), (self.seal, 5.0, 5.0)},
        )
        pick.move_ids.picked = True
        action = pick.button_validate()
        Form.from_action(
            self.env(user=self.clerk), action
        ).save().process_cancel_backorder()
        self.assertEqual(pick.state, "done")
        self.assertFalse(pick.backorder_ids)
        self.assertEqual(self._qty(self.seal, self.line_a), 5.0)
        # Seals at the line side, housings missing: partially kitted, and the
        # shortage says where the housings are.
        self.assertEqual(mo.mes_kitting_state, "partial")
        shortage = mo.mes_shortage_ids
        self.assertRecordValues(
            shortage,
            [
                {
                    "product_id": self.housing.id,
                    "location_id": self.line_a.id,
                    "qty_required": 10.0,
                    "qty_available": 0.0,
                    "qty_missing": 10.0,
                    "qty_elsewhere": 30.0,
                    "stock_elsewhere": "RW/Stock: 30",
                }
            ],
        )
        # One stock view for every warehouse, opened from the shortage.
        action = shortage.action_open_stock_card()
        rows = self.env[action["res_model"]].search(action["domain"])
        self.assertEqual(
            {(r.warehouse_id, r.location_role, r.state, r.quantity) for r in rows},
            {(self.remote, "central", "available", 30.0)},
        )
        return mo

    def _request(self, mo, user):
        form = Form(self.env["mes.urgent.transfer"].with_user(user))
        form.production_id = mo
        form.product_id = self.housing
        self.assertEqual(form.location_dest_id, self.line_a)
        self.assertEqual(form.source_warehouse_id, self.remote)
        form.quantity = 10
        form.reason = "Line A stops in 20 minutes"
        return form.save()

    def test_flow3_tier_approval(self):
        mo = self._short_mo()
        transfer = self._request(mo, self.shopfloor_user)
        self.assertEqual(transfer.state, "draft")
        self.assertEqual(transfer.requested_by_id, self.shopfloor_user)
        transfer.action_request()
        self.assertEqual(transfer.state, "to_approve")
        self.assertEqual(transfer.review_ids.status, "pending")
        # Neither the requester nor a fast track without the group may pass.
        with self.assertRaisesRegex(AccessError, "not a reviewer"):
            transfer.validate_tier()
        with self.assertRaisesRegex(AccessError, "Fast Track group"):
            transfer.action_fast_track()
        self.assertEqual(transfer.state, "to_approve")

        transfer.with_user(self.shopfloor_manager).validate_tier()
        self.assertEqual(transfer.state, "approved")
        self.assertEqual(transfer.approved_by_id, self.shopfloor_manager)
        self.assertEqual(transfer.review_ids.status, "approved")
        transfer.with_user(self.shopfloor_manager).action_release()
        self.assertEqual(transfer.state, "in_transit")
        picking = transfer.picking_id
        self.assertRecordValues(
            picking,
            [
                {
                    "priority": "1",
                    "state": "assigned",
                    "origin": transfer.name,
                    "location_id": self.remote.lot_stock_id.id,
                    "location_dest_id": self.line_a.id,
                    "picking_type_id": self.remote.int_type_id.id,
                    "mes_production_id": mo.id,
                    "mes_transfer_kind": "urgent",
                }
            ],
        )
        self.assertEqual(picking.move_ids.product_qty, 10.0)
        # Shipped, not received: the stock view shows it in transit to the
        # line side, and the MO still waits.
        self.assertEqual(
            self._stock_rows(self.housing),
            {
                ("RW", "central", "available"): 20.0,
                ("RW", "central", "reserved"): 10.0,
                ("SF", "line_side", "in_transit_internal"): 10.0,
            },
        )
        self.assertEqual(mo.mes_kitting_state, "partial")

        # Received at the line side by the clerk: the MO is kitted at once.
        picking = picking.with_user(self.clerk)
        picking.move_ids.quantity = 10.0
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.assertEqual(transfer.state, "done")
        self.assertTrue(transfer.date_received)
        self.assertGreaterEqual(transfer.lead_time_minutes, 0.0)
        self.assertEqual(
            transfer.log_ids.mapped(lambda entry: (entry.event, entry.user_id)),
            [
                ("receive", self.clerk),
                ("release", self.shopfloor_manager),
                ("approve", self.shopfloor_manager),
                ("request", self.shopfloor_user),
            ],
        )
        self.assertEqual(mo.mes_kitting_state, "kitted")
        self.assertEqual(mo.workorder_ids.mes_kitting_state, "kitted")
        self.assertFalse(mo.mes_shortage_ids)
        self.assertEqual(self._qty(self.housing, self.line_a), 10.0)
        self.assertEqual(self._qty(self.housing, self.remote.lot_stock_id), 20.0)

        # Produced: everything brought to the line side is consumed there.
        mo.action_assign()
        with Form(mo) as mo_form:
            mo_form.qty_producing = 5
        mo.button_mark_done()
        self.assertEqual(mo.state, "done")
        self.assertFalse(mo.mes_return_picking_ids)
        self.env.flush_all()
        self.assertEqual(
            {
                b.product_id: (b.picked_qty, b.consumed_qty, b.remaining_qty)
                for b in mo.mes_balance_ids
            },
            {self.housing: (10.0, 10.0, 0.0), self.seal: (5.0, 5.0, 0.0)},
        )
        self.assertEqual(self._qty(self.housing, self.line_a), 0.0)
        self.assertEqual(self._qty(self.seal, self.line_a), 0.0)
        self.assertEqual(self._qty(self.seal, self.central.lot_stock_id), 5.0)

    def test_flow3_fast_track(self):
        mo = self._short_mo()
        with freeze_time("2031-05-06 10:00:00"):
            transfer = self._request(mo, self.fast_tracker)
            transfer.action_request()
        self.assertEqual(transfer.review_ids.status, "pending")
        # A shop-floor user outside the Fast Track group is refused.
        with self.assertRaisesRegex(AccessError, "Fast Track group"):
            transfer.with_user(self.shopfloor_user).action_fast_track()
        with freeze_time("2031-05-06 10:02:00"):
            transfer.with_user(self.fast_tracker).action_fast_track()
        self.assertRecordValues(
            transfer,
            [
                {
                    "state": "in_transit",
                    "is_fast_track": True,
                    "fast_track_user_id": self.fast_tracker.id,
                    "approved_by_id": self.fast_tracker.id,
                    "date_requested": fields.Datetime.to_datetime(
                        "2031-05-06 10:00:00"
                    ),
                    "fast_track_date": fields.Datetime.to_datetime(
                        "2031-05-06 10:02:00"
                    ),
                }
            ],
        )
        self.assertRecordValues(
            transfer.review_ids,
            [
                {
                    "status": "approved",
                    "done_by": self.fast_tracker.id,
                    "comment": "Fast track",
                }
            ],
        )
        log = transfer.log_ids.filtered(lambda entry: entry.event == "fast_track")
        self.assertEqual(log.note, "Line A stops in 20 minutes")
        self.assertEqual(log.user_id, self.fast_tracker)
        picking = transfer.picking_id.with_user(self.clerk)
        self.assertEqual(picking.priority, "1")
        self.assertEqual(picking.state, "assigned")
        self.assertEqual(mo.mes_kitting_state, "partial")
        with freeze_time("2031-05-06 10:25:00"):
            picking.move_ids.quantity = 10.0
            picking.move_ids.picked = True
            picking.button_validate()
        self.assertEqual(transfer.state, "done")
        self.assertEqual(
            transfer.date_received, fields.Datetime.to_datetime("2031-05-06 10:25:00")
        )
        self.assertEqual(transfer.lead_time_minutes, 25.0)
        receive = transfer.log_ids.filtered(lambda entry: entry.event == "receive")
        self.assertEqual(receive.duration_minutes, 25.0)
        self.assertEqual(mo.mes_kitting_state, "kitted")
        self.assertFalse(mo.mes_shortage_ids)
