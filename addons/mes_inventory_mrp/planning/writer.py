"""The plan writer: the engine's plan as suggestions, pegging and messages.

Rows are built apart from how they are stored: ``suggestion_rows``,
``pegging_rows`` and ``message_rows`` make plain column values from the plan;
``write_plan`` stores them. Today it replaces the group's new suggestions and
messages by the plan's, in a few bulk INSERTs; writing only the difference (a
suggestion that did not change keeps its record) changes ``write_plan`` alone:
compare the built rows with the stored ones by product, action and date.
"""

from odoo.tools import SQL

from ..tools import insert_rows


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

    def write_plan(self, result, inputs):
        """Replace the group's new suggestions and messages by ``result``'s;
        returns the run's counts."""
        env = self.env
        env.flush_all()
        self._delete_new()
        suggestion_vals = self.suggestion_rows(result, inputs)
        suggestion_ids = insert_rows(env["mes.mrp.suggestion"], suggestion_vals)
        insert_rows(env["mes.mrp.pegging"], self.pegging_rows(result, suggestion_ids))
        message_vals = env["mes.mrp.message"]._mes_drop_decided(
            self.group, self.message_rows(result, inputs)
        )
        insert_rows(env["mes.mrp.message"], message_vals)
        # The rows were written behind the ORM's back: drop what it cached.
        env.invalidate_all()
        return {
            "product_count": len(result.projection),
            "suggestion_count": len(suggestion_vals),
            "message_count": len(message_vals),
        }

    def _delete_new(self):
        # Plain DELETEs: pegging rows go with their suggestion (ON DELETE
        # CASCADE); approved and ordered suggestions are never touched.
        self.env.execute_query(
            SQL(
                "DELETE FROM mes_mrp_suggestion "
                "WHERE planning_group_id = %s AND state = 'new'",
                self.group.id,
            )
        )
        # Applied and dismissed messages stay: they are what the planner did.
        self.env.execute_query(
            SQL(
                "DELETE FROM mes_mrp_message "
                "WHERE planning_group_id = %s AND state = 'new'",
                self.group.id,
            )
        )

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
            product = products.get(order.item_id)
            name = (product.name if product else None) or str(order.item_id)
            qty = round(order.qty, digits)
            vals = {
                "run_id": self.run_id,
                "planning_group_id": self.group_id,
                "company_id": self.company_id,
                "product_id": order.item_id,
                "action": order.action if order.action != "none" else False,
                "product_qty": qty,
                "purchase_qty": qty,
                "date_required": order.date_required,
                "date_order": order.date_order,
                "warehouse_id": receiving_warehouse,
                "project_id": order.project_id or False,
                "state": "new",
                "exception": order.exception,
                "exception_message": False,
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
        return False

    def pegging_rows(self, result, suggestion_ids):
        """Column values of the pegging of every order (``suggestion_ids``: the
        ids of the orders' suggestions, in order)."""
        rows = []
        for order, suggestion_id in zip(result.orders, suggestion_ids, strict=True):
            for peg in order.pegs:
                vals = {
                    "suggestion_id": suggestion_id,
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
                    purchase_line_id=pol or False,
                    production_id=production or False,
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
    kind, _sep, raw = root.partition(":")
    if kind == "move":
        vals["root_move_id"] = int(raw)
    elif kind == "forecast":
        vals["root_forecast_id"] = int(raw)
    return vals
