"""The plan writer: the engine's plan as suggestions, pegging and messages.

Rows are built apart from how they are stored: ``suggestion_rows``,
``pegging_rows`` and ``message_rows`` make plain column values from the plan;
``write_plan`` stores them as a difference with what is stored: a suggestion
whose identity (``SUGGESTION_IDENTITY``) is unchanged keeps its record (id,
state, links, comments), only its changed figures are updated; vanished ones
are deleted, new ones inserted; the same for pegging and action messages. A
rerun on unchanged data writes no row. A fixed number of bulk statements.
"""

from collections import Counter, defaultdict, deque

from odoo.tools import SQL

from ..tools import delete_rows, insert_rows, update_rows

# What a suggestion is: a planned order with the same identity keeps its
# record across runs.
SUGGESTION_IDENTITY = (
    "planning_group_id",
    "product_id",
    "action",
    "date_required",
    "warehouse_id",
    "partner_id",  # the vendor (buy)
    "bom_id",  # the bill of materials (make)
    "source_warehouse_id",  # the warehouse resupplying (transfer)
    "project_id",  # the project that holds stock it is planned for
)
# What a run may change on a suggestion it keeps.
SUGGESTION_FIGURES = (
    "company_id",
    "product_qty",
    "purchase_qty",
    "purchase_uom_id",
    "date_order",
    "exception",
    "exception_message",
    "currency_id",
    "price_unit",
    "price_subtotal",
    "supplierinfo_id",
    "transfer_rule_id",
)
MESSAGE_IDENTITY = (
    "product_id",
    "message_type",
    "supply_move_id",
    "purchase_line_id",
    "production_id",
)
MESSAGE_FIGURES = ("company_id", "date_current", "date_suggested", "product_qty")
PEGGING_COLUMNS = (
    "suggestion_id",
    "sequence",
    "company_id",
    "demand_type",
    "move_id",
    "forecast_id",
    "parent_suggestion_id",
    "root_move_id",
    "root_forecast_id",
    "root_key",
    "date",
    "product_qty",
)


def _values(vals, names):
    """``vals``' values of ``names`` as a tuple (missing: None). The row
    builders write NULL as None, as the database reads it back."""
    return tuple(map(vals.get, names))


