from collections import defaultdict

from odoo import api, fields, models
from odoo.fields import Command
from odoo.tools import float_is_zero


class MrpProduction(models.Model):
    """Line side: picks from central stock on confirm, surplus returned and the
    balance settled on close; the hooks of the MO's life cycle."""

    _inherit = "mrp.production"

    mes_workcenter_id = fields.Many2one(
        "mrp.workcenter",
        string="Main Work Center",
        compute="_compute_mes_workcenter_id",
        store=True,
        index="btree_not_null",
    )
    mes_picking_ids = fields.One2many(
        "stock.picking", "mes_production_id", string="Line-side Transfers"
    )
    mes_pick_picking_ids = fields.One2many(
        "stock.picking",
        "mes_production_id",
        string="Line-side Picks",
        domain=[("mes_transfer_kind", "=", "pick")],
    )
    mes_return_picking_ids = fields.One2many(
        "stock.picking",
        "mes_production_id",
        string="Surplus Returns",
        domain=[("mes_transfer_kind", "=", "return")],
    )
    mes_picking_count = fields.Integer(compute="_compute_mes_picking_count")
    mes_urgent_transfer_ids = fields.One2many(
        "mes.urgent.transfer", "production_id", string="Urgent Transfers"
    )
    mes_balance_ids = fields.One2many(
        "mes.production.balance", "production_id", string="Component Balance"
    )
    mes_handover_ids = fields.One2many(
        "mes.line.handover", "production_id", string="Left on Line Side"
    )
    mes_surplus_settled = fields.Boolean(copy=False, readonly=True)

    @api.depends("workorder_ids.workcenter_id", "workorder_ids.sequence")
    def _compute_mes_workcenter_id(self):
        for production in self:
            production.mes_workcenter_id = production.workorder_ids.sorted(
                lambda w: (w.sequence, w.id)
            )[:1].workcenter_id

    @api.depends("mes_picking_ids")
    def _compute_mes_picking_count(self):
        for production in self:
            production.mes_picking_count = len(production.mes_picking_ids)

    # ------------------------------------------------------------------
    # Line side: route raw moves and create the picks
    # ------------------------------------------------------------------
    def _mes_central_warehouse(self):
        self.ensure_one()
        return (
            self.company_id.mes_central_warehouse_id
            or self.picking_type_id.warehouse_id
            or self.location_src_id.warehouse_id
        )

    def _mes_line_location_of(self, move):
        """Line-side location feeding ``move``: the line side of the work center
        of the BOM line's operation, else of the MO's first operation."""
        self.ensure_one()
        workcenter = move.operation_id.workcenter_id or move.workorder_id.workcenter_id
        if not workcenter:
            workcenter = (
                self.workorder_ids.sorted(lambda w: (w.sequence, w.id))[
                    :1
                ].workcenter_id
                or self.bom_id.operation_ids[:1].workcenter_id
            )
        return workcenter.mes_line_location_id

    def _mes_route_raw_moves_to_line_side(self):
        moves_by_location = defaultdict(lambda: self.env["stock.move"])
        for production in self:
            for move in production.move_raw_ids:
                if move.state != "draft":
                    continue
                location = production._mes_line_location_of(move)
                if location and move.location_id != location:
                    moves_by_location[location] |= move
        for location, moves in moves_by_location.items():
            moves.write(
                {"location_id": location.id, "warehouse_id": location.warehouse_id.id}
            )

    @api.model
    def _mes_line_side_locations(self):
        return (
            self.env["mrp.workcenter"]
            .with_context(active_test=False)
            .search([("mes_line_location_id", "!=", False)])
            .mes_line_location_id
        )

    def _mes_create_line_side_picks(self):
        """One pick transfer per MO and line-side location, from central stock."""
        line_locations = self._mes_line_side_locations()
        vals_list = []
        for production in self:
            warehouse = production._mes_central_warehouse()
            if not warehouse:
                continue
            moves_by_location = defaultdict(lambda: self.env["stock.move"])
            for move in production.move_raw_ids:
                if move.state not in ("done", "cancel") and (
                    move.location_id in line_locations
                    and move.location_id != warehouse.lot_stock_id
                ):
                    moves_by_location[move.location_id] |= move
            for location, moves in moves_by_location.items():
                vals_list.append(
                    production._mes_transfer_vals(
                        warehouse.int_type_id,
                        warehouse.lot_stock_id,
                        location,
                        "pick",
                        [
                            (m.product_id, m.product_uom_qty, m.product_uom)
                            for m in moves
                        ],
                    )
                )
        if not vals_list:
            return self.env["stock.picking"]
        pickings = self.env["stock.picking"].create(vals_list)
        pickings.action_confirm()
        pickings.action_assign()
        return pickings

    def _mes_transfer_vals(self, picking_type, source, destination, kind, lines):
        self.ensure_one()
        return {
            "picking_type_id": picking_type.id,
            "location_id": source.id,
            "location_dest_id": destination.id,
            "origin": self.name,
            "company_id": self.company_id.id,
            "scheduled_date": self.date_start,
            "mes_production_id": self.id,
            "mes_transfer_kind": kind,
            # picks and returns of a project's MO are the project's (host field)
            "project_id": self.project_id.id,
            "move_ids": [
                Command.create(
                    {
                        "product_id": product.id,
                        "product_uom_qty": qty,
                        "product_uom": uom.id,
                        "location_id": source.id,
                        "location_dest_id": destination.id,
                        "company_id": self.company_id.id,
                        "origin": self.name,
                    }
                )
                for product, qty, uom in lines
            ],
        }

    def action_confirm(self):
        drafts = self.filtered(lambda p: p.state == "draft")
        drafts._mes_route_raw_moves_to_line_side()
        res = super().action_confirm()
        drafts._mes_create_line_side_picks()
        self._mes_refresh_kitting()
        return res

    def _post_inventory(self, cancel_backorder=False):
        res = super()._post_inventory(cancel_backorder=cancel_backorder)
        self._mes_refresh_kitting_for_products(self.move_raw_ids.product_id)
        return res

    def button_mark_done(self):
        res = super().button_mark_done()
        self.filtered(lambda p: p.state == "done")._mes_create_fg_receipts()
        self._mes_settle_line_side()
        self._mes_refresh_kitting()
        return res

    def action_cancel(self):
        res = super().action_cancel()
        self._mes_settle_line_side()
        self._mes_refresh_kitting()
        self._mes_refresh_kitting_for_products(self.move_raw_ids.product_id)
        return res

    def action_view_mes_pickings(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock.action_picking_tree_all"
        )
        action["domain"] = [("mes_production_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    # ------------------------------------------------------------------
    # Closing: return line-side surplus, settle the balance
    # ------------------------------------------------------------------
    def _mes_settle_line_side(self):
        """On MO done/cancel: cancel open picks, return the line-side surplus
        beyond what other open MOs of that line need, and record what is left
        on the line so the MO balance closes at zero."""
        closed = self.filtered(
            lambda p: p.state in ("done", "cancel") and not p.mes_surplus_settled
        )
        if not closed:
            return
        closed.mes_pick_picking_ids.filtered(
            lambda p: p.state not in ("done", "cancel")
        ).action_cancel()
        self.env.flush_all()
        balances = self.env["mes.production.balance"].search(
            [("production_id", "in", closed.ids)]
        )
        own = {
            (b.production_id.id, b.product_id.id, b.location_id.id): b.remaining_qty
            for b in balances
            if not float_is_zero(b.remaining_qty, precision_digits=6)
        }
        closed.mes_surplus_settled = True
        if not own:
            return
        products = balances.product_id
        locations = balances.location_id
        need = self._mes_line_need(products, locations, exclude=closed)
        stock = {
            (product.id, location.id): (quantity, reserved)
            for product, location, quantity, reserved in self.env[
                "stock.quant"
            ]._read_group(
                [
                    ("product_id", "in", products.ids),
                    ("location_id", "in", locations.ids),
                ],
                ["product_id", "location_id"],
                ["quantity:sum", "reserved_quantity:sum"],
            )
        }
        to_return = defaultdict(list)
        handovers = []
        for (mo_id, product_id, location_id), remaining in sorted(own.items()):
            quantity, reserved = stock.get((product_id, location_id), (0.0, 0.0))
            free = min(
                quantity - need.get((product_id, location_id), 0.0),
                quantity - reserved,
            )
            qty = max(0.0, min(remaining, free))
            if qty > 0:
                to_return[(mo_id, location_id)].append((product_id, qty))
                stock[(product_id, location_id)] = (quantity - qty, reserved)
            kept = remaining - qty
            if not float_is_zero(kept, precision_digits=6):
                handovers.append(
                    {
                        "production_id": mo_id,
                        "product_id": product_id,
                        "location_id": location_id,
                        "quantity": kept,
                    }
                )
        # sudo: settling is bookkeeping done for whoever closes the MO; the
        # handover log is not editable by users.
        self.env["mes.line.handover"].sudo().create(handovers)
        self._mes_create_returns(to_return)
        # The balance is a SQL view: drop values read before the returns.
        self.env["mes.production.balance"].invalidate_model()

    @api.model
    def _mes_line_need(self, products, locations, exclude):
        """Open demand at each line-side location not yet covered by an open
        pick or urgent transfer: {(product_id, location_id): qty}."""
        need = defaultdict(float)
        for product, location, qty in self.env["stock.move"]._read_group(
            [
                ("raw_material_production_id", "not in", exclude.ids),
                ("raw_material_production_id", "!=", False),
                ("state", "not in", ("done", "cancel", "draft")),
                ("product_id", "in", products.ids),
                ("location_id", "in", locations.ids),
            ],
            ["product_id", "location_id"],
            ["product_qty:sum"],
        ):
            need[(product.id, location.id)] += qty
        for product, location, qty in self.env["stock.move"]._read_group(
            [
                ("picking_id.mes_production_id", "not in", exclude.ids),
                ("picking_id.mes_transfer_kind", "in", ("pick", "urgent")),
                ("state", "not in", ("done", "cancel", "draft")),
                ("product_id", "in", products.ids),
                ("location_dest_id", "in", locations.ids),
            ],
            ["product_id", "location_dest_id"],
            ["product_qty:sum"],
        ):
            need[(product.id, location.id)] -= qty
        return {key: max(qty, 0.0) for key, qty in need.items()}

    def _mes_create_returns(self, to_return):
        if not to_return:
            return self.env["stock.picking"]
        Product = self.env["product.product"]
        Location = self.env["stock.location"]
        vals_list = []
        for (mo_id, location_id), lines in to_return.items():
            production = self.browse(mo_id)
            warehouse = production._mes_central_warehouse()
            products = Product.browse([p for p, _q in lines])
            destination = warehouse.lot_stock_id
            if production.project_id.mes_hold_stock:
                # the surplus of a project's MO goes back to the project
                destination = production.project_id._mes_stock_location(warehouse)
            vals_list.append(
                production._mes_transfer_vals(
                    warehouse.int_type_id,
                    Location.browse(location_id),
                    destination,
                    "return",
                    [
                        (product, qty, product.uom_id)
                        for product, (_p, qty) in zip(products, lines, strict=True)
                    ],
                )
            )
        returns = self.env["stock.picking"].create(vals_list)
        returns.action_confirm()
        returns.action_assign()
        to_validate = returns.filtered(
            lambda p: p.company_id.mes_auto_validate_returns and p.state == "assigned"
        )
        if to_validate:
            for move in to_validate.move_ids:
                move.quantity = move.product_uom_qty
            to_validate.move_ids.picked = True
            to_validate.with_context(
                skip_backorder=True, cancel_backorder=True
            ).button_validate()
