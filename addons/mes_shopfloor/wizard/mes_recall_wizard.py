import base64
import csv
import io

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command


class MesRecallWizard(models.TransientModel):
    _name = "mes.recall.wizard"
    _description = "Lot Recall"

    lot_id = fields.Many2one("stock.lot", string="Recalled Lot/Serial", required=True)
    product_id = fields.Many2one(related="lot_id.product_id")
    reason = fields.Char(
        help="Logged on every quarantined lot; default: 'Recall of <lot>'."
    )
    line_ids = fields.One2many("mes.recall.line", "wizard_id", readonly=True)
    quarantined = fields.Boolean(readonly=True)

    def action_refresh(self):
        """List every lot made from the recalled one, where it is, who got it."""
        for wizard in self:
            lines = []
            affected = wizard.lot_id._mes_affected_lots()
            lots = self.env["stock.lot"].union(
                *(node["lot"] for node, _lvl in affected)
            )
            producing = self.env["stock.move.line"].search(
                [
                    ("lot_id", "in", lots.ids),
                    ("state", "=", "done"),
                    ("move_id.production_id", "!=", False),
                ]
            )
            produced_by = {
                ml.lot_id.id: ml.move_id.production_id.id for ml in producing
            }
            for node, level in affected:
                lines.append(
                    {
                        "level": level,
                        "lot_id": node["lot"].id,
                        "quality_state": node["lot"].mes_quality_state,
                        "production_id": produced_by.get(node["lot"].id),
                        "qty_in_stock": sum(q for _loc, q in node["stock"]),
                        "location_ids": [
                            Command.set([loc.id for loc, _q in node["stock"]])
                        ],
                        "qty_delivered": sum(d["qty"] for d in node["deliveries"]),
                        "customer_ids": [
                            Command.set(
                                list(
                                    {
                                        d["customer"].id
                                        for d in node["deliveries"]
                                        if d["customer"]
                                    }
                                )
                            )
                        ],
                        "picking_ids": [
                            Command.set(
                                list({d["picking"].id for d in node["deliveries"]})
                            )
                        ],
                    }
                )
            wizard.line_ids = [Command.clear()] + [Command.create(v) for v in lines]
        return True

    def action_quarantine(self):
        """Quarantine every affected lot that is still in stock."""
        self.ensure_one()
        in_stock = self.line_ids.filtered(lambda line: line.qty_in_stock > 0).lot_id
        if not in_stock:
            raise UserError(
                _(
                    "No lot affected by the recall of %(lot)s is still in stock: "
                    "contact the customers listed instead.",
                    lot=self.lot_id.name,
                )
            )
        reason = self.reason or _("Recall of %(lot)s", lot=self.lot_id.name)
        in_stock.filtered(
            lambda lot: lot.mes_quality_state != "rejected"
        ).mes_set_quality_state("quarantine", reason)
        self.quarantined = True
        self.action_refresh()
        return True

    def _mes_csv_rows(self):
        header = [
            _("Level"),
            _("Lot/Serial"),
            _("Product"),
            _("Quality State"),
            _("Manufacturing Order"),
            _("Quantity in Stock"),
            _("Locations"),
            _("Quantity Delivered"),
            _("Customers"),
            _("Deliveries"),
        ]
        states = dict(self.env["stock.lot"]._fields["mes_quality_state"].selection)
        rows = [header]
        for line in self.line_ids:
            rows.append(
                [
                    line.level,
                    line.lot_id.name,
                    line.product_id.display_name,
                    states.get(line.quality_state, ""),
                    line.production_id.name or "",
                    line.qty_in_stock,
                    ", ".join(line.location_ids.mapped("display_name")),
                    line.qty_delivered,
                    ", ".join(line.customer_ids.mapped("display_name")),
                    ", ".join(line.picking_ids.mapped("name")),
                ]
            )
        return rows

    def action_export_csv(self):
        """Download the affected lots as a CSV file."""
        self.ensure_one()
        buffer = io.StringIO()
        csv.writer(buffer).writerows(self._mes_csv_rows())
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"recall_{self.lot_id.name}.csv",
                "datas": base64.b64encode(buffer.getvalue().encode()),
                "mimetype": "text/csv",
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    def action_export_pdf(self):
        """Print the affected lots (the wizard's lines, as in the CSV) as a PDF."""
        self.ensure_one()
        return self.env.ref("mes_shopfloor.action_report_mes_recall").report_action(
            self
        )


class MesRecallLine(models.TransientModel):
    _name = "mes.recall.line"
    _description = "Lot Recall Line"
    _order = "wizard_id, id"

    wizard_id = fields.Many2one("mes.recall.wizard", required=True, ondelete="cascade")
    level = fields.Integer(help="0: the recalled lot; 1: made from it; ...")
    lot_id = fields.Many2one("stock.lot", string="Lot/Serial", required=True)
    product_id = fields.Many2one(related="lot_id.product_id")
    quality_state = fields.Selection(
        selection=lambda self: (
            self.env["stock.lot"]._fields["mes_quality_state"].selection
        )
    )
    production_id = fields.Many2one("mrp.production", string="Produced by")
    qty_in_stock = fields.Float(string="In Stock", digits="Product Unit")
    location_ids = fields.Many2many("stock.location", string="Locations")
    qty_delivered = fields.Float(string="Delivered", digits="Product Unit")
    customer_ids = fields.Many2many("res.partner", string="Customers")
    picking_ids = fields.Many2many("stock.picking", string="Deliveries")
