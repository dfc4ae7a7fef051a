from odoo.fields import Command
from odoo.tests import tagged

from .mrp_common import MrpCase, day


@tagged("post_install", "-at_install")
class TestMrpVendorPrice(MrpCase):
    """The cheapest price break of the chosen vendor, in company currency."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 2 units of the foreign currency per unit of the company's.
        cls.foreign = cls._foreign_currency(2.0)

    def test_price_break_compared_in_company_currency(self):
        valve = self._product("Valve")
        base = self._seller(valve, price=10.0)
        # 16 foreign = 8 in company currency: cheaper from 50 units.
        cheap_break = self._seller(
            valve, price=16.0, min_qty=50.0, currency_id=self.foreign.id
        )
        self._delivery(valve, 60.0, 5)
        self._delivery(valve, 10.0, 6)

        self._run()

        big, small = self._suggestions(valve)
        self.assertEqual(
            (big.product_qty, big.supplierinfo_id, big.price_unit, big.currency_id),
            (60.0, cheap_break, 16.0, self.foreign),
        )
        self.assertEqual(big.price_subtotal, 960.0)
        self.assertEqual(big.date_required, day(5))
        # 10 does not reach the break.
        self.assertEqual(
            (small.product_qty, small.supplierinfo_id, small.price_unit),
            (10.0, base, 10.0),
        )

    def test_discounted_price_breaks(self):
        seal = self._product("Seal")
        base = self._seller(seal, price=10.0)
        # 24 foreign units are 12 in company currency; a line of 12.5 with a
        # 25 % discount is 9.375: the cheapest the quantity reaches.
        self._seller(seal, price=24.0, min_qty=50.0, currency_id=self.foreign.id)
        discounted = self._seller(seal, price=12.5, min_qty=40.0, discount=25.0)
        self._delivery(seal, 60.0, 5)
        self._delivery(seal, 45.0, 6)

        self._run()

        first, second = self._suggestions(seal)
        self.assertEqual(first.supplierinfo_id, discounted)
        self.assertEqual(first.price_unit, 12.5)
        self.assertEqual(second.supplierinfo_id, discounted)
        base.discount = 50.0  # 5: now the base line is the cheapest
        self._run()
        self.assertEqual(self._suggestions(seal).mapped("supplierinfo_id"), base)

    def test_comparison_shows_what_the_run_suggests(self):
        """Below every minimum the run takes the first line (Odoo's vendor
        order: highest minimum first) raised to its minimum, then the order
        multiple: the vendor comparison quotes the same line, price and
        quantity for the offer the suggestion comes from."""
        flange = self._product("Flange", mes_order_multiple=6.0)
        small_break = self._seller(flange, price=5.0, min_qty=10.0)
        big_break = self._seller(flange, price=4.0, min_qty=100.0)
        other = self._seller(
            flange, partner=self.vendor2, price=4.5, min_qty=50.0, sequence=5
        )
        self._delivery(flange, 3.0, 5)

        self._run()

        suggestion = self._suggestions(flange)
        # 3 needed: the 100 line (first), 100 -> 102 with the multiple of 6.
        self.assertEqual(
            (suggestion.supplierinfo_id, suggestion.price_unit, suggestion.product_qty),
            (big_break, 4.0, 102.0),
        )
        action = suggestion.with_user(self.planner).action_compare_vendors()
        lines = self.env["mes.vendor.comparison"].browse(action["res_id"]).line_ids
        current = lines.filtered("is_current")
        self.assertRecordValues(
            current,
            [
                {
                    "supplierinfo_id": big_break.id,
                    "price_unit": suggestion.price_unit,
                    "product_qty": suggestion.product_qty,
                    "purchase_qty": suggestion.purchase_qty,
                    "price_subtotal": suggestion.price_subtotal,
                }
            ],
        )
        self.assertNotIn(small_break, lines.supplierinfo_id)
        # The other vendor: its minimum, rounded to the multiple.
        self.assertRecordValues(
            lines - current,
            [{"supplierinfo_id": other.id, "product_qty": 54.0, "price_unit": 4.5}],
        )


@tagged("post_install", "-at_install")
class TestMrpProjectionGroups(MrpCase):
    def test_projection_per_planning_group(self):
        wh2 = self.env["stock.warehouse"].create({"name": "Plant 2", "code": "PL2"})
        self.group.warehouse_ids = [Command.unlink(wh2.id)]
        group2 = self.env["mes.mrp.planning.group"].create(
            {
                "name": "Plant 2 pool",
                "warehouse_ids": [Command.set(wh2.ids)],
                "warehouse_id": wh2.id,
            }
        )
        lamp = self._product("Lamp")
        self._seller(lamp)
        self._stock(lamp, 3.0)
        self._stock(lamp, 7.0, location=wh2.lot_stock_id)
        self._delivery(lamp, 10.0, 10)

        action = lamp.with_user(self.planner).action_open_mes_projection()

        self.assertEqual(
            action["context"]["searchpanel_default_planning_group_id"], self.group.id
        )
        rows = self.env["mes.mrp.projection"].search(action["domain"])
        fields = ("date", "demand", "planned", "on_hand")
        self.assertEqual(
            self._rows(
                rows.filtered(lambda r: r.planning_group_id == self.group), fields
            ),
            [(day(0), 0.0, 0.0, 3.0), (day(10), 10.0, 7.0, 0.0)],
        )
        self.assertEqual(
            self._rows(rows.filtered(lambda r: r.planning_group_id == group2), fields),
            [(day(0), 0.0, 0.0, 7.0)],
        )