class PlanWriter:
    """Writes the plan of one run (``mes.mrp.run`` record) of one group."""

    def __init__(self, run):
        self.run = run
        self.env = run.env
        self.group = run.planning_group_id
        self.company = self.group.company_id
        # Plain ids: the row builders read them once per row.
        self.run_id = run.id
        self.group_id = self.group.id
        self.company_id = self.company.id
        env = self.env
        # Translated once: thousands of orders may carry an exception.
        self.no_source_text = env._(
            "Product %(product)s has no vendor and no bill of materials: "
            "add a vendor on its Purchase tab, or a bill of materials and "
            "the Manufacture route on its Inventory tab."
        )
        self.late_texts = {
            "make": env._(
                "Product %(product)s is late: started today (%(date)s) it is "
                "ready after %(required)s with its lead time. Start it at once "
                "and expedite it, or move the demand."
            ),
            "transfer": env._(
                "Product %(product)s is late: transferred today (%(date)s) it "
                "arrives after %(required)s with the transfer lead time. "
                "Transfer it at once and expedite it, or move the demand."
            ),
            "buy": env._(
                "Product %(product)s is late: ordered today (%(date)s) it "
                "arrives after %(required)s with its lead time. Order it at "
                "once and ask the vendor to expedite, or move the demand."
            ),
        }
        self.written = 0  # rows inserted, updated and deleted
        self.kept_ids = []  # suggestions of the replanned orders kept

    def write_plan(self, result, inputs):
        """Store ``result`` as a difference with the group's new suggestions
        and messages; returns the run's counts.

        ``result.replanned`` (net change) limits the difference to the
        products replanned; the orders kept from the previous plan
        (``ref``) are left as they are.
        """
        env = self.env
        env.flush_all()
        scope = None if result.replanned is None else sorted(result.replanned)
        suggestion_ids = self._write_suggestions(result, inputs, scope)
        self._write_pegging(result, suggestion_ids)
        message_vals = env["mes.mrp.message"]._mes_drop_decided(
            self.group, self.message_rows(result, inputs)
        )
        self._write_messages(message_vals, scope)
        # The rows were written behind the ORM's back: drop what it cached.
        env.invalidate_all()
        counts = {
            "product_count": len(result.projection),
            "message_count": len(message_vals),
            "suggestion_count": len(result.orders),
            "rows_written": self.written,
        }
        if scope is not None:
            # The plan is the replanned orders and the ones kept.
            [[counts["suggestion_count"]], [counts["message_count"]]] = (
                env.execute_query(
                    SQL(
                        "SELECT count(*) FROM mes_mrp_suggestion "
                        "WHERE planning_group_id = %s AND state = 'new' "
                        "UNION ALL SELECT count(*) FROM mes_mrp_message "
                        "WHERE planning_group_id = %s AND state = 'new'",
                        self.group_id,
                        self.group_id,
                    )
                )
            )
        return counts

    def _stored(self, table, identity, figures, scope):
        """The group's new rows of ``table`` (of the ``scope`` products),
        oldest first, per identity: ``{identity: deque([(id, figures)])}``
        (NULL as None, as ``_values`` gives)."""
        query = SQL(
            "SELECT id, %s FROM %s WHERE planning_group_id = %s AND state = 'new'",
            SQL(", ").join(SQL.identifier(name) for name in identity + figures),
            SQL.identifier(table),
            self.group_id,
        )
        if scope is not None:
            query = SQL("%s AND product_id = ANY(%s)", query, scope)
        size = len(identity) + 1
        stored = defaultdict(deque)
        for row in self.env.execute_query(SQL("%s ORDER BY id", query)):
            stored[tuple(row[1:size])].append((row[0], tuple(row[size:])))
        return stored

    def _write_suggestions(self, result, inputs, scope):
        """Suggestion ids of ``result.orders``, in order, once written."""
        env = self.env
        Suggestion = env["mes.mrp.suggestion"]
        stored = self._stored(
            "mes_mrp_suggestion", SUGGESTION_IDENTITY, SUGGESTION_FIGURES, scope
        )
        ids = []
        new_vals = []
        new_positions = []
        changed = {}
        rows = iter(self.suggestion_rows(result, inputs))
        for order in result.orders:
            if order.ref is not None:  # kept from the previous plan
                ids.append(order.ref)
                continue
            vals = next(rows)
            row_id = self._keep(
                stored, SUGGESTION_IDENTITY, SUGGESTION_FIGURES, vals, changed
            )
            if row_id is None:
                new_positions.append(len(ids))
                new_vals.append(vals)
            else:
                self.kept_ids.append(row_id)
            ids.append(row_id)
        # Pegging rows go with their suggestion (ON DELETE CASCADE);
        # approved and ordered suggestions are never touched.
        new_ids = self._store_difference(Suggestion, stored, changed, new_vals)
        for position, new_id in zip(new_positions, new_ids, strict=True):
            ids[position] = new_id
        return ids

    @staticmethod
    def _keep(stored, identity, figures, vals, changed):
        """The stored row ``vals`` stands for (taken out of ``stored``), its
        changed figures noted in ``changed`` (id -> values); None: it is new."""
        queue = stored.get(_values(vals, identity))
        if not queue:
            return None
        row_id, current = queue.popleft()
        if _values(vals, figures) != current:
            changed[row_id] = {name: vals.get(name) for name in (*figures, "run_id")}
        return row_id

    def _store_difference(self, model, stored, changed, new_vals):
        """Delete the stored rows no planned row took, update the ``changed``
        ones, insert ``new_vals``; returns the new ids in order."""
        vanished = [row[0] for queue in stored.values() for row in queue]
        delete_rows(model, vanished)
        update_rows(model, list(changed), list(changed.values()))
        new_ids = insert_rows(model, new_vals)
        self.written += len(vanished) + len(changed) + len(new_vals)
        return new_ids

    def _write_pegging(self, result, suggestion_ids):
        """The pegging of the replanned orders as a difference (a multiset of
        rows per suggestion)."""
        env = self.env
        Pegging = env["mes.mrp.pegging"]
        wanted = Counter()
        vals_of = {}
        for vals in self.pegging_rows(result, suggestion_ids):
            key = _values(vals, PEGGING_COLUMNS)
            wanted[key] += 1
            vals_of[key] = vals
        vanished = []
        if self.kept_ids:
            rows = env.execute_query(
                SQL(
                    "SELECT id, %s FROM mes_mrp_pegging WHERE suggestion_id = ANY(%s)",
                    SQL(", ").join(SQL.identifier(name) for name in PEGGING_COLUMNS),
                    self.kept_ids,
                )
            )
            for row in rows:
                key = row[1:]
                if wanted[key] > 0:
                    wanted[key] -= 1
                else:
                    vanished.append(row[0])
        delete_rows(Pegging, vanished)
        new_vals = [
            vals_of[key] for key, count in wanted.items() for _n in range(count)
        ]
        insert_rows(Pegging, new_vals)
        self.written += len(vanished) + len(new_vals)

    def _write_messages(self, message_vals, scope):
        Message = self.env["mes.mrp.message"]
        stored = self._stored(
            "mes_mrp_message", MESSAGE_IDENTITY, MESSAGE_FIGURES, scope
        )
        changed = {}
        new_vals = [
            vals
            for vals in message_vals
            if self._keep(stored, MESSAGE_IDENTITY, MESSAGE_FIGURES, vals, changed)
            is None
        ]
        # Applied and dismissed messages stay: they are what the planner did.
        self._store_difference(Message, stored, changed, new_vals)

    # ------------------------------------------------------------------
    # Rows
    # ------------------------------------------------------------------
    def suggestion_rows(self, result, inputs):
        """Column values of one suggestion per planned order, in order."""
        products = inputs.products
        convert = inputs.convert
        digits = inputs.precision
        company_currency = self.company.currency_id.id
        receiving_warehouse = self.group.warehouse_id.id
        rows = []
        for order in result.orders:
            if order.ref is not None:  # kept from the previous plan
                continue
            product = products.get(order.item_id)
            name = (product.name if product else None) or str(order.item_id)
            qty = round(order.qty, digits)
            vals = {
                "run_id": self.run_id,
                "planning_group_id": self.group_id,
                "company_id": self.company_id,
                "product_id": order.item_id,
                "action": order.action if order.action != "none" else None,
                "product_qty": qty,
                "purchase_qty": qty,
                "date_required": order.date_required,
                "date_order": order.date_order,
                "warehouse_id": receiving_warehouse,
                "project_id": order.project_id or None,
                "state": "new",
                "exception": order.exception,
                "exception_message": None,
                "currency_id": company_currency,
                "price_unit": 0.0,
                "price_subtotal": 0.0,
            }
            vendor = inputs.vendors.get(order.vendor_id) if order.vendor_id else None
            if vendor:
                purchase_qty = round(
                    convert(qty, product.uom_id, vendor.uom_id), digits
                )
                vals.update(
                    partner_id=vendor.partner_id,
                    supplierinfo_id=order.vendor_id,
                    purchase_qty=purchase_qty,
                    purchase_uom_id=vendor.uom_id,
                    price_unit=vendor.price,
                    currency_id=vendor.currency_id or company_currency,
                    price_subtotal=purchase_qty * vendor.price,
                )
            else:
                vals["purchase_uom_id"] = product.uom_id if product else None
            if order.action == "make":
                vals["bom_id"] = inputs.bom_of.get(order.item_id)
            elif order.action == "transfer":
                transfer = inputs.transfers[order.item_id]
                vals.update(
                    warehouse_id=transfer.warehouse_id,
                    source_warehouse_id=transfer.source_warehouse_id,
                    transfer_rule_id=transfer.rule_id,
                )
            if order.exception != "none":
                vals["exception_message"] = self._exception_message(
                    order, name, inputs.run_date
                )
            rows.append(vals)
        return rows

    def _exception_message(self, order, name, run_date):
        if order.exception == "no_source":
            return self.no_source_text % {"product": name}
        if order.exception == "expedite":
            text = self.late_texts.get(order.action, self.late_texts["buy"])
            return text % {
                "product": name,
                "date": run_date,
                "required": order.date_required,
            }
        return None

    def pegging_rows(self, result, suggestion_ids):
        """Column values of the pegging of every order (``suggestion_ids``: the
        ids of the orders' suggestions, in order)."""
        rows = []
        for order, suggestion_id in zip(result.orders, suggestion_ids, strict=True):
            if order.ref is not None:  # kept from the previous plan
                continue
            for sequence, peg in enumerate(order.pegs):
                vals = {
                    "suggestion_id": suggestion_id,
                    "sequence": sequence,
                    "company_id": self.company_id,
                    "product_qty": peg.qty,
                    "date": peg.date,
                }
                vals.update(peg_demand(peg, suggestion_ids))
                rows.append(vals)
        return rows

    def message_rows(self, result, inputs):
        """Column values of one action message per engine message."""
        rows = []
        for message in result.messages:
            kind, _sep, raw_id = message.supply_id.partition(":")
            vals = {
                "run_id": self.run_id,
                "planning_group_id": self.group_id,
                "company_id": self.company_id,
                "product_id": message.item_id,
                "message_type": message.message_type,
                "date_current": message.date_current,
                "date_suggested": message.date_suggested,
                "product_qty": message.qty,
                "state": "new",
            }
            if kind == "move":
                move_id = int(raw_id)
                pol, production = inputs.move_links.get(move_id, (None, None))
                vals.update(
                    supply_move_id=move_id,
                    purchase_line_id=pol or None,
                    production_id=production or None,
                )
            elif kind == "rfq":
                vals["purchase_line_id"] = int(raw_id)
            rows.append(vals)
        return rows


def peg_demand(peg, suggestion_ids):
    """Pegging columns naming what ``peg`` serves, directly and at the top."""
    vals = {}
    if peg.parent_order is not None:
        vals["demand_type"] = "planned_order"
        vals["parent_suggestion_id"] = suggestion_ids[peg.parent_order]
    elif peg.demand_id is None:
        vals["demand_type"] = "safety_stock"
    else:
        kind, _sep, raw = peg.demand_id.partition(":")
        if kind == "move":
            vals["demand_type"] = "move"
            vals["move_id"] = int(raw)
        elif kind == "forecast":
            vals["demand_type"] = "forecast"
            vals["forecast_id"] = int(raw)
        elif kind == "firmbom":
            vals["demand_type"] = "planned_order"
            vals["parent_suggestion_id"] = int(raw.split(":")[0])
    root = peg.root_demand_id or ""
    # The engine's own name of the top-level demand: a net-change run
    # explodes a kept order per top-level demand again (``previous_orders``).
    vals["root_key"] = root or None
    kind, _sep, raw = root.partition(":")
    if kind == "move":
        vals["root_move_id"] = int(raw)
    elif kind == "forecast":
        vals["root_forecast_id"] = int(raw)
    return vals
