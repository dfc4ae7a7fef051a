"""Flow 2 of DESIGN.md: a purchase receipt refreshes the kitting of waiting MOs.

MRP run (mes_inventory_mrp) → buy suggestions → RFQs in one click → POs
confirmed → receipts validated by a warehouse clerk → the MOs' kitting state
(mes_shopfloor) flips in the validating transaction, with no explicit refresh.
"""

from odoo.addons.mes_inventory_mrp.tests.common_purchase import MesPurchaseCase
from odoo.tests import Form, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestFlow2ReceiptRefreshesKitting(MesPurchaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Validates receipts; no Manufacturing nor Purchase rights.
        cls.clerk = new_test_user(
            cls.env,
            login="mes_clerk",
            name="Carl Clerk",
            groups="stock.group_stock_user",
        )

    def _shortages(self, production):
        return {
            s.product_id: (
                s.qty_required,
                s.qty_available,
                s.qty_missing,
                s.incoming_purchase_id,
                s.incoming_qty,
            )
            for s in production.mes_shortage_ids
        }

    def _receive_as_clerk(self, order, quantities):
        """Validate the open receipt of ``order`` as the clerk, receiving
        ``quantities`` ({product: qty}); the rest goes to a backorder."""
        picking = order.picking_ids.filtered(
            lambda p: p.state not in ("done", "cancel")
        ).with_user(self.clerk)
        self.assertEqual(len(picking), 1)
        for move in picking.move_ids:
            move.quantity = quantities.get(move, 0.0)
        picking.move_ids.picked = True
        action = picking.button_validate()
        if isinstance(action, dict):
            self.assertEqual(action["res_model"], "stock.backorder.confirmation")
            Form.from_action(self.env(user=self.clerk), action).save().process()
        self.assertEqual(picking.state, "done")
        return picking

    def test_flow2_receipts_refresh_kitting_at_once(self):
        first = self.make_mo(4, 14)
        second = self.make_mo(2, 21)
        self.assertEqual(
            first.move_raw_ids.mapped(lambda m: (m.product_id, m.product_qty)),
            [(self.steel, 12.0), (self.seal, 8.0)],
        )
        self.assertEqual(first.mes_kitting_state, "not_kitted")
        self.assertEqual(second.mes_kitting_state, "not_kitted")
        self.assertEqual(
            self._shortages(first),
            {
                self.steel: (12.0, 0.0, 12.0, self.env["purchase.order"], 0.0),
                self.seal: (8.0, 0.0, 8.0, self.env["purchase.order"], 0.0),
            },
        )

        # MRP: one buy per component and need date, from the default vendors.
        run = self.run_mrp()
        suggestions = self.new_suggestions(self.steel | self.seal)
        self.assertEqual(
            [
                (s.product_id, s.action, s.product_qty, s.date_required, s.partner_id)
                for s in suggestions
            ],
            [
                (self.steel, "buy", 12.0, self.day(14), self.steelcorp),
                (self.steel, "buy", 6.0, self.day(21), self.steelcorp),
                (self.seal, "buy", 8.0, self.day(14), self.fastseal),
                (self.seal, "buy", 4.0, self.day(21), self.fastseal),
            ],
        )
        self.assertEqual(set(suggestions.run_id.ids), {run.id})
        steel_peg = suggestions[0].pegging_ids
        self.assertEqual(steel_peg.move_id.raw_material_production_id, first)

        # One click: one RFQ per vendor; the buyer confirms them.
        suggestions.with_user(self.buyer).action_create_purchase_orders()
        orders = suggestions.purchase_order_id
        self.assertEqual(len(orders), 2)
        steel_po = orders.filtered(lambda o: o.partner_id == self.steelcorp)
        seal_po = orders.filtered(lambda o: o.partner_id == self.fastseal)
        self.assertEqual(
            steel_po.order_line.mapped(
                lambda line: (line.product_qty, line.price_unit)
            ),
            [(12.0, 4.0), (6.0, 4.0)],
        )
        self.assertEqual(steel_po.amount_untaxed, 72.0)
        self.assertEqual(seal_po.amount_untaxed, 10.2)
        orders.with_user(self.buyer).button_confirm()
        self.assertEqual(orders.mapped("state"), ["purchase", "purchase"])
        self.assertEqual(set(suggestions.mapped("state")), {"ordered"})
        # The stock view shows what is on its way from the vendors.
        in_transit = self.env["mes.stock.view"].search(
            [
                ("product_id", "in", (self.steel | self.seal).ids),
                ("state", "=", "in_transit_vendor"),
            ]
        )
        self.assertEqual(
            sorted((r.product_id.name, r.warehouse_id, r.quantity) for r in in_transit),
            [
                ("Seal", self.warehouse, 4.0),
                ("Seal", self.warehouse, 8.0),
                ("Steel sheet", self.warehouse, 6.0),
                ("Steel sheet", self.warehouse, 12.0),
            ],
        )
        # Confirming a PO moves no stock: the MOs still wait.
        self.assertEqual(first.mes_kitting_state, "not_kitted")

        # The clerk receives all the steel: both MOs are half-kitted at once,
        # and the seal shortages now point at the seal PO (reverse pegging).
        steel_moves = steel_po.picking_ids.move_ids
        self._receive_as_clerk(steel_po, {m: m.product_uom_qty for m in steel_moves})
        self.assertEqual(self.steel.qty_available, 18.0)
        self.assertEqual(first.mes_kitting_state, "partial")
        self.assertEqual(second.mes_kitting_state, "partial")
        self.assertEqual(
            self._shortages(first), {self.seal: (8.0, 0.0, 8.0, seal_po, 8.0)}
        )
        self.assertEqual(
            self._shortages(second), {self.seal: (4.0, 0.0, 4.0, seal_po, 4.0)}
        )

        # 10 of the 12 seals arrive: the earlier MO is served first.
        seal_moves = seal_po.picking_ids.move_ids.sorted("date")
        self._receive_as_clerk(seal_po, {seal_moves[0]: 8.0, seal_moves[1]: 2.0})
        self.assertEqual(self.seal.qty_available, 10.0)
        self.assertEqual(first.mes_kitting_state, "kitted")
        self.assertFalse(first.mes_shortage_ids)
        self.assertEqual(second.mes_kitting_state, "partial")
        backorder = seal_po.picking_ids.filtered(lambda p: p.state == "assigned")
        self.assertEqual(backorder.move_ids.product_qty, 2.0)
        self.assertEqual(
            self._shortages(second), {self.seal: (4.0, 2.0, 2.0, seal_po, 2.0)}
        )
        self.assertEqual(second.mes_shortage_ids.incoming_move_id, backorder.move_ids)

        # The backorder arrives: the second MO is kitted too.
        self._receive_as_clerk(seal_po, {backorder.move_ids: 2.0})
        self.assertEqual(second.mes_kitting_state, "kitted")
        self.assertFalse(second.mes_shortage_ids)
        self.assertEqual(seal_po.order_line.mapped("qty_received"), [8.0, 4.0])
        # Nothing left to buy on the next run.
        self.run_mrp()
        self.assertFalse(self.new_suggestions(self.steel | self.seal))
