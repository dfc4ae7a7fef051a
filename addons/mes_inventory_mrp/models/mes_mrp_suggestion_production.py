from datetime import datetime, time, timedelta

from pytz import UTC

from odoo import _, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_is_zero

from .mes_guarded_mixin import guarded_action
from .mes_mrp_suggestion import check_planner


class MesMrpSuggestion(models.Model):
    """What a planner does with make suggestions: manufacturing orders; and the
    one button that orders a mixed selection (RFQs, MOs and transfers)."""

    _inherit = "mes.mrp.suggestion"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Manufacturing orders
    # ------------------------------------------------------------------
    def _mes_check_producible(self):
        """Refuse the whole batch with every problem named; nothing is created."""
        self._mes_refuse_other_companies(
            _(
                "%(name)s belongs to company %(company)s: select that company "
                "to manufacture it."
            )
        )
        self.check_access("write")
        problems = []
        for suggestion in self:
            name = suggestion.display_name
            # sudo: the BOM is checked (deleted, archived) and named whatever
            # the user's rights on bills of materials.
            bom = suggestion.sudo().bom_id
            warehouse = (
                suggestion.warehouse_id or suggestion.planning_group_id.warehouse_id
            )
            if suggestion.state in ("ordered", "cancelled"):
                problems.append(
                    suggestion._mes_already_done_problem(suggestion.production_id)
                )
            elif not suggestion.action:
                problems.append(
                    _(
                        "%(name)s has no source: add a bill of materials and the "
                        "Manufacture route to the product and run the MRP again.",
                        name=name,
                    )
                )
            elif suggestion.action != "make":
                problems.append(
                    _(
                        "%(name)s is not a make suggestion: only make suggestions "
                        "become manufacturing orders.",
                        name=name,
                    )
                )
            elif not bom:
                problems.append(
                    _(
                        "%(name)s has no bill of materials (it was deleted): run "
                        "the MRP again.",
                        name=name,
                    )
                )
            elif not bom.active:
                problems.append(
                    _(
                        "%(name)s: its bill of materials %(bom)s was archived "
                        "since the run. Restore it, or run the MRP again to plan "
                        "with the active one.",
                        name=name,
                        bom=bom.display_name,
                    )
                )
            elif not suggestion.product_id.active:
                problems.append(
                    _(
                        "%(name)s: product %(product)s is archived. Restore it or "
                        "cancel the suggestion.",
                        name=name,
                        product=suggestion.product_id.display_name,
                    )
                )
            elif not warehouse.manu_type_id:
                problems.append(
                    _(
                        "%(name)s: warehouse %(warehouse)s has no manufacturing "
                        "operation type. Set the receiving warehouse of planning "
                        "group %(group)s to one that manufactures.",
                        name=name,
                        warehouse=warehouse.display_name or _("(none)"),
                        group=suggestion.planning_group_id.display_name,
                    )
                )
            elif float_is_zero(
                suggestion.product_qty,
                precision_rounding=suggestion.product_id.uom_id.rounding,
            ):
                problems.append(_("%(name)s has no quantity to make.", name=name))
        if problems:
            raise UserError("\n".join(problems))

    def _mes_production_dates(self):
        """(start, finish) as naive UTC: noon of the start and required days in
        the run's time zone (the days the suggestion's dates are), so the next
        run reads the same days back."""
        self.ensure_one()
        tz = self.run_id._planning_tz()

        def noon(day):
            local = tz.localize(datetime.combine(day, time(12)))
            return local.astimezone(UTC).replace(tzinfo=None)

        start = noon(self.date_order)
        finish = noon(self.date_required)
        if finish <= start:
            # Odoo never plans an MO to end when it starts: an hour, as it does.
            finish = start + timedelta(hours=1)
        return start, finish

    def _mes_prepare_production(self):
        self.ensure_one()
        warehouse = self.warehouse_id or self.planning_group_id.warehouse_id
        start, _finish = self._mes_production_dates()
        vals = {
            "product_id": self.product_id.id,
            "product_qty": self.product_qty,
            "product_uom_id": self.product_id.uom_id.id,
            "bom_id": self.bom_id.id,
            "picking_type_id": warehouse.manu_type_id.id,
            "company_id": self.company_id.id,
            "date_start": start,
            "origin": self.run_id.display_name or _("MRP"),
        }
        if self.project_id:
            vals["project_id"] = self.project_id.id
            if self.project_id.mes_hold_stock:
                # finished goods made for the project are the project's
                location = self.project_id._mes_stock_location(warehouse)
                vals["location_dest_id"] = location.id
        return vals

    @guarded_action
    def action_create_productions(self):
        """Turn these make suggestions into confirmed manufacturing orders.

        One MO per suggestion, never merged: the suggestion's product, quantity
        (product unit) and bill of materials, started on its start date and
        finishing on its required date, in the manufacturing operation type of
        its warehouse, with the run as source document. Confirmed at once, so
        its components are demand. Each suggestion is linked to its MO and
        becomes ordered. Any refused suggestion stops the whole batch.
        """
        if not self:
            raise UserError(_("Select the suggestions to manufacture."))
        check_planner(self.env, _("create manufacturing orders from MRP suggestions"))
        self.env["mrp.production"].check_access("create")
        self._mes_check_producible()
        self._mes_lock()
        self._mes_check_producible()

        suggestions = self.sorted(lambda s: (s.date_order, s.date_required, s.id))
        Production = self.env["mrp.production"]
        pairs = []
        for company in suggestions.company_id:
            batch = suggestions.filtered(lambda s, c=company: s.company_id == c)
            created = Production.with_company(company).create(
                [suggestion._mes_prepare_production() for suggestion in batch]
            )
            pairs += zip(batch, created.with_env(self.env), strict=True)
        productions = Production.union(*(production for _s, production in pairs))
        # Odoo computes the end from the start and the BOM's lead time; the
        # suggestion's required date wins (an expedited start is shorter).
        for suggestion, production in pairs:
            production.date_finished = suggestion._mes_production_dates()[1]
        productions.action_confirm()
        for suggestion, production in pairs:
            suggestion.write({"production_id": production.id, "state": "ordered"})
        return productions._get_mes_action()

    # ------------------------------------------------------------------
    # One button for a mixed selection
    # ------------------------------------------------------------------
    @guarded_action
    def action_create_orders(self):
        """Order a mixed selection at once: RFQs for the buy suggestions, MOs
        for the make suggestions, transfers for the transfer suggestions.

        All or nothing: every suggestion is checked first, and the whole batch
        is refused with every problem named when one cannot be ordered. Each
        kind goes through its own path (``action_create_purchase_orders``,
        ``action_create_productions``, ``action_create_transfers``) with its
        own rights: buyers order purchases, planners make and transfer.
        """
        if not self:
            raise UserError(_("Select the suggestions to order."))
        buy = self.filtered(lambda s: s.action == "buy")
        make = self.filtered(lambda s: s.action == "make")
        transfer = self.filtered(lambda s: s.action == "transfer")
        if make or transfer:
            check_planner(self.env, _("create orders from MRP suggestions"))
        if buy:
            self.env["purchase.order"].check_access("create")
        if make:
            self.env["mrp.production"].check_access("create")
        problems = [
            self.env._(
                "%(name)s has no source: add a vendor, a bill of materials or a "
                "resupply route to the product and run the MRP again.",
                name=suggestion.display_name,
            )
            for suggestion in self - buy - make - transfer
        ]
        for part, check in (
            (buy, "_mes_check_orderable"),
            (make, "_mes_check_producible"),
            (transfer, "_mes_check_transferable"),
        ):
            if not part:
                continue
            try:
                getattr(part, check)()
            except AccessError:
                raise
            except UserError as error:
                problems.append(error.args[0])
        if problems:
            raise UserError("\n".join(problems))

        actions = []
        with self.env.cr.savepoint():
            if buy:
                actions.append(buy.action_create_purchase_orders())
            if make:
                actions.append(make.action_create_productions())
            if transfer:
                actions.append(transfer.action_create_transfers())
        if len(actions) == 1:
            return actions[0]
        documents = [
            name
            for name in (
                buy.purchase_order_id.mapped("name")
                + make.production_id.mapped("name")
                + transfer.transfer_picking_id.mapped("name")
            )
            if name
        ]
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": _("Orders created"),
                "message": _(
                    "%(rfqs)s request(s) for quotation, %(mos)s manufacturing "
                    "order(s), %(transfers)s transfer(s): %(documents)s.",
                    rfqs=len(buy.purchase_order_id),
                    mos=len(make.production_id),
                    transfers=len(transfer.transfer_picking_id),
                    documents=", ".join(documents),
                ),
                "sticky": False,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
