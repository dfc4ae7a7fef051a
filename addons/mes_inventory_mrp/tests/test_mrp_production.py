from datetime import datetime, time

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import Form, tagged

from .mrp_common import MrpCase, at, day


def noon(date):
    return datetime.combine(date, time(12))


@tagged("post_install", "-at_install")
class TestMrpProductions(MrpCase):
    """Make suggestions become confirmed MOs; Create Orders for a mixed selection.

    Run date: Monday 2030-03-04 (planner in UTC). A frame is made in 2 days
    from 2 rods and 1 paint; rods and paint and bolts are bought.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rod = cls._product("Rod")
        cls.paint = cls._product("Paint")
        cls.bolt = cls._product("Bolt")
        for product in (cls.rod, cls.paint, cls.bolt):
            cls._seller(product, price=1.0)
        cls.frame = cls._product("Frame", make=True)
        cls.bom = cls._bom(
            cls.frame, [(cls.rod, 2.0), (cls.paint, 1.0)], produce_delay=2
        )
        cls.customer = cls.env["res.partner"].create({"name": "Frame Customer"})
        cls.clerk = cls.env["res.users"].create(
            {
                "name": "Stock Clerk",
                "login": "mes_loop_clerk",
                "group_ids": [Command.set(cls.env.ref("stock.group_stock_user").ids)],
            }
        )
        cls.buyer = cls.env["res.users"].create(
            {
                "name": "Buyer Bea",
                "login": "mes_loop_buyer",
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

    def _deliver(self, product, qty, offset):
        """A customer delivery as a user makes it: the picking form."""
        with Form(self.env["stock.picking"]) as picking_form:
            picking_form.picking_type_id = self.warehouse.out_type_id
            picking_form.partner_id = self.customer
            picking_form.scheduled_date = at(offset)
            with picking_form.move_ids.new() as move:
                move.product_id = product
                move.product_uom_qty = qty
        picking = picking_form.record
        picking.action_confirm()
        return picking

    def _mos(self, product):
        return self.env["mrp.production"].search(
            [("product_id", "=", product.id)], order="date_start, id"
        )

    def test_create_orders_mixed_then_rerun_nets_the_mos(self):
        self._deliver(self.frame, 4.0, 10)
        self._deliver(self.frame, 3.0, 12)
        self._deliver(self.bolt, 5.0, 6)
        run = self._run()
        makes = self._suggestions(self.frame)
        self.assertEqual(
            self._rows(makes, ("action", "product_qty", "date_order", "date_required")),
            [("make", 4.0, day(8), day(10)), ("make", 3.0, day(10), day(12))],
        )
        self.assertEqual(makes.bom_id, self.bom)
        buy = self._suggestions(self.bolt)
        self.assertEqual(buy.action, "buy")

        result = (makes | buy).with_user(self.planner).action_create_orders()

        # A mixed selection: one notification naming what was made.
        self.assertEqual(result["tag"], "display_notification")
        mos = self._mos(self.frame)
        self.assertEqual(len(mos), 2, "one MO per make suggestion, never merged")
        for suggestion, mo in zip(makes, mos, strict=True):
            self.assertRecordValues(
                mo,
                [
                    {
                        "product_id": self.frame.id,
                        "product_qty": suggestion.product_qty,
                        "product_uom_id": self.frame.uom_id.id,
                        "bom_id": self.bom.id,
                        "picking_type_id": self.warehouse.manu_type_id.id,
                        "origin": run.display_name,
                        "state": "confirmed",
                        "date_start": noon(suggestion.date_order),
                        "date_finished": noon(suggestion.date_required),
                    }
                ],
            )
            self.assertEqual(suggestion.state, "ordered")
            self.assertEqual(suggestion.production_id, mo)
            self.assertEqual(mo.mes_suggestion_ids, suggestion)
            self.assertEqual(mo.mes_suggestion_count, 1)
            # Components are demand at once, on the start day.
            self.assertEqual(
                mo.move_raw_ids.mapped(lambda m: (m.product_id, m.product_qty, m.date)),
                [
                    (self.rod, 2 * suggestion.product_qty, mo.date_start),
                    (self.paint, suggestion.product_qty, mo.date_start),
                ],
            )
            self.assertEqual(mo.move_finished_ids.date, mo.date_finished)
            self.assertEqual(mo.move_raw_ids.mapped("state"), ["confirmed"] * 2)
        self.assertIn(mos[0].name, result["params"]["message"])
        self.assertEqual(buy.state, "ordered")
        self.assertRecordValues(
            buy.purchase_line_id,
            [{"product_id": self.bolt.id, "product_qty": 5.0}],
        )
        self.assertEqual(buy.purchase_order_id.state, "draft")

        # The next run nets the MOs: nothing more to make, components pegged
        # to the MOs' component moves.
        self._run()
        self.assertFalse(self._suggestions(self.frame))
        self.assertFalse(self._suggestions(self.bolt))
        self.assertFalse(self._messages(self.frame))
        rods = self._suggestions(self.rod)
        self.assertEqual(
            self._rows(rods, ("action", "product_qty", "date_required")),
            [("buy", 8.0, day(8)), ("buy", 6.0, day(10))],
        )
        for rod, mo in zip(rods, mos, strict=True):
            self.assertEqual(rod.pegging_ids.demand_type, "move")
            self.assertEqual(
                rod.pegging_ids.move_id,
                mo.move_raw_ids.filtered(lambda m: m.product_id == self.rod),
            )
            self.assertIn(rod.pegging_ids.move_id, mo.move_raw_ids)

    def test_create_productions_single_opens_the_mo(self):
        self._deliver(self.frame, 2.0, 1)
        self._run()
        make = self._suggestions(self.frame)
        # Needed tomorrow with a 2-day lead time: start today, expedite.
        self.assertEqual(
            self._rows(make, ("date_order", "date_required", "exception")),
            [(day(0), day(1), "expedite")],
        )
        action = make.with_user(self.planner).action_create_productions()
        mo = make.production_id
        self.assertEqual(action["res_model"], "mrp.production")
        self.assertEqual(action["res_id"], mo.id)
        # The need date wins over Odoo's lead time: a shorter MO.
        self.assertEqual(
            (mo.date_start, mo.date_finished, mo.state),
            (at(0, hour=12), at(1, hour=12), "confirmed"),
        )
        self.assertEqual(
            mo.with_user(self.planner).action_view_mes_suggestions()["domain"],
            [("production_id", "=", mo.id)],
        )

    def test_same_day_start_and_need(self):
        self.bom.produce_delay = 0
        self._deliver(self.frame, 1.0, 5)
        self._run()
        make = self._suggestions(self.frame)
        make.with_user(self.planner).action_create_productions()
        mo = make.production_id
        self.assertEqual(mo.date_start, at(5, hour=12))
        self.assertEqual(mo.date_finished, at(5, hour=13))
        self._run()
        self.assertFalse(self._suggestions(self.frame))

    def test_refusals_create_nothing(self):
        self._deliver(self.frame, 4.0, 10)
        self._deliver(self.frame, 3.0, 12)
        self._deliver(self.bolt, 5.0, 6)
        self._run()
        first, second = self._suggestions(self.frame)
        buy = self._suggestions(self.bolt)
        before = self.env["mrp.production"].search_count([])

        def refused(
            suggestions, pattern, user=None, method="action_create_productions"
        ):
            with self.assertRaisesRegex(UserError, pattern):
                getattr(suggestions.with_user(user or self.planner), method)()
            self.assertEqual(self.env["mrp.production"].search_count([]), before)
            self.assertFalse(buy.purchase_line_id)

        # Not make; a whole batch refused for one wrong suggestion.
        refused(first | buy, "Buy 5.0 Bolt is not a make suggestion")
        self.assertEqual(first.state, "new")
        # Buyers and stock users cannot make MOs.
        for user in (self.buyer, self.clerk):
            with self.assertRaisesRegex(AccessError, "Only MRP planners"):
                first.with_user(user).action_create_productions()
            with self.assertRaisesRegex(AccessError, "Only MRP planners"):
                (first | buy).with_user(user).action_create_orders()
        # Cancelled.
        second.with_user(self.planner).action_cancel()
        refused(first | second, "is already cancelled")
        # Archived BOM since the run.
        self.bom.active = False
        refused(first, "bill of materials .* was archived since the run")
        refused(
            first | buy, "was archived since the run", method="action_create_orders"
        )
        self.bom.active = True
        # Already ordered.
        first.with_user(self.planner).action_create_productions()
        mo = first.production_id
        before += 1
        refused(first, r"is already ordered \(%s\)" % mo.name)
        refused(first | buy, "is already ordered", method="action_create_orders")

    def test_other_company_refused(self):
        other = self.env["res.company"].create({"name": "Other Plant"})
        group = self.env["mes.mrp.planning.group"].search(
            [("company_id", "=", other.id)]
        )
        frame = self.env["product.product"].create(
            {"name": "Other frame", "is_storable": True, "company_id": other.id}
        )
        suggestion = self.env["mes.mrp.suggestion"].create(
            {
                "planning_group_id": group.id,
                "company_id": other.id,
                "product_id": frame.id,
                "action": "make",
                "product_qty": 1.0,
                "date_required": day(5),
                "date_order": day(3),
                "bom_id": self.bom.id,
                "warehouse_id": group.warehouse_id.id,
            }
        )
        with self.assertRaisesRegex(UserError, "belongs to company Other Plant"):
            suggestion.with_user(self.planner).action_create_productions()
        self.assertEqual(suggestion.state, "new")
        self.assertFalse(self._mos(frame))

    def test_buyer_orders_buy_suggestions_with_create_orders(self):
        self._deliver(self.bolt, 5.0, 6)
        self._deliver(self.frame, 1.0, 8)
        self._run()
        buy = self._suggestions(self.bolt)
        action = buy.with_user(self.buyer).action_create_orders()
        self.assertEqual(action["res_model"], "purchase.order")
        self.assertEqual(action["res_id"], buy.purchase_order_id.id)
        self.assertEqual(buy.state, "ordered")
        # No source in the selection: refused, naming the fix.
        orphan = self._product("Orphan")
        self._deliver(orphan, 1.0, 3)
        self._run()
        no_source = self._suggestions(orphan)
        make = self._suggestions(self.frame)
        with self.assertRaisesRegex(UserError, "Orphan has no source"):
            (make | no_source).with_user(self.planner).action_create_orders()
        self.assertFalse(make.production_id)
