from odoo.tests import tagged

from .mrp_common import MrpCase, at, day

SUGGESTION_FIELDS = ("action", "product_qty", "date_required", "date_order")


@tagged("post_install", "-at_install")
class TestMrpRunPlanning(MrpCase):
    """Hand-computed plans through the adapter (run date: Monday 2030-03-04)."""

    def test_single_level_buy_from_delivery(self):
        self.company.days_to_purchase = 1
        bolt = self._product("Bolt M8")
        seller = self._seller(bolt, price=2.0, delay=5)
        self._stock(bolt, 3.0)
        delivery = self._delivery(bolt, 10.0, 10)

        run = self._run()

        self.assertEqual(run.state, "done")
        self.assertEqual(run.run_date, day(0))
        self.assertEqual(run.progress, 100.0)
        self.assertEqual(run.suggestion_count, 1)
        self.assertEqual(run.message_count, 0)
        self.assertEqual(run.product_count, 1)
        self.assertTrue(run.started and run.ended)
        suggestion = self._suggestions(bolt)
        self.assertEqual(
            self._rows(suggestion, SUGGESTION_FIELDS),
            # 10 needed on the 14th, 3 on hand; order 5 + 1 days before.
            [("buy", 7.0, day(10), day(4))],
        )
        self.assertEqual(suggestion.partner_id, self.vendor)
        self.assertEqual(suggestion.supplierinfo_id, seller)
        self.assertEqual(suggestion.price_unit, 2.0)
        self.assertEqual(suggestion.price_subtotal, 14.0)
        self.assertEqual(suggestion.purchase_qty, 7.0)
        self.assertEqual(suggestion.purchase_uom_id, bolt.uom_id)
        self.assertEqual(suggestion.currency_id, self.company.currency_id)
        self.assertEqual(suggestion.warehouse_id, self.warehouse)
        self.assertEqual(suggestion.company_id, self.company)
        self.assertEqual(suggestion.state, "new")
        self.assertEqual(suggestion.exception, "none")
        self.assertEqual(suggestion.run_id, run)
        peg = suggestion.pegging_ids
        self.assertEqual(
            self._rows(peg, ("demand_type", "move_id", "root_move_id", "date")),
            [("move", delivery, delivery, day(10))],
        )
        self.assertEqual(peg.product_qty, 7.0)

    def test_multi_level_with_semi_finished(self):
        rm_a = self._product("Steel sheet")
        rm_b = self._product("Paint")
        self._seller(rm_a, delay=0)
        self._seller(rm_b, partner=self.vendor2, delay=3)
        semi = self._product("Painted panel", make=True)
        self._bom(semi, [(rm_b, 3.0)], produce_delay=1)
        cabinet = self._product("Cabinet", make=True)
        self._bom(cabinet, [(semi, 2.0), (rm_a, 1.0)], produce_delay=2)
        self._stock(semi, 4.0)
        delivery = self._delivery(cabinet, 5.0, 10)

        self._run()

        fg = self._suggestions(cabinet)
        sf = self._suggestions(semi)
        a = self._suggestions(rm_a)
        b = self._suggestions(rm_b)
        # Cabinet: 5 on the 14th, started 2 days before; panels 10 - 4 in stock.
        self.assertEqual(
            self._rows(fg, SUGGESTION_FIELDS), [("make", 5.0, day(10), day(8))]
        )
        self.assertEqual(fg.bom_id.product_tmpl_id, cabinet.product_tmpl_id)
        self.assertEqual(
            self._rows(sf, SUGGESTION_FIELDS), [("make", 6.0, day(8), day(7))]
        )
        self.assertEqual(
            self._rows(a, SUGGESTION_FIELDS), [("buy", 5.0, day(8), day(8))]
        )
        self.assertEqual(
            self._rows(b, SUGGESTION_FIELDS), [("buy", 18.0, day(7), day(4))]
        )
        self.assertEqual(b.partner_id, self.vendor2)
        # Pegging: paint -> panel order -> cabinet order -> the delivery.
        self.assertEqual(
            self._rows(
                b.pegging_ids,
                ("demand_type", "parent_suggestion_id", "root_move_id", "product_qty"),
            ),
            [("planned_order", sf, delivery, 18.0)],
        )
        self.assertEqual(
            self._rows(
                sf.pegging_ids,
                ("demand_type", "parent_suggestion_id", "root_move_id", "product_qty"),
            ),
            [("planned_order", fg, delivery, 6.0)],
        )
        self.assertEqual(b.pegging_ids.root_description, delivery.reference)

        # A firm (approved) cabinet order keeps its components planned.
        fg.with_user(self.planner).action_approve()
        self._run()
        self.assertEqual(fg.state, "approved")
        self.assertFalse(self._suggestions(cabinet))
        sf = self._suggestions(semi)
        self.assertEqual(
            self._rows(sf, SUGGESTION_FIELDS), [("make", 6.0, day(8), day(7))]
        )
        self.assertEqual(sf.pegging_ids.parent_suggestion_id, fg)
        self.assertEqual(
            self._rows(self._suggestions(rm_b), SUGGESTION_FIELDS),
            [("buy", 18.0, day(7), day(4))],
        )

    def test_kit_is_exploded_through(self):
        c1 = self._product("Hinge")
        c2 = self._product("Screw pack")
        self._seller(c1)
        self._seller(c2)
        kit = self._product("Hinge kit", is_storable=False)
        self._bom(kit, [(c1, 2.0), (c2, 1.0)], bom_type="phantom")
        door = self._product("Door", make=True)
        self._bom(door, [(kit, 1.0)])
        self._delivery(door, 3.0, 5)

        self._run()

        door_order = self._suggestions(door)
        self.assertEqual(
            self._rows(door_order, SUGGESTION_FIELDS), [("make", 3.0, day(5), day(5))]
        )
        self.assertFalse(self._suggestions(kit))
        self.assertEqual(
            self._rows(self._suggestions(c1), SUGGESTION_FIELDS),
            [("buy", 6.0, day(5), day(5))],
        )
        self.assertEqual(
            self._rows(self._suggestions(c2), SUGGESTION_FIELDS),
            [("buy", 3.0, day(5), day(5))],
        )
        self.assertEqual(
            self._suggestions(c1).pegging_ids.parent_suggestion_id, door_order
        )

    def test_safety_stock(self):
        glue = self._product("Glue", mes_safety_stock=5.0)
        self._seller(glue, delay=2)
        self._stock(glue, 8.0)
        delivery = self._delivery(glue, 6.0, 5)
        # Safety stock alone: 1 on hand, floor 4, vendor needs 2 days.
        tape = self._product("Tape", mes_safety_stock=4.0)
        self._seller(tape, delay=2)
        self._stock(tape, 1.0)

        self._run()

        glue_order = self._suggestions(glue)
        # 8 - 6 = 2 would cross the floor of 5: 3 more on the 9th.
        self.assertEqual(
            self._rows(glue_order, SUGGESTION_FIELDS), [("buy", 3.0, day(5), day(3))]
        )
        self.assertEqual(glue_order.pegging_ids.move_id, delivery)
        tape_order = self._suggestions(tape)
        self.assertEqual(
            self._rows(tape_order, SUGGESTION_FIELDS + ("exception",)),
            [("buy", 3.0, day(0), day(0), "expedite")],
        )
        self.assertEqual(
            self._rows(tape_order.pegging_ids, ("demand_type", "product_qty")),
            [("safety_stock", 3.0)],
        )
        self.assertEqual(tape_order.pegging_ids.demand_description, "Safety stock")

    def test_min_qty_and_order_multiple(self):
        nut = self._product("Nut M8", mes_order_multiple=4.0)
        self._seller(nut, min_qty=10.0)
        first = self._delivery(nut, 3.0, 5)
        second = self._delivery(nut, 13.0, 20)

        self._run()

        orders = self._suggestions(nut)
        # 3 -> minimum 10 -> multiple 12; 9 left, 13 - 9 = 4 -> 10 -> 12.
        self.assertEqual(
            self._rows(orders, SUGGESTION_FIELDS),
            [("buy", 12.0, day(5), day(5)), ("buy", 12.0, day(20), day(20))],
        )
        self.assertEqual(orders[0].pegging_ids.move_id, first)
        self.assertEqual(orders[0].pegging_ids.product_qty, 3.0)
        self.assertEqual(orders[1].pegging_ids.move_id, second)
        self.assertEqual(orders[1].pegging_ids.product_qty, 4.0)

    def test_uom_kg_and_gram(self):
        flour = self._product("Flour", uom_id=self.kg.id)
        seller = self._seller(
            flour, min_qty=5000.0, product_uom_id=self.gram.id, price=0.01
        )
        bread = self._product("Bread", make=True)
        # 2 breads take 500 g of flour: 0.25 kg per bread.
        self._bom(bread, [(flour, 500.0, self.gram)], qty=2.0)
        self._delivery(bread, 8.0, 6)

        self._run()

        order = self._suggestions(flour)
        # 8 breads need 2 kg, raised to the vendor's 5000 g = 5 kg.
        self.assertEqual(
            self._rows(order, SUGGESTION_FIELDS), [("buy", 5.0, day(6), day(6))]
        )
        self.assertEqual(order.supplierinfo_id, seller)
        self.assertEqual(order.purchase_qty, 5000.0)
        self.assertEqual(order.purchase_uom_id, self.gram)
        self.assertEqual(order.price_unit, 0.01)
        self.assertEqual(order.price_subtotal, 50.0)
        self.assertEqual(order.pegging_ids.product_qty, 2.0)

    def test_in_transit_purchase_and_rfq_are_netted(self):
        pin = self._product("Pin")
        self._seller(pin)
        order = self._purchase(pin, 10.0, 3)
        self.assertEqual(order.state, "purchase")
        rfq = self._purchase(pin, 5.0, 4, confirm=False)
        self.assertEqual(rfq.state, "draft")
        self._delivery(pin, 18.0, 5)

        run = self._run()

        # 18 needed: 10 in transit + 5 in the RFQ, 3 to buy.
        self.assertEqual(
            self._rows(self._suggestions(pin), SUGGESTION_FIELDS),
            [("buy", 3.0, day(5), day(5))],
        )
        # Both arrive 1-2 days ahead of the need: no message.
        self.assertEqual(run.message_count, 0)

    def test_expired_lot_is_not_netted(self):
        milk = self._product("Milk powder", tracking="lot", use_expiration_date=True)
        self._seller(milk)
        lot_vals = {"product_id": milk.id, "company_id": self.company.id}
        if "mes_quality_state" in self.env["stock.lot"]._fields:
            lot_vals["mes_quality_state"] = "released"
        old = self.env["stock.lot"].create(
            dict(lot_vals, name="OLD", expiration_date=at(-1))
        )
        fresh = self.env["stock.lot"].create(
            dict(lot_vals, name="FRESH", expiration_date=at(4))
        )
        self._stock(milk, 5.0, lot=old)
        self._stock(milk, 10.0, lot=fresh)
        self._delivery(milk, 6.0, 2)
        self._delivery(milk, 6.0, 8)

        self._run()

        # OLD is expired; FRESH serves the 6th, its last 4 expire on the 8th.
        self.assertEqual(
            self._rows(self._suggestions(milk), SUGGESTION_FIELDS),
            [("buy", 6.0, day(8), day(8))],
        )

    def test_non_nettable_location(self):
        quarantine = self.env["stock.location"].create(
            {
                "name": "Quarantine",
                "location_id": self.stock_location.id,
                "mes_mrp_nettable": False,
            }
        )
        shelf = self.env["stock.location"].create(
            {"name": "Q shelf", "location_id": quarantine.id}
        )
        valve = self._product("Valve")
        self._seller(valve)
        self._stock(valve, 10.0, location=quarantine)
        self._stock(valve, 4.0, location=shelf)
        self._stock(valve, 2.0)
        self._delivery(valve, 5.0, 3)

        self._run()

        self.assertEqual(
            self._rows(self._suggestions(valve), SUGGESTION_FIELDS),
            [("buy", 3.0, day(3), day(3))],
        )

    def test_two_warehouses_one_pool(self):
        wh2 = self.env["stock.warehouse"].create({"name": "Shop floor", "code": "SF2"})
        self.assertIn(wh2, self.group.warehouse_ids)
        self.assertEqual(self.group.warehouse_id, self.warehouse)
        gear = self._product("Gear")
        self._seller(gear)
        self._stock(gear, 6.0, location=wh2.lot_stock_id)
        self._delivery(gear, 10.0, 5)
        # Moving stock inside the pool is no demand.
        self._move(
            gear,
            3.0,
            at(2),
            dest=wh2.lot_stock_id,
            picking_type=self.warehouse.int_type_id,
        )
        self._move(
            gear,
            1.0,
            at(6),
            source=wh2.lot_stock_id,
            picking_type=wh2.out_type_id,
        )

        self._run()

        orders = self._suggestions(gear)
        self.assertEqual(
            self._rows(orders, SUGGESTION_FIELDS),
            [("buy", 4.0, day(5), day(5)), ("buy", 1.0, day(6), day(6))],
        )
        self.assertEqual(orders.warehouse_id, self.warehouse)

    def test_firm_planned_order_is_kept(self):
        rod = self._product("Rod")
        self._seller(rod)
        self._delivery(rod, 7.0, 5)
        first = self._run()
        firm = self._suggestions(rod)
        firm.with_user(self.planner).action_approve()
        self.assertEqual(firm.state, "approved")
        self._delivery(rod, 3.0, 10)

        second = self._run()

        self.assertEqual(
            self._rows(firm, SUGGESTION_FIELDS + ("state", "run_id")),
            [("buy", 7.0, day(5), day(5), "approved", first)],
        )
        self.assertEqual(
            self._rows(self._suggestions(rod), SUGGESTION_FIELDS + ("run_id",)),
            [("buy", 3.0, day(10), day(10), second)],
        )
        self.assertEqual(second.message_count, 0)

    def test_action_messages(self):
        early = self._product("Early part")
        late = self._product("Late part")
        unused = self._product("Unused part")
        for product in (early, late, unused):
            self._seller(product)
        late_po = self._purchase(late, 10.0, 10)
        self._delivery(late, 10.0, 5)
        early_po = self._purchase(early, 5.0, 1)
        self._delivery(early, 5.0, 10)
        unused_po = self._purchase(unused, 5.0, 2)
        # A manufacturing order nobody needs.
        component = self._product("Blank")
        self._seller(component)
        widget = self._product("Widget", make=True)
        bom = self._bom(widget, [(component, 1.0)])
        production = self.env["mrp.production"].create(
            {"product_id": widget.id, "product_qty": 2.0, "bom_id": bom.id}
        )
        production.action_confirm()
        production.move_finished_ids.date = at(3)

        run = self._run()

        fields = (
            "message_type",
            "date_current",
            "date_suggested",
            "product_qty",
            "purchase_line_id",
        )
        self.assertEqual(
            self._rows(self._messages(late), fields),
            [("reschedule_in", day(10), day(5), 10.0, late_po.order_line)],
        )
        self.assertEqual(
            self._messages(late).supply_move_id, late_po.picking_ids.move_ids
        )
        # Reschedule in: no new order for the need it covers.
        self.assertFalse(self._suggestions(late))
        self.assertEqual(
            self._rows(self._messages(early), fields),
            [("reschedule_out", day(1), day(10), 5.0, early_po.order_line)],
        )
        self.assertEqual(
            self._rows(self._messages(unused), fields),
            [("cancel", day(2), False, 5.0, unused_po.order_line)],
        )
        mo_message = self._messages(widget)
        self.assertEqual(
            self._rows(mo_message, ("message_type", "date_current", "product_qty")),
            [("cancel", day(3), 2.0)],
        )
        self.assertEqual(mo_message.production_id, production)
        self.assertEqual(run.message_count, 4)

    def test_no_source_and_expedite_messages(self):
        orphan = self._product("Orphan part", default_code="ORP-1")
        slow = self._product("Slow part")
        self._seller(slow, delay=10)
        self._delivery(orphan, 2.0, 3)
        self._delivery(slow, 4.0, 3)

        self._run()

        no_source = self._suggestions(orphan)
        self.assertEqual(
            self._rows(no_source, ("action", "product_qty", "exception")),
            [(False, 2.0, "no_source")],
        )
        self.assertEqual(
            no_source.exception_message,
            "Product [ORP-1] Orphan part has no vendor and no bill of materials: "
            "add a vendor on its Purchase tab, or a bill of materials and the "
            "Manufacture route on its Inventory tab.",
        )
        expedite = self._suggestions(slow)
        # Due on the 7th with a 10-day vendor: order today, expedite.
        self.assertEqual(
            self._rows(expedite, SUGGESTION_FIELDS + ("exception",)),
            [("buy", 4.0, day(3), day(0), "expedite")],
        )
        self.assertEqual(
            expedite.exception_message,
            "Product Slow part is late: ordered today (2030-03-04) it arrives "
            "after 2030-03-07 with its lead time. Order it at once and ask the "
            "vendor to expedite, or move the demand.",
        )

    def test_dates_in_planner_time_zone(self):
        self.planner.tz = "Europe/Brussels"
        clip = self._product("Clip")
        self._seller(clip)
        # 23:30 UTC on the 10th is 00:30 on the 11th in Brussels.
        self._move(clip, 1.0, at(6, hour=23).replace(minute=30))

        self._run()

        self.assertEqual(
            self._rows(self._suggestions(clip), ("date_required",)), [(day(7),)]
        )

    def test_rerun_is_idempotent(self):
        self.company.days_to_purchase = 2
        part = self._product("Bracket", mes_safety_stock=2.0)
        self._seller(part, delay=1, min_qty=5.0)
        other = self._product("Cover")
        self._delivery(part, 4.0, 3)
        self._delivery(part, 9.0, 12)
        self._delivery(other, 1.0, 4)
        self._purchase(part, 3.0, 20)
        fields = SUGGESTION_FIELDS + ("partner_id", "exception", "purchase_qty")

        first = self._run()
        rows_1 = self._rows(
            self.env["mes.mrp.suggestion"].search([("run_id", "=", first.id)]), fields
        )
        pegs_1 = self._rows(
            self.env["mes.mrp.pegging"].search(
                [("suggestion_id.run_id", "=", first.id)]
            ),
            ("product_qty", "date", "move_id", "demand_type"),
        )
        messages_1 = self._rows(
            self.env["mes.mrp.message"].search([("run_id", "=", first.id)]),
            ("message_type", "date_current", "date_suggested", "product_qty"),
        )
        suggestions_1 = self.env["mes.mrp.suggestion"].search(
            [("run_id", "=", first.id)]
        )
        pegging_1 = suggestions_1.pegging_ids
        message_ids_1 = self.env["mes.mrp.message"].search([("run_id", "=", first.id)])

        second = self._run()

        # Nothing changed: the same records, untouched (still the first run's).
        self.assertEqual(second.rows_written, 0)
        self.assertGreater(first.rows_written, 0)
        suggestions_2 = self.env["mes.mrp.suggestion"].search(
            [("planning_group_id", "=", self.group.id), ("state", "=", "new")]
        )
        self.assertEqual(suggestions_2, suggestions_1)
        self.assertEqual(suggestions_2.run_id, first)
        self.assertEqual(self._rows(suggestions_2, fields), rows_1)
        self.assertEqual(suggestions_2.pegging_ids, pegging_1)
        self.assertEqual(
            self._rows(
                self.env["mes.mrp.pegging"].search(
                    [("suggestion_id", "in", suggestions_2.ids)]
                ),
                ("product_qty", "date", "move_id", "demand_type"),
            ),
            pegs_1,
        )
        messages_2 = self.env["mes.mrp.message"].search(
            [("planning_group_id", "=", self.group.id), ("state", "=", "new")]
        )
        self.assertEqual(messages_2, message_ids_1)
        self.assertEqual(
            self._rows(
                messages_2,
                ("message_type", "date_current", "date_suggested", "product_qty"),
            ),
            messages_1,
        )
        self.assertEqual(
            (first.suggestion_count, first.message_count),
            (second.suggestion_count, second.message_count),
        )
        no_partner = self.env["res.partner"]
        # Floor 2 pulls the PO forward; 4 due on the 7th -> 3 short -> min 5;
        # 9 due on the 16th, 4 on hand of which 2 above the floor -> 7.
        self.assertEqual(
            rows_1,
            [
                ("buy", 5.0, day(3), day(0), self.vendor, "none", 5.0),
                (False, 1.0, day(4), day(4), no_partner, "no_source", 1.0),
                ("buy", 7.0, day(12), day(9), self.vendor, "none", 7.0),
            ],
        )
        self.assertEqual(messages_1, [("reschedule_in", day(20), day(0), 3.0)])

    def test_bom_cycle_fails_the_run(self):
        chair = self._product("Chair", make=True)
        seat = self._product("Seat", make=True)
        leg = self._product("Leg")
        self._bom(chair, [(seat, 1.0)])
        seat_bom = self._bom(seat, [(leg, 4.0)])
        # Odoo refuses a cycle in the UI; imported data can still hold one.
        self.env.cr.execute(
            "UPDATE mrp_bom_line SET product_id = %s WHERE bom_id = %s",
            (chair.id, seat_bom.id),
        )
        self.env.invalidate_all()
        self._delivery(chair, 1.0, 5)

        run = self._run()

        self.assertEqual(run.state, "failed")
        self.assertIn("Chair", run.error_message)
        self.assertIn("Seat", run.error_message)
        self.assertTrue(
            run.error_message.startswith(
                "The bills of materials of these products loop: "
            )
        )
        self.assertFalse(self._suggestions(chair) | self._suggestions(seat))

    def test_projection_button(self):
        lamp = self._product("Lamp")
        self._seller(lamp)
        self._stock(lamp, 3.0)
        self._delivery(lamp, 10.0, 10)

        action = lamp.product_tmpl_id.action_open_mes_projection()

        rows = self.env["mes.mrp.projection"].search(action["domain"])
        self.assertEqual(
            self._rows(rows, ("date", "demand", "receipts", "planned", "on_hand")),
            [(day(0), 0.0, 0.0, 0.0, 3.0), (day(10), 10.0, 0.0, 7.0, 0.0)],
        )
        # Read-only: nothing planned is stored.
        self.assertFalse(self._suggestions(lamp))

    def test_forecast_consumed_by_customer_demand(self):
        cap = self._product("Cap")
        self._seller(cap)
        forecast = self.env["mes.mrp.forecast"].create(
            {
                "planning_group_id": self.group.id,
                "product_id": cap.id,
                "date": day(2),
                "quantity": 10.0,
            }
        )
        self.assertEqual(forecast.product_qty, 10.0)
        self.assertEqual(forecast.company_id, self.company)
        delivery = self._delivery(cap, 4.0, 3)

        self._run()

        # Same ISO week: max(10, 4) = 10, the forecast keeps 6 on its own date.
        orders = self._suggestions(cap)
        self.assertEqual(
            self._rows(orders, ("product_qty", "date_required")),
            [(6.0, day(2)), (4.0, day(3))],
        )
        self.assertEqual(
            self._rows(orders.pegging_ids, ("demand_type", "forecast_id", "move_id")),
            [
                ("forecast", forecast, self.env["stock.move"]),
                ("move", self.env["mes.mrp.forecast"], delivery),
            ],
        )
        self.assertEqual(orders[0].pegging_ids.root_forecast_id, forecast)
