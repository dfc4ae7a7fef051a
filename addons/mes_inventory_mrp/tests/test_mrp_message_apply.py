from datetime import datetime, time

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import Form, tagged

from .mrp_common import MrpCase, at, day


def noon(offset):
    return datetime.combine(day(offset), time(12))


@tagged("post_install", "-at_install")
class TestMrpMessageApply(MrpCase):
    """Action messages carried out on purchases and MOs in one click.

    Run date: Monday 2030-03-04 (planner in UTC); reschedule out tolerance 3.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.blank = cls._product("Blank")
        cls._seller(cls.blank)
        cls.clerk = cls.env["res.users"].create(
            {
                "name": "Stock Clerk",
                "login": "mes_msg_clerk",
                "group_ids": [Command.set(cls.env.ref("stock.group_stock_user").ids)],
            }
        )
        cls.buyer = cls.env["res.users"].create(
            {
                "name": "Buyer Bo",
                "login": "mes_msg_buyer",
                "group_ids": [
                    Command.set(
                        [
                            cls.env.ref("purchase.group_purchase_user").id,
                            cls.env.ref("stock.group_stock_user").id,
                        ]
                    )
                ],
            }
        )

    # -- helpers -------------------------------------------------------------
    def _bought(self, name):
        product = self._product(name)
        self._seller(product)
        return product

    def _made(self, name):
        product = self._product(name, make=True)
        self._bom(product, [(self.blank, 1.0)], produce_delay=2)
        return product

    def _production(self, product, qty, start, finish):
        production = self.env["mrp.production"].create(
            {"product_id": product.id, "product_qty": qty}
        )
        production.action_confirm()
        production.write({"date_start": at(start), "date_finished": at(finish)})
        return production

    def _message(self, product, state="new"):
        return self.env["mes.mrp.message"].search(
            [("product_id", "=", product.id), ("state", "=", state)]
        )

    def _last_note(self, record):
        return self.env["mail.message"].search(
            [
                ("model", "=", record._name),
                ("res_id", "=", record.id),
                ("body", "ilike", "MRP"),
            ],
            order="id desc",
            limit=1,
        )

    # -- reschedule ------------------------------------------------------------
    def test_reschedule_in_and_out_on_purchases_and_mos(self):
        late = self._bought("Late part")
        late_po = self._purchase(late, 10.0, 10)
        self._delivery(late, 10.0, 5)
        early = self._bought("Early part")
        early_rfq = self._purchase(early, 5.0, 1, confirm=False)
        self._delivery(early, 5.0, 10)
        late_widget = self._made("Late widget")
        late_mo = self._production(late_widget, 2.0, 8, 10)
        self._delivery(late_widget, 2.0, 5)
        early_widget = self._made("Early widget")
        early_mo = self._production(early_widget, 3.0, 0, 2)
        self._delivery(early_widget, 3.0, 12)
        run = self._run()
        messages = self.env["mes.mrp.message"].search([("run_id", "=", run.id)])
        fields = ("product_id", "message_type", "date_current", "date_suggested")
        self.assertEqual(
            sorted(self._rows(messages, fields), key=lambda r: r[0].id),
            [
                (late, "reschedule_in", day(10), day(5)),
                (early, "reschedule_out", day(1), day(10)),
                (late_widget, "reschedule_in", day(10), day(5)),
                (early_widget, "reschedule_out", day(2), day(12)),
            ],
        )
        self.assertEqual(set(messages.mapped("state")), {"new"})
        duration = late_mo.date_finished - late_mo.date_start

        messages.with_user(self.planner).action_apply()

        # Purchase line and its receipt move on the suggested day.
        line = late_po.order_line
        self.assertEqual(line.date_planned, noon(5))
        self.assertEqual(line.move_ids.date, noon(5))
        self.assertEqual(late_po.picking_ids.scheduled_date, noon(5))
        self.assertEqual(early_rfq.order_line.date_planned, noon(10))
        self.assertEqual(early_rfq.state, "draft")
        # MOs finish on the suggested day, same duration; moves follow.
        self.assertEqual(late_mo.date_finished, at(5))
        self.assertEqual(late_mo.date_start, at(5) - duration)
        self.assertEqual(late_mo.move_finished_ids.date, at(5))
        self.assertEqual(late_mo.move_raw_ids.date, late_mo.date_start)
        self.assertEqual(early_mo.date_finished, at(12))
        self.assertEqual(early_mo.date_start, at(10))
        self.assertEqual(early_mo.move_raw_ids.date, at(10))
        self.assertEqual(early_mo.state, "confirmed")
        # Who, when, what, and a note naming the run on every document.
        self.assertRecordValues(
            messages,
            [{"state": "applied", "decided_by_id": self.planner.id}] * 4,
        )
        self.assertEqual(
            set(messages.mapped("decided_date")), {datetime(2030, 3, 4, 10)}
        )
        for document in (late_po, early_rfq, late_mo, early_mo):
            note = self._last_note(document)
            self.assertIn(run.display_name, note.body)
            self.assertIn("moved", note.body)
        self.assertIn(
            late_po.name, messages.filtered(lambda m: m.product_id == late).result
        )

        # The supply is where the plan wants it: the rerun raises nothing again.
        run2 = self._run()
        self.assertFalse(self.env["mes.mrp.message"].search([("run_id", "=", run2.id)]))
        self.assertEqual(run2.message_count, 0)
        self.assertFalse(
            self._suggestions(late)
            | self._suggestions(late_widget)
            | self._suggestions(early)
        )
        # Applied messages stay as the record of what was done.
        self.assertEqual(messages.exists(), messages)

    # -- cancel ------------------------------------------------------------------
    def test_cancel_rfq_lines_po_line_and_mo(self):
        first = self._bought("Unused one")
        second = self._bought("Unused two")
        rfq = self.env["purchase.order"].create(
            {
                "partner_id": self.vendor.id,
                "picking_type_id": self.warehouse.in_type_id.id,
                "order_line": [
                    Command.create(
                        {"product_id": p.id, "product_qty": 4.0, "date_planned": at(3)}
                    )
                    for p in (first, second)
                ],
            }
        )
        unused = self._bought("Unused confirmed")
        po = self._purchase(unused, 6.0, 4)
        widget = self._made("Unused widget")
        mo = self._production(widget, 2.0, 1, 3)
        run = self._run()
        cancels = self.env["mes.mrp.message"].search([("run_id", "=", run.id)])
        self.assertEqual(set(cancels.mapped("message_type")), {"cancel"})
        self.assertEqual(len(cancels), 4)

        # One line of a two-line RFQ: removed, the RFQ stays.
        self._message(first).with_user(self.planner).action_apply()
        self.assertEqual(rfq.order_line.product_id, second)
        self.assertEqual(rfq.state, "draft")
        self.assertIn("removed", self._last_note(rfq).body)
        applied = self._message(first, state="applied")
        self.assertIn(rfq.name, applied.result)
        self.assertIn("removed", applied.result)
        # Its last line, with the confirmed line and the MO: all at once.
        (cancels - applied).exists().with_user(self.planner).action_apply()
        self.assertFalse(rfq.order_line)
        self.assertEqual(rfq.state, "cancel")
        line = po.order_line
        self.assertEqual(line.product_qty, 0.0)
        self.assertEqual(line.move_ids.mapped("state"), ["cancel"])
        self.assertFalse(
            self.env["stock.move"].search(
                [("product_id", "=", unused.id), ("state", "!=", "cancel")]
            ),
            "no return to the vendor",
        )
        self.assertEqual(po.state, "purchase")
        self.assertIn(run.display_name, self._last_note(po).body)
        self.assertEqual(mo.state, "cancel")
        self.assertIn("cancelled", self._last_note(mo).body)

        run2 = self._run()
        self.assertFalse(self.env["mes.mrp.message"].search([("run_id", "=", run2.id)]))
        self.assertEqual(
            self.env["mes.mrp.message"].search_count(
                [("run_id", "=", run.id), ("state", "=", "applied")]
            ),
            4,
        )

    def test_refused_on_received_line_and_started_mo(self):
        part = self._bought("Half received")
        po = self._purchase(part, 10.0, 4)
        picking = po.picking_ids
        picking.move_ids.quantity = 4.0
        Form.from_action(self.env, picking.button_validate()).save().process()
        self.assertEqual(po.order_line.qty_received, 4.0)
        widget = self._made("Started widget")
        mo = self._production(widget, 2.0, 1, 3)
        other = self._bought("Other unused")
        other_po = self._purchase(other, 3.0, 5)
        self._run()
        line_cancel = self._message(part)
        mo_cancel = self._message(widget)
        ok = self._message(other)
        self.assertEqual(
            self._rows(line_cancel, ("message_type", "product_qty")), [("cancel", 6.0)]
        )
        with Form(mo) as mo_form:
            mo_form.qty_producing = 1.0
        self.assertEqual(mo.state, "progress")

        with self.assertRaises(UserError) as caught:
            (ok | line_cancel | mo_cancel).with_user(self.planner).action_apply()
        error = str(caught.exception)
        self.assertIn(po.name, error)
        self.assertIn("already received", error)
        self.assertIn("Reduce to Received", error)
        self.assertIn(mo.name, error)
        self.assertIn("in progress", error)
        # Nothing half-applied: the good message waits too.
        self.assertEqual((ok | line_cancel | mo_cancel).mapped("state"), ["new"] * 3)
        self.assertEqual(other_po.order_line.product_qty, 3.0)
        self.assertEqual(other_po.picking_ids.move_ids.state, "assigned")
        self.assertEqual(po.order_line.product_qty, 10.0)

        # The offer: order only what was received.
        line_cancel.with_user(self.planner).action_reduce_to_received()
        self.assertEqual(po.order_line.product_qty, 4.0)
        backorder = po.picking_ids.filtered(lambda p: p.state != "done")
        self.assertEqual(backorder.move_ids.state, "cancel")
        self.assertEqual(line_cancel.state, "applied")
        self.assertIn("reduced", self._last_note(po).body)
        with self.assertRaisesRegex(UserError, "is already applied"):
            line_cancel.with_user(self.planner).action_apply()
        with self.assertRaisesRegex(UserError, "is not a cancel message on a purchase"):
            mo_cancel.with_user(self.planner).action_reduce_to_received()

    # -- dismiss -------------------------------------------------------------------
    def test_dismissed_message_stays_gone(self):
        late = self._bought("Dismissed part")
        po = self._purchase(late, 10.0, 10)
        delivery = self._delivery(late, 10.0, 5)
        self._run()
        message = self._message(late)
        self.assertEqual(message.message_type, "reschedule_in")

        message.with_user(self.planner).action_dismiss()
        self.assertRecordValues(
            message, [{"state": "dismissed", "decided_by_id": self.planner.id}]
        )
        self.assertEqual(po.order_line.date_planned, at(10))

        self._run()
        self.assertFalse(self._message(late))
        self.assertEqual(self._message(late, state="dismissed"), message)
        # Needed on another day: that is a new message.
        delivery.date = at(3)
        self._run()
        self.assertEqual(
            self._rows(self._message(late), ("message_type", "date_suggested")),
            [("reschedule_in", day(3))],
        )

    # -- rights and hostile input ------------------------------------------------
    def test_buyer_and_stock_user_refused(self):
        late = self._bought("Guarded part")
        po = self._purchase(late, 10.0, 10)
        self._delivery(late, 10.0, 5)
        self._run()
        message = self._message(late)
        for user in (self.buyer, self.clerk):
            with self.assertRaisesRegex(AccessError, "Only MRP planners"):
                message.with_user(user).action_apply()
            with self.assertRaisesRegex(AccessError, "Only MRP planners"):
                message.with_user(user).action_dismiss()
            with self.assertRaisesRegex(AccessError, "Only MRP planners"):
                message.with_user(user).action_reduce_to_received()
        self.assertEqual(message.state, "new")
        self.assertEqual(po.order_line.date_planned, at(10))

    def test_other_company_and_vanished_supply_refused(self):
        other = self.env["res.company"].create({"name": "Other Works"})
        group = self.env["mes.mrp.planning.group"].search(
            [("company_id", "=", other.id)]
        )
        product = self.env["product.product"].create(
            {"name": "Other part", "company_id": other.id, "is_storable": True}
        )
        foreign = self.env["mes.mrp.message"].create(
            {
                "planning_group_id": group.id,
                "company_id": other.id,
                "product_id": product.id,
                "message_type": "cancel",
                "date_current": day(3),
            }
        )
        with self.assertRaisesRegex(UserError, "belongs to company Other Works"):
            foreign.with_user(self.planner).action_apply()
        with self.assertRaisesRegex(UserError, "belongs to company Other Works"):
            foreign.with_user(self.planner).action_dismiss()
        self.assertEqual(foreign.state, "new")

        orphan = self.env["mes.mrp.message"].create(
            {
                "planning_group_id": self.group.id,
                "company_id": self.company.id,
                "product_id": self.blank.id,
                "message_type": "reschedule_in",
                "date_current": day(3),
                "date_suggested": day(1),
            }
        )
        with self.assertRaisesRegex(UserError, "its supply no longer exists"):
            orphan.with_user(self.planner).action_apply()

    def test_done_mo_and_cancelled_po_refused(self):
        late = self._bought("Cancelled po part")
        po = self._purchase(late, 10.0, 10)
        self._delivery(late, 10.0, 5)
        widget = self._made("Done widget")
        mo = self._production(widget, 1.0, 1, 3)
        self._run()
        po_message = self._message(late)
        mo_message = self._message(widget)
        po.button_cancel()
        mo.action_cancel()
        with self.assertRaises(UserError) as caught:
            (po_message | mo_message).with_user(self.planner).action_apply()
        self.assertIn("%s is cancelled" % po.name, str(caught.exception))
        self.assertIn("%s is cancelled" % mo.name, str(caught.exception))
        self.assertEqual((po_message | mo_message).mapped("state"), ["new", "new"])
        # Dismissing them is always possible.
        (po_message | mo_message).with_user(self.planner).action_dismiss()
        self.assertEqual(mo_message.decided_date, datetime(2030, 3, 4, 10))
