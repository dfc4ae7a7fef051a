from collections import defaultdict

from odoo import _, api, fields, models
from odoo.addons.mes_inventory_mrp.tools import insert_rows
from odoo.fields import Command, Domain
from odoo.tools import SQL, float_compare, float_is_zero

KITTING_STATES = [
    ("kitted", "Kitted"),
    ("partial", "Partially Kitted"),
    ("not_kitted", "Not Kitted"),
]
OPEN_MO_STATES = ("confirmed", "progress", "to_close")
# What the kitting refresh stores of each shortage (mes.kitting.shortage).
SHORTAGE_COLUMNS = (
    "production_id",
    "workorder_id",
    "move_id",
    "product_id",
    "location_id",
    "qty_required",
    "qty_available",
    "qty_missing",
    "qty_elsewhere",
    "stock_elsewhere",
    "incoming_move_id",
    "incoming_date",
    "incoming_qty",
)


class MrpProduction(models.Model):
    _inherit = "mrp.production"

    mes_kitting_state = fields.Selection(
        KITTING_STATES,
        string="Kitting",
        readonly=True,
        copy=False,
        index=True,
        group_expand="_mes_expand_kitting_states",
        help="Kitted: every component's required quantity is reserved or free at "
        "its source (line-side) location. Partial: some of it is. Not kitted: "
        "none. Refreshed on receipts, picks, consumption and cancellation.",
    )
    mes_kitting_date = fields.Datetime(
        string="Kitting Refreshed On", readonly=True, copy=False
    )
    mes_shortage_ids = fields.One2many(
        "mes.kitting.shortage", "production_id", string="Shortages", readonly=True
    )
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

    @api.model
    def _mes_expand_kitting_states(self, states, domain):
        return [key for key, _label in KITTING_STATES]

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
            vals_list.append(
                production._mes_transfer_vals(
                    warehouse.int_type_id,
                    Location.browse(location_id),
                    warehouse.lot_stock_id,
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
        return returns

    # ------------------------------------------------------------------
    # Kitting
    # ------------------------------------------------------------------
    @api.model
    def _mes_refresh_kitting_for_products(self, products):
        """Refresh kitting of every open MO consuming one of ``products``."""
        if not products:
            return
        # sudo: kitting is derived data refreshed by stock events; the user
        # validating a receipt or transfer needs no Manufacturing rights.
        moves = (
            self.env["stock.move"]
            .sudo()
            .search(
                [
                    ("product_id", "in", products.ids),
                    ("raw_material_production_id.state", "in", OPEN_MO_STATES),
                    ("state", "not in", ("done", "cancel")),
                ]
            )
        )
        moves.raw_material_production_id._mes_refresh_kitting()

    def _mes_refresh_kitting(self):
        """Recompute kitting state and shortages of these MOs in bulk.

        A fixed number of queries whatever the number of MOs: open MOs sharing
        a component and source location with these are refreshed with them,
        since free stock is allocated across MOs by priority then start date.
        """
        # sudo: see _mes_refresh_kitting_for_products.
        return self.sudo()._mes_compute_and_store_kitting()

    def _mes_compute_and_store_kitting(self):
        """``_mes_refresh_kitting``'s work, run as superuser by it."""
        if not self:
            # Nothing to refresh: touch nothing, so that a receipt or transfer
            # where no MO is waiting behaves exactly as in plain Odoo (no
            # early flush of the host's pending computations).
            return
        Move = self.env["stock.move"]
        now = fields.Datetime.now()
        closed = self.filtered(lambda p: p.state not in OPEN_MO_STATES)
        open_mos = self - closed
        if open_mos:
            seed = Move.search(
                [
                    ("raw_material_production_id", "in", open_mos.ids),
                    ("state", "not in", ("done", "cancel")),
                ]
            )
            moves = Move.search(
                [
                    ("raw_material_production_id.state", "in", OPEN_MO_STATES),
                    ("state", "not in", ("done", "cancel")),
                    ("product_id", "in", seed.product_id.ids),
                    ("location_id", "in", seed.location_id.ids),
                ]
            )
            open_mos |= moves.raw_material_production_id
        else:
            moves = Move
        moves.fetch(
            [
                "product_id",
                "product_qty",
                "quantity",
                "product_uom",
                "location_id",
                "raw_material_production_id",
                "workorder_id",
            ]
        )
        open_mos.fetch(["priority", "date_start", "state", "location_src_id"])
        products = moves.product_id
        locations = moves.location_id
        free = self._mes_free_stock(products, locations)
        shortages, covered = [], {}

        def sort_key(move):
            production = move.raw_material_production_id
            return (
                -int(production.priority or 0),
                production.date_start or now,
                production.id,
                move.id,
            )

        for move in moves.sorted(sort_key):
            uom = move.product_id.uom_id
            reserved = move.product_uom._compute_quantity(
                move.quantity, uom, rounding_method="HALF-UP"
            )
            required = move.product_qty
            missing = uom.round(max(required - reserved, 0.0))
            key = (move.product_id.id, move.location_id.id)
            take = uom.round(min(missing, max(free.get(key, 0.0), 0.0)))
            if take > 0:
                free[key] -= take
            available = uom.round(min(reserved, required) + take)
            covered[move.id] = (available, required)
            if float_compare(available, required, precision_rounding=uom.rounding) < 0:
                shortages.append(
                    {
                        "production_id": move.raw_material_production_id.id,
                        "workorder_id": move.workorder_id.id,
                        "move_id": move.id,
                        "product_id": move.product_id.id,
                        "location_id": move.location_id.id,
                        "qty_required": required,
                        "qty_available": available,
                        "qty_missing": uom.round(required - available),
                    }
                )
        self._mes_locate_shortages(shortages, open_mos)
        state_of = self._mes_kitting_state_of
        by_state = defaultdict(lambda: self.env["mrp.production"])
        wo_by_state = defaultdict(lambda: self.env["mrp.workorder"])
        moves_by_mo = defaultdict(list)
        moves_by_wo = defaultdict(list)
        for move in moves:
            moves_by_mo[move.raw_material_production_id.id].append(covered[move.id])
            if move.workorder_id:
                moves_by_wo[move.workorder_id.id].append(covered[move.id])
        for production in open_mos:
            by_state[state_of(moves_by_mo[production.id])] |= production
            for workorder in production.workorder_ids:
                if workorder.state in ("done", "cancel"):
                    continue
                wo_by_state[state_of(moves_by_wo[workorder.id])] |= workorder
        if closed:
            by_state[False] = closed
        self._mes_store_kitting(
            open_mos | closed, shortages, by_state, wo_by_state, now
        )

    @api.model
    def _mes_store_kitting(self, productions, shortages, by_state, wo_by_state, now):
        """Write kitting results with one statement per table and state.

        Plain SQL on purpose: the ORM splits batch writes into chunks of a few
        hundred rows, which would make the query count grow with the number of
        MOs. Nothing computed depends on these fields; caches are invalidated.
        """
        cr = self.env.cr
        # Flush only what these statements touch: a flush of everything would
        # run the host's pending computations early (a PO line's received
        # quantity posts its chatter note when it is computed).
        self.env["mes.kitting.shortage"].flush_model()
        self.flush_model(["mes_kitting_state", "mes_kitting_date"])
        self.env["mrp.workorder"].flush_model(["mes_kitting_state"])
        cr.execute(
            SQL(
                "DELETE FROM mes_kitting_shortage WHERE production_id = ANY(%s)",
                productions.ids,
            )
        )
        if shortages:
            company_of = {p.id: p.company_id.id for p in productions}
            insert_rows(
                self.env["mes.kitting.shortage"],
                [
                    {
                        **{column: shortage.get(column) for column in SHORTAGE_COLUMNS},
                        "company_id": company_of.get(shortage["production_id"]),
                    }
                    for shortage in shortages
                ],
                now=now,
            )
        for state, records in by_state.items():
            cr.execute(
                SQL(
                    "UPDATE mrp_production SET mes_kitting_state = %s, "
                    "mes_kitting_date = %s WHERE id = ANY(%s)",
                    state or None,
                    now,
                    records.ids,
                )
            )
        for state, records in wo_by_state.items():
            cr.execute(
                SQL(
                    "UPDATE mrp_workorder SET mes_kitting_state = %s "
                    "WHERE id = ANY(%s)",
                    state,
                    records.ids,
                )
            )
        self.env["mes.kitting.shortage"].invalidate_model()
        self.invalidate_model(
            ["mes_kitting_state", "mes_kitting_date", "mes_shortage_ids"]
        )
        self.env["mrp.workorder"].invalidate_model(["mes_kitting_state"])

    @api.model
    def _mes_kitting_state_of(self, coverage):
        if all(available >= required for available, required in coverage):
            return "kitted"
        if any(available > 0 for available, _required in coverage):
            return "partial"
        return "not_kitted"

    @api.model
    def _mes_free_stock(self, products, locations):
        """Unreserved usable stock per (product, location), child locations
        included: {(product_id, location_id): qty}."""
        free = defaultdict(float)
        if not products or not locations:
            return free
        location_ids = set(locations.ids)
        groups = self.env["stock.quant"]._read_group(
            Domain("product_id", "in", products.ids)
            & Domain("location_id", "child_of", locations.ids)
            & self.env["stock.lot"]._mes_usable_domain(at=fields.Datetime.now()),
            ["product_id", "location_id"],
            ["quantity:sum", "reserved_quantity:sum"],
        )
        for product, location, quantity, reserved in groups:
            ancestors = [int(x) for x in location.parent_path.split("/") if x]
            for ancestor in ancestors:
                if ancestor in location_ids:
                    free[(product.id, ancestor)] += quantity - reserved
        return free

    @api.model
    def _mes_locate_shortages(self, shortages, productions):
        """Add where stock is now and which vendor receipt covers each shortage
        (reverse pegging: receipts by date, shortages by MO priority then start
        date, as they come in ``shortages``)."""
        if not shortages:
            return
        Product = self.env["product.product"]
        product_ids = list({s["product_id"] for s in shortages})
        elsewhere = defaultdict(lambda: defaultdict(float))
        for product, location, quantity, reserved in self.env[
            "stock.quant"
        ]._read_group(
            Domain("product_id", "in", product_ids)
            & Domain("location_id.usage", "=", "internal")
            & self.env["stock.lot"]._mes_usable_domain(at=fields.Datetime.now()),
            ["product_id", "location_id"],
            ["quantity:sum", "reserved_quantity:sum"],
        ):
            if quantity - reserved > 0:
                elsewhere[product.id][location] += quantity - reserved
        incoming = self.env["stock.move"].search(
            [
                ("product_id", "in", product_ids),
                ("state", "not in", ("draft", "done", "cancel")),
                ("location_id.usage", "=", "supplier"),
                ("location_dest_id.usage", "=", "internal"),
            ],
            order="date, id",
        )
        left = {move.id: move.product_qty for move in incoming}
        incoming_by_product = defaultdict(list)
        for move in incoming:
            incoming_by_product[move.product_id.id].append(move)
        warehouses_of = {
            production.id: (
                production.picking_type_id.warehouse_id
                | production.location_src_id.warehouse_id
                | production.company_id.mes_central_warehouse_id
            )
            for production in productions
        }
        Location = self.env["stock.location"]
        for shortage in shortages:
            product = Product.browse(shortage["product_id"])
            source = Location.browse(shortage["location_id"])
            where = {
                loc: qty for loc, qty in elsewhere[product.id].items() if loc != source
            }
            shortage["qty_elsewhere"] = sum(where.values())
            shortage["stock_elsewhere"] = ", ".join(
                f"{loc.display_name}: {qty:g}"
                for loc, qty in sorted(where.items(), key=lambda i: -i[1])
            )[:500]
            warehouses = warehouses_of[shortage["production_id"]] | (
                source.warehouse_id
            )
            missing = shortage["qty_missing"]
            pegged = 0.0
            for move in incoming_by_product[product.id]:
                if missing <= pegged or move.location_dest_id.warehouse_id not in (
                    warehouses
                ):
                    continue
                take = min(left[move.id], missing - pegged)
                if take <= 0:
                    continue
                left[move.id] -= take
                pegged += take
                shortage["incoming_move_id"] = move.id
                shortage["incoming_date"] = move.date
            shortage["incoming_qty"] = pegged

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
