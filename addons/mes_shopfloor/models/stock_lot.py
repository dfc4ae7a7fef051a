from collections import defaultdict

from odoo import _, models


class StockLot(models.Model):
    _inherit = "stock.lot"

    # ------------------------------------------------------------------
    # Traceability data, read level by level in a few bulk queries
    # ------------------------------------------------------------------
    def _mes_trace_backward(self):
        """Where a lot comes from, as nested dicts.

        Each node: ``{"lot", "product", "qty", "uom", "productions",
        "components": [node...], "receipts": [{"picking", "purchase",
        "vendor", "date", "qty"}...]}``. Components without a lot are
        leaves with ``lot`` empty.
        """
        MoveLine = self.env["stock.move.line"]
        produced_by = defaultdict(lambda: self.env["mrp.production"])
        # Share of an MO's output that went into a lot: a serial among five gets
        # a fifth of the components consumed.
        made_qty = defaultdict(float)  # (production, lot) -> qty
        made_total = defaultdict(float)  # production -> qty of tracked output
        consumed = defaultdict(list)  # production -> [(product, lot, qty, uom)]
        receipts = defaultdict(list)  # lot -> [receipt dict]
        seen = set()
        level = self
        while level:
            seen.update(level.ids)
            producing = MoveLine.search(
                [
                    ("lot_id", "in", level.ids),
                    ("state", "=", "done"),
                    ("move_id.production_id", "!=", False),
                ]
            )
            for ml in producing:
                produced_by[ml.lot_id] |= ml.move_id.production_id
            productions = producing.move_id.production_id
            for ml in MoveLine.search(
                [
                    ("move_id.production_id", "in", productions.ids),
                    ("state", "=", "done"),
                    ("lot_id", "!=", False),
                ]
            ):
                production = ml.move_id.production_id
                if ml.product_id == production.product_id:
                    made_qty[production, ml.lot_id] += ml.quantity
                    made_total[production] += ml.quantity
            raw_lines = MoveLine.search(
                [
                    ("move_id.raw_material_production_id", "in", productions.ids),
                    ("state", "=", "done"),
                ],
                order="id",
            )
            for ml in raw_lines:
                consumed[ml.move_id.raw_material_production_id].append(
                    (ml.product_id, ml.lot_id, ml.quantity, ml.product_uom_id)
                )
            bought = level - producing.lot_id
            for ml in MoveLine.search(
                [
                    ("lot_id", "in", bought.ids),
                    ("state", "=", "done"),
                    ("location_id.usage", "=", "supplier"),
                ],
                order="date, id",
            ):
                purchase = ml.move_id.purchase_line_id.order_id
                receipts[ml.lot_id].append(
                    {
                        "picking": ml.move_id.picking_id,
                        "purchase": purchase,
                        "vendor": purchase.partner_id
                        or ml.move_id.picking_id.partner_id,
                        "date": ml.date,
                        "qty": ml.quantity,
                        "uom": ml.product_uom_id,
                    }
                )
            level = raw_lines.lot_id.filtered(lambda lot: lot.id not in seen)

        def node(product, lot, qty, uom, path):
            productions = produced_by[lot] if lot else self.env["mrp.production"]
            components = []
            if lot and lot.id not in path:
                for production in productions:
                    total = made_total[production]
                    share = made_qty[production, lot] / total if total else 1.0
                    for c_product, c_lot, c_qty, c_uom in consumed[production]:
                        components.append(
                            node(
                                c_product,
                                c_lot,
                                c_uom.round(c_qty * share),
                                c_uom,
                                path | {lot.id},
                            )
                        )
            return {
                "lot": lot,
                "product": product,
                "qty": qty,
                "uom": uom,
                "productions": productions,
                "components": components,
                "receipts": receipts[lot] if lot else [],
            }

        return [
            node(lot.product_id, lot, lot.product_qty, lot.product_uom_id, set())
            for lot in self
        ]

    def _mes_trace_forward(self):
        """Where a lot went, as nested dicts.

        Each node: ``{"lot", "product", "productions", "stock": [(location,
        qty)...], "deliveries": [{"picking", "customer", "date", "qty"}...],
        "produced": [node...]}``.
        """
        MoveLine = self.env["stock.move.line"]
        used_in = defaultdict(lambda: self.env["mrp.production"])
        produced = defaultdict(lambda: self.env["stock.lot"])
        deliveries = defaultdict(list)
        stock = defaultdict(list)
        seen = set()
        level = self
        while level:
            seen.update(level.ids)
            consuming = MoveLine.search(
                [
                    ("lot_id", "in", level.ids),
                    ("state", "=", "done"),
                    ("move_id.raw_material_production_id", "!=", False),
                ]
            )
            for ml in consuming:
                used_in[ml.lot_id] |= ml.move_id.raw_material_production_id
            productions = consuming.move_id.raw_material_production_id
            finished_lines = MoveLine.search(
                [
                    ("move_id.production_id", "in", productions.ids),
                    ("state", "=", "done"),
                    ("lot_id", "!=", False),
                ],
                order="id",
            )
            for ml in finished_lines:
                produced[ml.move_id.production_id] |= ml.lot_id
            for ml in MoveLine.search(
                [
                    ("lot_id", "in", level.ids),
                    ("state", "=", "done"),
                    ("location_dest_id.usage", "=", "customer"),
                ],
                order="date, id",
            ):
                deliveries[ml.lot_id].append(
                    {
                        "picking": ml.move_id.picking_id,
                        "customer": ml.move_id.picking_id.partner_id,
                        "date": ml.date,
                        "qty": ml.quantity,
                        "uom": ml.product_uom_id,
                    }
                )
            for lot, location, qty in self.env["stock.quant"]._read_group(
                [
                    ("lot_id", "in", level.ids),
                    ("location_id.usage", "=", "internal"),
                ],
                ["lot_id", "location_id"],
                ["quantity:sum"],
            ):
                if qty > 0:
                    stock[lot].append((location, qty))
            level = finished_lines.lot_id.filtered(lambda lot: lot.id not in seen)

        def node(lot, path):
            children = []
            if lot.id not in path:
                for production in used_in[lot]:
                    for child in produced[production]:
                        if child != lot:
                            children.append(node(child, path | {lot.id}))
            return {
                "lot": lot,
                "product": lot.product_id,
                "productions": used_in[lot],
                "stock": stock[lot],
                "deliveries": deliveries[lot],
                "produced": children,
            }

        return [node(lot, set()) for lot in self]

    def _mes_affected_lots(self):
        """Every lot reached forward from these lots (these included), in
        tree order, as ``[(node, level)]``."""
        result = []
        seen = set()

        def walk(node, level):
            if node["lot"].id in seen:
                return
            seen.add(node["lot"].id)
            result.append((node, level))
            for child in node["produced"]:
                walk(child, level + 1)

        for root in self._mes_trace_forward():
            walk(root, 0)
        return result

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def _mes_open_genealogy(self, direction):
        self.ensure_one()
        genealogy = self.env["mes.genealogy"].create(
            {"lot_id": self.id, "direction": direction}
        )
        genealogy.action_refresh()
        return {
            "type": "ir.actions.act_window",
            "name": _("Genealogy of %(lot)s", lot=self.name),
            "res_model": "mes.genealogy",
            "res_id": genealogy.id,
            "view_mode": "form",
            "target": "current",
        }

    def action_mes_genealogy_backward(self):
        """Open the tree of what this lot was made of, down to the purchases."""
        return self._mes_open_genealogy("backward")

    def action_mes_genealogy_forward(self):
        """Open the tree of what was made from this lot and where it went."""
        return self._mes_open_genealogy("forward")

    def action_mes_recall(self):
        """Open the recall of this lot: affected lots, locations, customers."""
        self.ensure_one()
        recall = self.env["mes.recall.wizard"].create({"lot_id": self.id})
        recall.action_refresh()
        return {
            "type": "ir.actions.act_window",
            "name": _("Recall of %(lot)s", lot=self.name),
            "res_model": "mes.recall.wizard",
            "res_id": recall.id,
            "view_mode": "form",
            "target": "current",
        }
