from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tests import tagged

from .mrp_common import MrpCase, day


@tagged("post_install", "-at_install")
class TestProjectStock(MrpCase):
    """Projects that hold stock: netting per project, RFQs and MOs for a
    project, reservation and validation fenced per project."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        plan = cls.env["account.analytic.plan"].create({"name": "Projects"})
        cls.account_b = cls.env["account.analytic.account"].create(
            {"name": "Tunnel Boring B", "plan_id": plan.id}
        )
        Project = cls.env["project.project"]
        # A may fall back on free stock, B may not.
        cls.project_a = Project.create({"name": "Press Line A", "mes_hold_stock": True})
        cls.project_b = Project.create(
            {
                "name": "Tunnel Boring B",
                "mes_hold_stock": True,
                "mes_use_free_stock": False,
                "account_id": cls.account_b.id,
            }
        )
        cls.loc_a = cls.project_a._mes_stock_location(cls.warehouse)
        cls.loc_b = cls.project_b._mes_stock_location(cls.warehouse)
        cls.bolt = cls._product("Bolt M12")
        cls._seller(cls.bolt, price=2.0)

    def _plan_rows(self, product):
        return self._rows(
            self._suggestions(product),
            ["project_id", "action", "product_qty", "date_required"],
        )

    def _two_projects_and_free_demand(self):
        self._stock(self.bolt, 5, self.loc_a)
        self._stock(self.bolt, 3, self.loc_b)
        self._stock(self.bolt, 10)
        self._project_delivery(self.bolt, 8, 5, self.project_a)
        self._project_delivery(self.bolt, 6, 5, self.project_b)
        self._project_delivery(self.bolt, 4, 3)
        self._project_delivery(self.bolt, 7, 10)

    # -- setup --------------------------------------------------------------
    def test_project_location_is_made_once_under_the_warehouse_stock(self):
        self.assertEqual(self.loc_a.location_id, self.stock_location)
        self.assertEqual(self.loc_a.name, "Press Line A")
        self.assertEqual(self.loc_a.mes_project_id, self.project_a)
        self.assertEqual(self.loc_a.usage, "internal")
        self.assertEqual(self.project_a._mes_stock_location(self.warehouse), self.loc_a)
        self.assertEqual(self.project_a.mes_stock_location_ids, self.loc_a)
        self.assertTrue(self.project_a.mes_use_free_stock)
        free = self.env["project.project"].create({"name": "No stock"})
        with self.assertRaisesRegex(UserError, "No stock does not hold stock"):
            free._mes_stock_location(self.warehouse)
        with self.assertRaisesRegex(ValidationError, "must be allowed to use free"):
            free.mes_use_free_stock = False
        self._stock(self.bolt, 2, self.loc_a)
        with self.assertRaisesRegex(UserError, "still holds stock in"):
            self.project_a.mes_hold_stock = False

    # -- netting --------------------------------------------------------------
    def test_two_projects_and_free_demand_for_one_component(self):
        self._two_projects_and_free_demand()
        self._run()
        # A: its own 5, then 3 of the free 10 (it may); B: its own 3 and
        # never free stock: buys 3 for itself; free demand: 4 and 7 from the
        # 7 free left: buys 4. Nobody takes A's or B's stock.
        self.assertEqual(
            self._plan_rows(self.bolt),
            [
                (self.project_b, "buy", 3.0, day(5)),
                (self.env["project.project"], "buy", 4.0, day(10)),
            ],
        )
        peg_b = self._suggestions(self.bolt)[0].pegging_ids
        self.assertEqual(peg_b.project_id, self.project_b)
        self.assertEqual(peg_b.product_qty, 3.0)

    def test_projected_stock_of_each_project(self):
        self._two_projects_and_free_demand()
        action = self.bolt.product_tmpl_id.with_user(
            self.planner
        ).action_open_mes_projection()
        self.assertEqual(action["context"]["search_default_mes_whole_pool"], 1)
        rows = self.env["mes.mrp.projection"].search(action["domain"])
        fields = ("date", "demand", "planned", "on_hand")

        def of(project):
            return self._rows(rows.filtered(lambda r: r.project_id == project), fields)

        # The whole pool: 18 on hand, 25 of demand, 7 planned (3 for B, 4 free).
        self.assertEqual(
            of(self.env["project.project"]),
            [
                (day(0), 0.0, 0.0, 18.0),
                (day(3), 4.0, 0.0, 14.0),
                (day(5), 14.0, 3.0, 3.0),
                (day(10), 7.0, 4.0, 0.0),
            ],
        )
        # A serves 5 of its 8 itself (free stock the other 3); B all 6.
        self.assertEqual(
            of(self.project_a), [(day(0), 0.0, 0.0, 5.0), (day(5), 5.0, 0.0, 0.0)]
        )
        self.assertEqual(
            of(self.project_b), [(day(0), 0.0, 0.0, 3.0), (day(5), 6.0, 3.0, 0.0)]
        )

    def test_free_demand_never_takes_project_stock(self):
        self._stock(self.bolt, 20, self.loc_a)
        self._project_delivery(self.bolt, 6, 2)
        self._run()
        self.assertEqual(
            self._plan_rows(self.bolt),
            [(self.env["project.project"], "buy", 6.0, day(2))],
        )

    # -- orders from project suggestions ---------------------------------------
    def test_rfq_from_project_suggestion_carries_the_project(self):
        self._two_projects_and_free_demand()
        self._run()
        suggestion_b = self._suggestions(self.bolt).filtered(
            lambda s: s.project_id == self.project_b
        )
        suggestion_b.with_user(self.planner).action_create_purchase_orders()
        order = suggestion_b.purchase_line_id.order_id
        self.assertEqual(order.project_id, self.project_b)
        self.assertEqual(
            suggestion_b.purchase_line_id.analytic_distribution,
            {str(self.account_b.id): 100},
        )
        order.button_confirm()
        receipt = order.picking_ids
        self.assertEqual(receipt.project_id, self.project_b)
        self.assertEqual(receipt.move_ids.location_dest_id, self.loc_b)
        # The receipt in transit is B's: the next run nets it for B only.
        self._run()
        self.assertEqual(
            self._plan_rows(self.bolt),
            [(self.env["project.project"], "buy", 4.0, day(10))],
        )
        self._mes_receive(order)
        quants = self.env["stock.quant"].search(
            [("product_id", "=", self.bolt.id), ("location_id", "=", self.loc_b.id)]
        )
        self.assertEqual(sum(quants.mapped("quantity")), 6.0)
        # B's delivery got the 3 that arrived for it, from B's location.
        delivery_b = self.env["stock.picking"].search(
            [
                ("project_id", "=", self.project_b.id),
                ("picking_type_code", "=", "outgoing"),
            ]
        )
        self.assertEqual(delivery_b.move_ids.quantity, 6.0)
        self.assertEqual(delivery_b.move_ids.move_line_ids.location_id, self.loc_b)

    def test_mo_from_project_suggestion_carries_the_project(self):
        frame = self._product("Frame", make=True)
        self._bom(frame, [(self.bolt, 2)])
        self._stock(self.bolt, 4, self.loc_b)
        self._stock(self.bolt, 50)
        self._project_delivery(frame, 3, 10, self.project_b)
        self._run()
        make = self._suggestions(frame)
        self.assertEqual(
            self._plan_rows(frame), [(self.project_b, "make", 3.0, day(10))]
        )
        # B makes for itself: 4 of its own bolts, 2 bought (free ones are not B's).
        self.assertEqual(
            self._plan_rows(self.bolt), [(self.project_b, "buy", 2.0, day(10))]
        )
        make.with_user(self.planner).action_create_productions()
        production = make.production_id
        self.assertEqual(production.project_id, self.project_b)
        self.assertEqual(production.location_dest_id, self.loc_b)
        # B's bolts are reserved for B's MO, never the free ones.
        self.assertEqual(production.move_raw_ids.move_line_ids.location_id, self.loc_b)
        self.assertEqual(production.move_raw_ids.quantity, 4.0)
        self._run()
        self.assertEqual(self._plan_rows(frame), [])
        self.assertEqual(
            self._plan_rows(self.bolt), [(self.project_b, "buy", 2.0, day(10))]
        )

    # -- reservation and validation ---------------------------------------------
    def test_reservation_takes_own_project_stock_then_free_when_allowed(self):
        self._stock(self.bolt, 5, self.loc_a)
        self._stock(self.bolt, 3, self.loc_b)
        self._stock(self.bolt, 10)
        free_out = self._project_delivery(self.bolt, 12, 1)
        free_out.action_assign()
        # Free demand: only the 10 free, never A's or B's.
        self.assertEqual(free_out.move_ids.quantity, 10.0)
        self.assertEqual(
            free_out.move_ids.move_line_ids.location_id, self.stock_location
        )
        free_out.do_unreserve()
        a_out = self._project_delivery(self.bolt, 8, 1, self.project_a)
        a_out.action_assign()
        lines = a_out.move_ids.move_line_ids
        self.assertEqual(
            sorted((ml.location_id.id, ml.quantity) for ml in lines),
            sorted([(self.loc_a.id, 5.0), (self.stock_location.id, 3.0)]),
        )
        b_out = self._project_delivery(self.bolt, 8, 1, self.project_b)
        b_out.action_assign()
        # B: its own 3, no free stock, never A's.
        self.assertEqual(b_out.move_ids.move_line_ids.location_id, self.loc_b)
        self.assertEqual(b_out.move_ids.quantity, 3.0)

    def test_project_mo_puts_finished_goods_in_the_project_location(self):
        frame = self._product("Frame", make=True)
        self._bom(frame, [(self.bolt, 1)])
        self._stock(self.bolt, 2, self.loc_a)
        production = self.env["mrp.production"].create(
            {"product_id": frame.id, "product_qty": 2, "project_id": self.project_a.id}
        )
        production.action_confirm()
        self.assertEqual(production.location_dest_id, self.loc_a)
        self.assertEqual(production.move_finished_ids.location_dest_id, self.loc_a)
        production.action_assign()
        self.assertEqual(production.move_raw_ids.move_line_ids.location_id, self.loc_a)
        production.qty_producing = 2
        production.move_raw_ids.picked = True
        production.button_mark_done()
        quants = self.env["stock.quant"].search(
            [("product_id", "=", frame.id), ("location_id", "=", self.loc_a.id)]
        )
        self.assertEqual(quants.quantity, 2.0)
        self.assertEqual(quants.mes_project_id, self.project_a)

    def test_transfers_between_project_and_free_stock(self):
        self._stock(self.bolt, 10)
        self._stock(self.bolt, 4, self.loc_b)
        internal = self.warehouse.int_type_id

        def transfer(source, dest, qty):
            picking = self.env["stock.picking"].create(
                {
                    "picking_type_id": internal.id,
                    "location_id": source.id,
                    "location_dest_id": dest.id,
                    "project_id": self.project_b.id,
                    "move_ids": [
                        Command.create(
                            {
                                "product_id": self.bolt.id,
                                "product_uom_qty": qty,
                                "product_uom": self.bolt.uom_id.id,
                                "location_id": source.id,
                                "location_dest_id": dest.id,
                            }
                        )
                    ],
                }
            )
            picking.action_confirm()
            picking.action_assign()
            return picking

        # Free stock given to B (which may not use free stock otherwise).
        give = transfer(self.stock_location, self.loc_b, 6)
        self.assertEqual(give.move_ids.move_line_ids.location_id, self.stock_location)
        self.assertEqual(give.move_ids.quantity, 6.0)
        give.button_validate()
        # B gives 3 back to free stock: an explicit, logged transfer of B.
        back = transfer(self.loc_b, self.stock_location, 3)
        self.assertEqual(back.move_ids.move_line_ids.location_id, self.loc_b)
        back.button_validate()
        self.assertEqual(back.state, "done")
        quants = self.env["stock.quant"].search(
            [("product_id", "=", self.bolt.id), ("location_id", "=", self.loc_b.id)]
        )
        self.assertEqual(quants.quantity, 7.0)

    def test_another_project_cannot_take_project_stock(self):
        self._stock(self.bolt, 5, self.loc_a)
        frame = self._product("Frame", make=True)
        self._bom(frame, [(self.bolt, 1)])
        production = self.env["mrp.production"].create(
            {
                "product_id": frame.id,
                "product_qty": 2,
                "project_id": self.project_b.id,
            }
        )
        production.action_confirm()
        production.action_assign()
        self.assertEqual(production.move_raw_ids.quantity, 0.0)
        # Validation refuses a line taken from A's location by hand.
        out = self._project_delivery(self.bolt, 2, 1)
        out.move_ids.move_line_ids = [
            Command.create(
                {
                    "product_id": self.bolt.id,
                    "quantity": 2,
                    "location_id": self.loc_a.id,
                    "location_dest_id": self.customer_location.id,
                }
            )
        ]
        out.move_ids.picked = True
        with self.assertRaisesRegex(UserError, "held by project Press Line A"):
            out.button_validate()
        # A's own delivery may.
        out.project_id = self.project_a
        out.button_validate()
        self.assertEqual(out.state, "done")

    # -- scale ---------------------------------------------------------------
    def _make_projects(self, count, prefix):
        projects = self.env["project.project"].create(
            [{"name": f"{prefix} {i}", "mes_hold_stock": True} for i in range(count)]
        )
        product = self._product(f"{prefix} part")
        self._seller(product)
        for project in projects:
            self._stock(product, 1, project._mes_stock_location(self.warehouse))
        pickings = self.env["stock.picking"].create(
            [
                {
                    "picking_type_id": self.warehouse.out_type_id.id,
                    "project_id": project.id,
                    "move_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "product_uom_qty": 3,
                                "product_uom": product.uom_id.id,
                                "location_id": self.stock_location.id,
                                "location_dest_id": self.customer_location.id,
                            }
                        )
                    ],
                }
                for project in projects
            ]
        )
        pickings.action_confirm()
        return product

    def test_query_count_does_not_grow_with_projects(self):
        small_product = self._make_projects(10, "Small")
        self._count_run_queries()  # warm the caches
        small, small_run = self._count_run_queries()
        self._make_projects(90, "Large")
        self._count_run_queries()
        large, large_run = self._count_run_queries()
        # one suggestion of 2 per project (1 held, 3 needed)
        self.assertEqual(small_run.suggestion_count, 10)
        self.assertEqual(large_run.suggestion_count, 100)
        self.assertEqual(
            self._rows(self._suggestions(small_product)[:1], ["product_qty"]), [(2.0,)]
        )
        self.assertEqual(len(self._suggestions(small_product).project_id), 10)
        self.assertEqual(
            large, small, "queries: %s for 10, %s for 100" % (small, large)
        )

    # -- rights and companies -----------------------------------------------
    def test_buyer_receiving_for_a_project_gets_its_location_made(self):
        project = self.env["project.project"].create(
            {"name": "Harbour Crane", "mes_hold_stock": True}
        )
        buyer = self._mes_user(
            "mes_project_buyer", "purchase.group_purchase_user,stock.group_stock_user"
        )
        order = (
            self.env["purchase.order"]
            .with_user(buyer)
            .create(
                {
                    "partner_id": self.vendor.id,
                    "project_id": project.id,
                    "order_line": [
                        Command.create({"product_id": self.bolt.id, "product_qty": 4})
                    ],
                }
            )
        )
        order.button_confirm()
        location = project.mes_stock_location_ids
        self.assertEqual(location.name, "Harbour Crane")
        self.assertEqual(location.location_id, self.stock_location)
        self.assertEqual(order.picking_ids.location_dest_id, location)
        self.assertEqual(order.picking_ids.project_id, project)
        # A project that does not hold stock receives into stock as in Odoo.
        order_free = self._purchase(self.bolt, 2, 1, confirm=False)
        order_free.project_id = self.env["project.project"].create({"name": "Plain"})
        order_free.button_confirm()
        self.assertEqual(order_free.picking_ids.location_dest_id, self.stock_location)

    def test_project_stock_stays_in_its_company(self):
        other = self.env["res.company"].create({"name": "Other Plant"})
        project = self.env["project.project"].create(
            {"name": "Foreign Job", "mes_hold_stock": True, "company_id": other.id}
        )
        with self.assertRaisesRegex(UserError, "holds stock only in the warehouses"):
            project._mes_stock_location(self.warehouse)
        with self.assertRaisesRegex(ValidationError, "use a location of the"):
            self.loc_a.copy({"name": "Wrong", "mes_project_id": project.id})
        # The other company's project is not planned in this group.
        self._stock(self.bolt, 5, self.loc_a)
        self._project_delivery(self.bolt, 2, 3, project)
        self._run()
        self.assertEqual(
            self._plan_rows(self.bolt),
            [(self.env["project.project"], "buy", 2.0, day(3))],
        )
