"""Flow 4 of DESIGN.md: components picked to the line side, consumed, surplus
returned; the books equal the physical stock in both places.

Pick central → line side → one housing scrapped at the line side, fewer
consumed than planned → MO done → surplus return created → validated by the
warehouse clerk → quants at central and line side as expected, the MO's
line-side balance closes at zero.
"""

from odoo.addons.mes_shopfloor.tests.common import ShopfloorCommon
from odoo.tests import Form, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestFlow4PickConsumeReturn(ShopfloorCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clerk = new_test_user(
            cls.env,
            login="mes_clerk4",
            name="Carl Clerk",
            groups="stock.group_stock_user",
        )
        cls.scrap_location = cls.env["stock.location"].search(
            [
                ("usage", "=", "inventory"),
                ("company_id", "in", [cls.company.id, False]),
            ],
            limit=1,
        )
        quant = cls.env["stock.quant"]
        quant._update_available_quantity(cls.housing, cls.central.lot_stock_id, 100)
        quant._update_available_quantity(cls.seal, cls.central.lot_stock_id, 50)

    def _balance(self, mo):
        self.env.flush_all()
        return {
            b.product_id: (
                b.location_id,
                b.picked_qty,
                b.consumed_qty,
                b.scrapped_qty,
                b.returned_qty,
                b.kept_qty,
                b.remaining_qty,
            )
            for b in mo.mes_balance_ids
        }

    def _books(self):
        central, line = self.central.lot_stock_id, self.line_a
        return {
            (product.name, location.name): self._qty(product, location)
            for product in (self.housing, self.seal)
            for location in (central, line)
        }

    def test_flow4_pick_consume_return_books_equal(self):
        self.assertFalse(self.company.mes_auto_validate_returns)
        mo = self._mo(self.bom, 5)
        self.assertEqual(mo.move_raw_ids.location_id, self.line_a)
        pick = mo.mes_pick_picking_ids
        self.assertRecordValues(
            pick,
            [
                {
                    "state": "assigned",
                    "origin": mo.name,
                    "location_id": self.central.lot_stock_id.id,
                    "location_dest_id": self.line_a.id,
                    "mes_transfer_kind": "pick",
                }
            ],
        )
        self.assertEqual(
            {(m.product_id, m.product_uom_qty) for m in pick.move_ids},
            {(self.housing, 10.0), (self.seal, 5.0)},
        )

        # The clerk brings the components to the line side.
        pick = pick.with_user(self.clerk)
        for move in pick.move_ids:
            move.quantity = move.product_uom_qty
        pick.move_ids.picked = True
        pick.button_validate()
        self.assertEqual(pick.state, "done")
        self.assertEqual(mo.mes_kitting_state, "kitted")
        self.assertEqual(
            self._books(),
            {
                ("Housing", "Stock"): 90.0,
                ("Housing", "Line A"): 10.0,
                ("Seal", "Stock"): 45.0,
                ("Seal", "Line A"): 5.0,
            },
        )
        self.assertEqual(
            self._balance(mo),
            {
                self.housing: (self.line_a, 10.0, 0.0, 0.0, 0.0, 0.0, 10.0),
                self.seal: (self.line_a, 5.0, 0.0, 0.0, 0.0, 0.0, 5.0),
            },
        )

        # A housing is damaged at the line side: scrapped from the MO, where
        # it lies.
        action = mo.button_scrap()
        with Form(
            self.env["stock.scrap"].with_context(**action["context"])
        ) as scrap_form:
            scrap_form.product_id = self.housing
            self.assertEqual(scrap_form.location_id, self.line_a)
            scrap_form.scrap_qty = 1
        scrap = scrap_form.record
        scrap.action_validate()
        self.assertEqual(scrap.state, "done")
        self.assertEqual(self._qty(self.housing, self.line_a), 9.0)

        # Five pumps made with 8 housings (2 planned per pump): 1 left over.
        mo.action_assign()
        with Form(mo) as mo_form:
            mo_form.qty_producing = 5
            for index in range(len(mo.move_raw_ids)):
                with mo_form.move_raw_ids.edit(index) as line:
                    if line.product_id == self.housing:
                        line.quantity = 8
                    line.picked = True
        mo.button_mark_done()
        self.assertEqual(mo.state, "done")
        self.assertEqual(mo.qty_produced, 5.0)
        self.assertFalse(mo.mes_kitting_state)
        self.assertEqual(self.pump.qty_available, 5.0)

        # The surplus goes back to central stock in a return for the clerk.
        ret = mo.mes_return_picking_ids
        self.assertRecordValues(
            ret,
            [
                {
                    "state": "assigned",
                    "origin": mo.name,
                    "location_id": self.line_a.id,
                    "location_dest_id": self.central.lot_stock_id.id,
                    "picking_type_id": self.central.int_type_id.id,
                    "mes_production_id": mo.id,
                    "mes_transfer_kind": "return",
                }
            ],
        )
        self.assertEqual(
            ret.move_ids.mapped(lambda m: (m.product_id, m.product_uom_qty)),
            [(self.housing, 1.0)],
        )
        # Open returns already count: nothing is unaccounted for.
        self.assertEqual(
            self._balance(mo),
            {
                self.housing: (self.line_a, 10.0, 8.0, 1.0, 1.0, 0.0, 0.0),
                self.seal: (self.line_a, 5.0, 5.0, 0.0, 0.0, 0.0, 0.0),
            },
        )
        ret = ret.with_user(self.clerk)
        ret.move_ids.quantity = 1.0
        ret.move_ids.picked = True
        ret.button_validate()
        self.assertEqual(ret.state, "done")

        # Books equal physical: 100 - 10 picked + 1 returned (8 consumed, 1
        # scrapped); nothing left at the line side.
        self.assertEqual(
            self._books(),
            {
                ("Housing", "Stock"): 91.0,
                ("Housing", "Line A"): 0.0,
                ("Seal", "Stock"): 45.0,
                ("Seal", "Line A"): 0.0,
            },
        )
        self.assertEqual(self._qty(self.housing, self.scrap_location), 1.0)
        self.assertEqual(
            self._balance(mo),
            {
                self.housing: (self.line_a, 10.0, 8.0, 1.0, 1.0, 0.0, 0.0),
                self.seal: (self.line_a, 5.0, 5.0, 0.0, 0.0, 0.0, 0.0),
            },
        )
        self.assertFalse(mo.mes_handover_ids)
        # The stock view agrees: housings only at central, available.
        rows = self.env["mes.stock.view"].search(
            [("product_id", "in", (self.housing | self.seal).ids)]
        )
        self.assertEqual(
            sorted(
                (r.product_id.name, r.warehouse_id.code, r.location_role, r.state)
                + (r.quantity,)
                for r in rows
            ),
            [
                ("Housing", self.central.code, "central", "available", 91.0),
                ("Seal", self.central.code, "central", "available", 45.0),
            ],
        )
