from odoo import _, fields, models
from odoo.fields import Command

LINE_KINDS = [
    ("lot", "Lot/Serial"),
    ("component", "Untracked component"),
    ("purchase", "Purchase receipt"),
    ("delivery", "Delivery"),
    ("stock", "In stock"),
]


class MesGenealogy(models.TransientModel):
    _name = "mes.genealogy"
    _description = "Lot Genealogy"

    lot_id = fields.Many2one("stock.lot", string="Lot/Serial", required=True)
    product_id = fields.Many2one(related="lot_id.product_id")
    direction = fields.Selection(
        [("backward", "Made of (backward)"), ("forward", "Used in (forward)")],
        required=True,
        default="backward",
    )
    line_ids = fields.One2many("mes.genealogy.line", "genealogy_id", readonly=True)

    def action_refresh(self):
        """Rebuild the tree of lines from the stock history."""
        for genealogy in self:
            genealogy.line_ids = [Command.clear()]
            if genealogy.direction == "backward":
                vals = genealogy._mes_backward_lines()
            else:
                vals = genealogy._mes_forward_lines()
            genealogy.line_ids = [Command.create(v) for v in vals]
            # Parents point to lines created just before: link them by order.
            lines = genealogy.line_ids.sorted("sequence")
            stack = []
            for line in lines:
                while stack and stack[-1].level >= line.level:
                    stack.pop()
                if stack:
                    line.parent_id = stack[-1]
                stack.append(line)
        return True

    def action_switch_direction(self):
        """Show the other direction for the same lot."""
        self.ensure_one()
        self.direction = "forward" if self.direction == "backward" else "backward"
        return self.action_refresh()

    def _mes_backward_lines(self):
        vals = []

        def add(level, **kw):
            vals.append(dict(kw, level=level, sequence=len(vals)))

        def walk(node, level):
            lot = node["lot"]
            productions = node["productions"]
            add(
                level,
                kind="lot" if lot else "component",
                lot_id=lot.id,
                product_id=node["product"].id,
                quantity=node["qty"],
                uom_id=node["uom"].id,
                production_id=productions[:1].id,
                date=productions[:1].date_finished,
            )
            for receipt in node["receipts"]:
                add(
                    level + 1,
                    kind="purchase",
                    lot_id=lot.id,
                    product_id=node["product"].id,
                    quantity=receipt["qty"],
                    uom_id=receipt["uom"].id,
                    purchase_id=receipt["purchase"].id,
                    picking_id=receipt["picking"].id,
                    partner_id=receipt["vendor"].id,
                    date=receipt["date"],
                )
            for child in node["components"]:
                walk(child, level + 1)

        for root in self.lot_id._mes_trace_backward():
            walk(root, 0)
        return vals

    def _mes_forward_lines(self):
        vals = []

        def add(level, **kw):
            vals.append(dict(kw, level=level, sequence=len(vals)))

        def walk(node, level):
            lot = node["lot"]
            add(
                level,
                kind="lot",
                lot_id=lot.id,
                product_id=node["product"].id,
                quantity=sum(q for _loc, q in node["stock"]),
                uom_id=lot.product_uom_id.id,
                production_id=node["productions"][:1].id,
            )
            for location, qty in node["stock"]:
                add(
                    level + 1,
                    kind="stock",
                    lot_id=lot.id,
                    product_id=node["product"].id,
                    quantity=qty,
                    uom_id=lot.product_uom_id.id,
                    location_id=location.id,
                )
            for delivery in node["deliveries"]:
                add(
                    level + 1,
                    kind="delivery",
                    lot_id=lot.id,
                    product_id=node["product"].id,
                    quantity=delivery["qty"],
                    uom_id=delivery["uom"].id,
                    picking_id=delivery["picking"].id,
                    partner_id=delivery["customer"].id,
                    date=delivery["date"],
                )
            for child in node["produced"]:
                walk(child, level + 1)

        for root in self.lot_id._mes_trace_forward():
            walk(root, 0)
        return vals


class MesGenealogyLine(models.TransientModel):
    _name = "mes.genealogy.line"
    _description = "Lot Genealogy Line"
    _order = "genealogy_id, sequence"

    genealogy_id = fields.Many2one("mes.genealogy", required=True, ondelete="cascade")
    parent_id = fields.Many2one("mes.genealogy.line", ondelete="cascade")
    child_ids = fields.One2many("mes.genealogy.line", "parent_id")
    sequence = fields.Integer()
    level = fields.Integer()
    kind = fields.Selection(LINE_KINDS, required=True)
    name = fields.Char(compute="_compute_name")
    lot_id = fields.Many2one("stock.lot", string="Lot/Serial")
    product_id = fields.Many2one("product.product")
    quantity = fields.Float(digits="Product Unit")
    uom_id = fields.Many2one("uom.uom", string="Unit")
    production_id = fields.Many2one("mrp.production", string="Manufacturing Order")
    purchase_id = fields.Many2one("purchase.order", string="Purchase Order")
    picking_id = fields.Many2one("stock.picking", string="Transfer")
    partner_id = fields.Many2one("res.partner", string="Vendor/Customer")
    location_id = fields.Many2one("stock.location")
    date = fields.Datetime()

    def _compute_name(self):
        labels = dict(LINE_KINDS)
        for line in self:
            indent = "\u2003" * line.level + ("└ " if line.level else "")
            if line.kind == "lot":
                what = line.lot_id.name
            elif line.kind == "component":
                what = line.product_id.display_name
            elif line.kind == "stock":
                what = _("In stock: %(loc)s", loc=line.location_id.display_name)
            else:
                what = "%s: %s" % (
                    labels[line.kind],
                    line.purchase_id.name or line.picking_id.name or "",
                )
            line.name = indent + (what or "")
