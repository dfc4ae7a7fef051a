from collections import defaultdict

from odoo import api, fields, models
from odoo.addons.mes_inventory_mrp.tools import insert_rows
from odoo.fields import Domain
from odoo.tools import SQL, float_compare

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
    """Kitting: are the components of an open MO where it consumes them?"""

    _inherit = "mrp.production"  # pylint: disable=consider-merging-classes-inherited

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

    @api.model
    def _mes_expand_kitting_states(self, states, domain):
        return [key for key, _label in KITTING_STATES]

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
            take = 0.0
            for pool in self._mes_kitting_pools(move.raw_material_production_id):
                key = (move.product_id.id, move.location_id.id, pool)
                part = uom.round(min(missing - take, max(free.get(key, 0.0), 0.0)))
                if part > 0:
                    free[key] -= part
                    take += part
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
        """Unreserved usable stock per (product, location, project holding
        it), child locations included: {(product_id, location_id,
        project_id or False): qty}."""
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
            project = location.mes_project_id.id
            for ancestor in ancestors:
                if ancestor in location_ids:
                    free[(product.id, ancestor, project)] += quantity - reserved
        return free

    @api.model
    def _mes_kitting_pools(self, production):
        """The stock an MO's components may take, in order: its project's
        own (when the project holds stock), then free stock (False) unless
        the project may not use it; as reservation does."""
        project = production.project_id
        if not project.mes_hold_stock:
            return (False,)
        if project.mes_use_free_stock:
            return (project.id, False)
        return (project.id,)

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
