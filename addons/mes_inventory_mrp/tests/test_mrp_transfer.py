from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import tagged

from .mrp_common import MrpCase, at, day

FIELDS = ("action", "product_qty", "date_required", "date_order", "exception")


@tagged("post_install", "-at_install")
class TestMrpTransfer(MrpCase):
    """Transfer suggestions: the pool resupplied from a warehouse outside it.

    Run date: Monday 2030-03-04. The group holds WH only; Central (CEN) is
    another warehouse of the company, in a planning group of its own, and
    resupplies WH through the transit location: CEN/Stock -> Transit (2 days),
    Transit -> WH/Stock (1 day): 3 days in all.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.central = cls.env["stock.warehouse"].create(
            {"name": "Central", "code": "CEN"}
        )
        cls.group.warehouse_ids = [Command.unlink(cls.central.id)]
        cls.central_group = cls.env["mes.mrp.planning.group"].create(
            {
                "name": "Central pool",
                "warehouse_ids": [Command.set(cls.central.ids)],
                "warehouse_id": cls.central.id,
            }
        )
        cls.warehouse.resupply_wh_ids = [Command.link(cls.central.id)]
        cls.route = cls.env["stock.route"].search(
            [
                ("supplied_wh_id", "=", cls.warehouse.id),
                ("supplier_wh_id", "=", cls.central.id),
            ]
        )
        cls.transit = cls.company.internal_transit_location_id
        cls.receive_rule = cls.route.rule_ids.filtered(
            lambda r: r.location_dest_id == cls.stock_location
        )
        cls.ship_rule = cls.route.rule_ids.filtered(
            lambda r: r.location_src_id == cls.central.lot_stock_id
        )
        cls.receive_rule.delay = 1
        cls.ship_rule.delay = 2

    def test_resupply_route_gives_transfer(self):
        valve = self._product("Valve", mes_order_multiple=5.0)
        self._stock(valve, 2.0)
        # Stock of the central warehouse is not in the pool.
        self._stock(valve, 100.0, location=self.central.lot_stock_id)
        delivery = self._delivery(valve, 10.0, 10)
        urgent = self._product("Urgent valve")
        self._delivery(urgent, 4.0, 1)

        self._run()

        order = self._suggestions(valve)
        # 10 - 2 = 8, multiple of 5 -> 10; 3 days of transfer before the 14th.
        self.assertEqual(
            self._rows(order, FIELDS), [("transfer", 10.0, day(10), day(7), "none")]
        )
        self.assertEqual(order.warehouse_id, self.warehouse)
        self.assertEqual(order.source_warehouse_id, self.central)
        self.assertEqual(order.transfer_rule_id, self.receive_rule)
        self.assertFalse(order.partner_id)
        self.assertEqual(order.pegging_ids.move_id, delivery)
        late = self._suggestions(urgent)
        self.assertEqual(
            self._rows(late, FIELDS), [("transfer", 4.0, day(1), day(0), "expedite")]
        )
        self.assertEqual(
            late.exception_message,
            "Product Urgent valve is late: transferred today (2030-03-04) it "
            "arrives after 2030-03-05 with the transfer lead time. Transfer it "
            "at once and expedite it, or move the demand.",
        )

    def test_precedence_make_buy_transfer(self):
        bought = self._product("Bought part")
        self._seller(bought, delay=4)
        explicit = self._product(
            "Central part", route_ids=[Command.link(self.route.id)]
        )
        self._seller(explicit, delay=4)
        made = self._product("Made part", make=True)
        self._bom(made, [(bought, 1.0)], produce_delay=1)
        for product in (bought, explicit, made):
            self._delivery(product, 5.0, 10)

        self._run()

        # A vendor beats a warehouse-level resupply route...
        self.assertEqual(
            self._rows(self._suggestions(bought), FIELDS),
            [
                ("buy", 5.0, day(9), day(5), "none"),
                ("buy", 5.0, day(10), day(6), "none"),
            ],
        )
        # ...the route set on the product itself beats its vendor...
        self.assertEqual(
            self._rows(self._suggestions(explicit), FIELDS),
            [("transfer", 5.0, day(10), day(7), "none")],
        )
        # ...and a manufactured product is made.
        self.assertEqual(
            self._rows(self._suggestions(made), FIELDS),
            [("make", 5.0, day(10), day(9), "none")],
        )

    def test_no_route_is_no_source(self):
        self.warehouse.resupply_wh_ids = [Command.clear()]
        orphan = self._product("Orphan")
        self._delivery(orphan, 1.0, 5)
        self._run()
        self.assertEqual(
            self._rows(self._suggestions(orphan), ("action", "exception")),
            [(False, "no_source")],
        )

    def test_create_transfers(self):
        valve = self._product("Valve")
        seal = self._product("Seal")
        self._delivery(valve, 6.0, 10)
        self._delivery(seal, 3.0, 12)
        self._run()
        suggestions = self._suggestions(valve) | self._suggestions(seal)
        self.assertEqual(len(suggestions), 2)

        suggestions.with_user(self.planner).action_create_transfers()

        self.assertEqual(suggestions.mapped("state"), ["ordered", "ordered"])
        valve_move = self._suggestions(valve, state="ordered").transfer_move_id
        seal_move = self._suggestions(seal, state="ordered").transfer_move_id
        # Received into WH on the required day, from the transit location.
        self.assertEqual(
            (
                valve_move.product_uom_qty,
                valve_move.location_id,
                valve_move.location_dest_id,
                valve_move.date,
                valve_move.state,
            ),
            (6.0, self.transit, self.stock_location, at(10, hour=12), "waiting"),
        )
        self.assertEqual(seal_move.date, at(12, hour=12))
        self.assertEqual(valve_move.picking_id, seal_move.picking_id)
        # Shipped from Central 2 days before, in one picking for both.
        shipped = valve_move.move_orig_ids
        self.assertEqual(
            (shipped.location_id, shipped.location_dest_id, shipped.date),
            (self.central.lot_stock_id, self.transit, at(8, hour=12)),
        )
        self.assertEqual(
            shipped.picking_id, seal_move.move_orig_ids.picking_id, "one picking"
        )
        self.assertEqual(shipped.picking_id.picking_type_id, self.central.out_type_id)

        # The next run nets the transfer: nothing new, no message.
        self._run()
        self.assertFalse(self._suggestions(valve) | self._suggestions(seal))
        self.assertFalse(self._messages(valve) | self._messages(seal))

    def test_create_transfers_refusals(self):
        valve = self._product("Valve")
        bolt = self._product("Bolt")
        self._seller(bolt)
        orphan = self._product("Orphan")
        for product in (valve, bolt):
            self._delivery(product, 2.0, 5)
        self._run()
        transfer = self._suggestions(valve)
        buy = self._suggestions(bolt)

        clerk = self.env["res.users"].create(
            {
                "name": "Clerk",
                "login": "mes_transfer_clerk",
                "group_ids": [Command.set(self.env.ref("stock.group_stock_user").ids)],
            }
        )
        with self.assertRaisesRegex(AccessError, "Only MRP planners"):
            transfer.with_user(clerk).action_create_transfers()
        with self.assertRaises(UserError) as caught:
            (transfer | buy).with_user(self.planner).action_create_transfers()
        self.assertEqual(
            str(caught.exception),
            "Buy 2.0 Bolt is not a transfer suggestion: only transfer "
            "suggestions become transfers.",
        )
        self.assertEqual(transfer.state, "new")
        self.assertFalse(
            self.env["stock.move"].search(
                [("product_id", "=", valve.id), ("location_id", "=", self.transit.id)]
            )
        )

        # A no-source suggestion can be neither approved nor ordered.
        no_source = self.env["mes.mrp.suggestion"].create(
            {
                "planning_group_id": self.group.id,
                "company_id": self.company.id,
                "product_id": orphan.id,
                "product_qty": 1.0,
                "date_required": day(5),
                "date_order": day(5),
                "exception": "no_source",
            }
        )
        with self.assertRaisesRegex(UserError, "Orphan has no source"):
            no_source.with_user(self.planner).action_approve()
        with self.assertRaisesRegex(UserError, "has no source: add a vendor"):
            no_source.with_user(self.planner).action_create_transfers()
        with self.assertRaisesRegex(UserError, "has no source: add a vendor"):
            no_source.with_user(self.planner).action_create_purchase_orders()
        with self.assertRaisesRegex(ValidationError, "cannot be approved or ordered"):
            no_source.write({"state": "ordered"})

    def test_create_orders_transfer_and_buy_all_or_nothing(self):
        valve = self._product("Valve")
        bolt = self._product("Bolt")
        self._seller(bolt)
        self._delivery(valve, 6.0, 10)
        self._delivery(bolt, 2.0, 5)
        self._run()
        transfer = self._suggestions(valve)
        buy = self._suggestions(bolt)
        self.assertEqual((transfer.action, buy.action), ("transfer", "buy"))
        transit_moves = [
            ("product_id", "=", valve.id),
            ("location_id", "=", self.transit.id),
        ]

        # One wrong suggestion: nothing at all is created.
        buy_again = buy.copy({"state": "cancelled"})
        with self.assertRaisesRegex(UserError, "is already cancelled"):
            (transfer | buy | buy_again).with_user(self.planner).action_create_orders()
        self.assertEqual((transfer | buy).mapped("state"), ["new", "new"])
        self.assertFalse(self.env["stock.move"].search(transit_moves))
        self.assertFalse(buy.purchase_line_id)

        (transfer | buy).with_user(self.planner).action_create_orders()
        self.assertEqual((transfer | buy).mapped("state"), ["ordered", "ordered"])
        self.assertEqual(transfer.transfer_move_id.location_id, self.transit)
        self.assertEqual(buy.purchase_order_id.partner_id, self.vendor)
        self._run()
        self.assertFalse(self._suggestions(valve) | self._suggestions(bolt))
