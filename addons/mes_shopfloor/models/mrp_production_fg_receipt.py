from collections import defaultdict

from odoo import _, api, fields, models
from odoo.fields import Command


class MrpProduction(models.Model):
    """Finished-goods receipt on close: lots/serials generated with their expiry,
    stored into finished-goods stock."""

    _inherit = "mrp.production"  # pylint: disable=consider-merging-classes-inherited

    mes_fg_picking_ids = fields.Many2many(
        "stock.picking",
        string="Finished-Goods Receipts",
        compute="_compute_mes_fg_picking_ids",
    )
    mes_fg_picking_count = fields.Integer(compute="_compute_mes_fg_picking_ids")

    @api.depends("move_finished_ids.move_dest_ids.picking_id")
    def _compute_mes_fg_picking_ids(self):
        for production in self:
            finished = production.move_finished_ids.filtered(
                lambda m, p=production: m.product_id == p.product_id
            )
            pickings = finished.move_dest_ids.picking_id
            production.mes_fg_picking_ids = pickings
            production.mes_fg_picking_count = len(pickings)

    def _mes_fg_location(self):
        self.ensure_one()
        return (
            self.picking_type_id.mes_fg_location_id
            or self.picking_type_id.warehouse_id.lot_stock_id
        )

    # ------------------------------------------------------------------
    # Lot/serial names when the operator entered none
    # ------------------------------------------------------------------
    def _mes_next_lot_names(self, count):
        """``count`` new lot names for the MO's product:
        ``<prefix>-<YYYYMMDD>-<sequence>``."""
        self.ensure_one()
        prefix = self.product_id.product_tmpl_id._mes_lot_prefix()
        day = fields.Date.context_today(self).strftime("%Y%m%d")
        sequence = self.env["ir.sequence"].sudo()  # shared counter, any user
        return [
            f"{prefix}-{day}-{sequence.next_by_code('mes.produced.lot')}"
            for _i in range(count)
        ]

    def _mes_generate_finished_lots(self):
        """Create the lot (one per MO) or the serials (one per unit being
        produced) of MOs whose operator entered none."""
        todo = self.filtered(
            lambda p: (
                p.state in ("confirmed", "progress", "to_close")
                and p.product_tracking in ("lot", "serial")
                and not p.lot_producing_ids
            )
        )
        for production in todo:
            if production.product_tracking == "lot":
                count = 1
            else:
                remaining = production.product_qty - production.qty_produced
                count = int(production.qty_producing or remaining)
            if count <= 0:
                continue
            lots = self.env["stock.lot"].create(
                [
                    {
                        "name": name,
                        "product_id": production.product_id.id,
                        "company_id": production.company_id.id,
                    }
                    for name in production._mes_next_lot_names(count)
                ]
            )
            production.lot_producing_ids = [Command.set(lots.ids)]
            if production.product_tracking == "serial":
                production.qty_producing = count
                production._set_qty_producing(False)
            production.message_post(
                body=_(
                    "Lot/serial numbers generated: %(names)s",
                    names=", ".join(lots.mapped("name")),
                )
            )

    def pre_button_mark_done(self):
        self._mes_generate_finished_lots()
        return super().pre_button_mark_done()

    # ------------------------------------------------------------------
    # Finished-goods receipt
    # ------------------------------------------------------------------
    def _mes_create_fg_receipts(self):
        """Store the finished goods of done MOs into finished-goods stock.

        - 3-step manufacturing: the host's *Store Finished Product* transfer
          already follows the finished moves; nothing to create.
        - The MO outputs into the FG location (1 or 2 steps): its finished
          moves are the receipt.
        - Otherwise: an internal transfer from the MO's output location to the
          FG location, chained to the finished moves so it reserves exactly the
          lots/serials produced.
        """
        moves_by_production = defaultdict(lambda: self.env["stock.move"])
        for move in self.move_finished_ids:
            production = move.production_id
            if (
                move.state != "done"
                or move.product_id != production.product_id
                or not move.product_id.is_storable
                or move.move_dest_ids
                or not move.quantity
            ):
                continue
            fg_location = production._mes_fg_location()
            if move.location_dest_id._child_of(fg_location):
                continue
            moves_by_production[production] |= move
        pickings = self.env["stock.picking"]
        for production, moves in moves_by_production.items():
            fg_location = production._mes_fg_location()
            src = moves[0].location_dest_id
            picking_type = production.picking_type_id.warehouse_id.int_type_id
            pickings |= self.env["stock.picking"].create(
                {
                    "picking_type_id": picking_type.id,
                    "location_id": src.id,
                    "location_dest_id": fg_location.id,
                    "origin": production.name,
                    "company_id": production.company_id.id,
                    "move_ids": [
                        Command.create(
                            {
                                "product_id": move.product_id.id,
                                "product_uom_qty": move.quantity,
                                "product_uom": move.product_uom.id,
                                "location_id": src.id,
                                "location_dest_id": fg_location.id,
                                "move_orig_ids": [Command.link(move.id)],
                                "mes_fg_production_id": production.id,
                                "origin": production.name,
                            }
                        )
                        for move in moves
                    ],
                }
            )
        if pickings:
            pickings.action_confirm()
            pickings.action_assign()
        return pickings

    def action_mes_view_fg_receipts(self):
        """Open the finished-goods receipts of the MO."""
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "stock.action_picking_tree_all"
        )
        action["domain"] = [("id", "in", self.mes_fg_picking_ids.ids)]
        action["context"] = {}
        if len(self.mes_fg_picking_ids) == 1:
            action["views"] = [(False, "form")]
            action["res_id"] = self.mes_fg_picking_ids.id
        return action
