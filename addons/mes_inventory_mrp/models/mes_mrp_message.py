from datetime import datetime, time

from pytz import UTC

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from .mes_guarded_mixin import guarded_action
from .mes_mrp_suggestion import check_planner, lock_records

_lt = LazyTranslate(__name__)

RFQ_STATES = ("draft", "sent", "to approve")


class MesMrpMessage(models.Model):
    """An action message on existing supply: move it in, out, or cancel it.

    A planner applies it (``action_apply``: the purchase line or manufacturing
    order is changed as the message says) or dismisses it (``action_dismiss``).
    Applied and dismissed messages stay as the record of what was decided; the
    next runs do not raise the same message again (see ``_mes_drop_decided``).
    """

    _name = "mes.mrp.message"
    _inherit = ["mes.guarded.mixin"]
    _description = "MRP Action Message"
    _order = "date_current, product_id, id"
    _check_company_auto = True
    _mes_guarded_fields = {
        "state": _lt("Apply or Dismiss"),
        "decided_by_id": _lt("Apply or Dismiss"),
        "decided_date": _lt("Apply or Dismiss"),
        "result": _lt("Apply"),
    }

    run_id = fields.Many2one("mes.mrp.run", ondelete="set null", index=True)
    planning_group_id = fields.Many2one(
        "mes.mrp.planning.group", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    product_id = fields.Many2one(
        "product.product", required=True, index=True, check_company=True
    )
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    # "set null": an applied cancel removes the RFQ line; the message stays as
    # the record of what was done (see ``result``).
    supply_move_id = fields.Many2one("stock.move", ondelete="set null")
    purchase_line_id = fields.Many2one("purchase.order.line", ondelete="set null")
    purchase_id = fields.Many2one(
        related="purchase_line_id.order_id", string="Purchase Order"
    )
    production_id = fields.Many2one(
        "mrp.production", string="Manufacturing Order", ondelete="set null"
    )
    message_type = fields.Selection(
        [
            ("reschedule_in", "Reschedule In"),
            ("reschedule_out", "Reschedule Out"),
            ("cancel", "Cancel"),
        ],
        required=True,
    )
    date_current = fields.Date(string="Current Date", required=True)
    date_suggested = fields.Date(string="Suggested Date")
    product_qty = fields.Float(string="Quantity", digits="Product Unit", default=0.0)
    quantity = fields.Float(
        related="product_qty", readonly=False, string="Supply Quantity"
    )
    origin = fields.Char(string="Source Document", compute="_compute_origin")
    note = fields.Char(string="Action", compute="_compute_origin")
    state = fields.Selection(
        [("new", "New"), ("applied", "Applied"), ("dismissed", "Dismissed")],
        default="new",
        required=True,
        index=True,
        readonly=True,
        copy=False,
        help="Applied: the purchase or manufacturing order was changed as the "
        "message says. Dismissed: the planner kept the supply as it is; the "
        "same message is not raised again.",
    )
    decided_by_id = fields.Many2one(
        "res.users",
        string="Applied / Dismissed By",
        readonly=True,
        copy=False,
    )
    decided_date = fields.Datetime(
        string="Applied / Dismissed On", readonly=True, copy=False
    )
    result = fields.Char(
        readonly=True,
        copy=False,
        help="What applying the message changed, on which document.",
    )

    @api.depends("supply_move_id", "purchase_line_id", "production_id")
    def _compute_origin(self):
        for message in self:
            message.origin = (
                message.purchase_line_id.order_id.name
                or message.production_id.name
                or message.supply_move_id.picking_id.name
                or message.supply_move_id.reference
                or ""
            )
            if message.message_type == "cancel":
                message.note = _("Not needed within the horizon: cancel it.")
            elif message.message_type == "reschedule_in":
                message.note = _(
                    "Needed on %(date)s: bring it forward.",
                    date=message.date_suggested,
                )
            else:
                message.note = _(
                    "First needed on %(date)s: postpone it.",
                    date=message.date_suggested,
                )

    # ------------------------------------------------------------------
    # Rerun: decided messages are not raised again
    # ------------------------------------------------------------------
    @api.model
    def _mes_supply_key(self, vals):
        """What a message is about: its document (purchase line, MO or move),
        product, type and suggested date, from a dict of column values."""
        if vals.get("purchase_line_id"):
            document = ("purchase_line", vals["purchase_line_id"])
        elif vals.get("production_id"):
            document = ("production", vals["production_id"])
        else:
            document = ("move", vals.get("supply_move_id") or None)
        return (
            document,
            vals.get("product_id"),
            vals.get("message_type"),
            vals.get("date_suggested") or None,
        )

    @api.model
    def _mes_drop_decided(self, group, vals_list):
        """``vals_list`` without the messages already applied or dismissed.

        A dismissed message is not raised again for the same supply, type and
        suggested date; neither is one the planner already applied (the supply
        is where the plan wants it). One query whatever the number of messages.
        """
        if not vals_list:
            return vals_list
        rows = self.env.execute_query(
            SQL(
                """
            SELECT purchase_line_id, production_id, supply_move_id, product_id,
                   message_type, date_suggested
              FROM mes_mrp_message
             WHERE planning_group_id = %s AND state IN ('applied', 'dismissed')
            """,
                group.id,
            )
        )
        names = (
            "purchase_line_id",
            "production_id",
            "supply_move_id",
            "product_id",
            "message_type",
            "date_suggested",
        )
        decided = {
            self._mes_supply_key(dict(zip(names, row, strict=True))) for row in rows
        }
        if not decided:
            return vals_list
        return [vals for vals in vals_list if self._mes_supply_key(vals) not in decided]

    # ------------------------------------------------------------------
    # Apply / dismiss
    # ------------------------------------------------------------------
    def _mes_check_decidable(self):
        """New messages of the user's selected companies only, or nothing."""
        problems = []
        allowed = self.env.companies
        labels = dict(self._fields["state"]._description_selection(self.env))
        for message in self.sudo():
            name = message.display_name
            if message.company_id not in allowed:
                problems.append(
                    _(
                        "Action message %(name)s belongs to company %(company)s: "
                        "select that company to decide on it.",
                        name=name,
                        company=message.company_id.name,
                    )
                )
            elif message.state != "new":
                problems.append(
                    _(
                        "Action message %(name)s is already %(state)s: remove it "
                        "from the selection.",
                        name=name,
                        state=labels[message.state].lower(),
                    )
                )
        if problems:
            raise UserError("\n".join(problems))
        self.check_access("write")

    @api.depends("message_type", "product_id", "origin")
    def _compute_display_name(self):
        labels = dict(self._fields["message_type"]._description_selection(self.env))
        for message in self:
            message.display_name = _(
                "%(type)s %(product)s (%(document)s)",
                type=labels.get(message.message_type, ""),
                product=message.product_id.display_name,
                document=message.origin or _("no document"),
            )

    def _mes_decided(self, state, results=None):
        results = results or {}
        now = fields.Datetime.now()
        for message in self:
            message.write(
                {
                    "state": state,
                    "decided_by_id": self.env.uid,
                    "decided_date": now,
                    "result": results.get(message.id, False),
                }
            )

    def _mes_start_deciding(self, empty_message, what):
        """Before a planner applies or dismisses these messages: none selected,
        not a planner, or already decided (checked again once locked, so two
        planners cannot decide the same message) is refused."""
        if not self:
            raise UserError(empty_message)
        check_planner(self.env, what)
        self._mes_check_decidable()
        lock_records(self)
        self._mes_check_decidable()

    @guarded_action
    def action_dismiss(self):
        """Keep the supply as it is; the same message is not raised again."""
        self._mes_start_deciding(
            _("Select the action messages to dismiss."),
            _("dismiss MRP action messages"),
        )
        self._mes_decided("dismissed")
        return True

    @guarded_action
    def action_apply(self):
        """Carry out these action messages on their purchases and MOs, in one go.

        Reschedule in / out: a purchase line's ``date_planned`` and its open
        receipt moves go to the suggested date; a manufacturing order is moved
        so that it finishes on the suggested date, with the same duration.
        Cancel: the line of an RFQ is removed (the RFQ is cancelled with its
        last line); a confirmed line with nothing received gets quantity 0 and
        its receipt is cancelled; a confirmed MO not started is cancelled.
        Every document changed gets a chatter note naming the run and the
        change. When one message cannot be applied, none is.
        """
        self._mes_start_deciding(
            _("Select the action messages to apply."), _("apply MRP action messages")
        )
        steps = self._mes_prepare_steps()
        with self.env.cr.savepoint():
            results = {}
            emptied = self.env["purchase.order"].sudo()
            for message, step, document in steps:
                results[message.id], order = step(message, document)
                emptied |= order
            for order in emptied.filtered(
                lambda o: not o.order_line.filtered(lambda line: not line.display_type)
            ):
                order.button_cancel()
                order.message_post(
                    body=_(
                        "MRP: the last line of this request for quotation was "
                        "removed, the request is cancelled."
                    ),
                    subtype_xmlid="mail.mt_note",
                )
            self._mes_decided("applied", results)
            self.env.flush_all()
        return True

    @guarded_action
    def action_reduce_to_received(self):
        """For a cancel message on a purchase line already partly received:
        order only what was received (the rest of the receipt is cancelled)."""
        self._mes_start_deciding(
            _("Select the action messages to apply."), _("apply MRP action messages")
        )
        problems = []
        for message in self:
            line = message.sudo().purchase_line_id
            if message.message_type != "cancel" or not line:
                problems.append(
                    _(
                        "%(name)s is not a cancel message on a purchase line: "
                        "apply it instead.",
                        name=message.display_name,
                    )
                )
            elif line.order_id.state != "purchase" or line.order_id.locked:
                problems.append(
                    _(
                        "%(order)s is not an open purchase order: only the lines "
                        "of confirmed, unlocked orders can be reduced.",
                        order=line.order_id.display_name,
                    )
                )
            elif line.product_uom_id.is_zero(line.qty_received):
                problems.append(
                    _(
                        "%(order)s: nothing of %(product)s was received yet, "
                        "apply the message to cancel the line.",
                        order=line.order_id.display_name,
                        product=line.product_id.display_name,
                    )
                )
        if problems:
            raise UserError("\n".join(problems))
        with self.env.cr.savepoint():
            results = {}
            for message in self:
                results[message.id], _order = message._mes_set_line_qty(
                    message.sudo().purchase_line_id, reduce=True
                )
            self._mes_decided("applied", results)
            self.env.flush_all()
        return True

    # -- checks, then steps -------------------------------------------------
    def _mes_prepare_steps(self):
        """``[(message, step, document)]`` or a UserError naming every problem.

        Nothing is changed here: every message is checked before any is
        applied. Documents are read as superuser: a planner applies the plan
        to purchases without being a buyer (the planner check was made).
        """
        problems = []
        steps = []
        for message in self:
            line = message.sudo().purchase_line_id
            production = message.sudo().production_id
            move = message.sudo().supply_move_id
            try:
                if line:
                    step = message._mes_check_purchase_line(line)
                    steps.append((message, step, line))
                elif production:
                    step = message._mes_check_production(production)
                    steps.append((message, step, production))
                elif move:
                    step = message._mes_check_move(move)
                    steps.append((message, step, move))
                else:
                    raise UserError(
                        _(
                            "%(name)s: its supply no longer exists. Run the MRP again.",
                            name=message.display_name,
                        )
                    )
            except UserError as error:
                problems.append(error.args[0])
        if problems:
            raise UserError("\n".join(problems))
        return steps

    def _mes_check_purchase_line(self, line):
        order = line.order_id
        if order.state == "cancel":
            raise UserError(
                _(
                    "%(order)s is cancelled: nothing to apply. Run the MRP again.",
                    order=order.display_name,
                )
            )
        if order.locked:
            raise UserError(
                _(
                    "%(order)s is locked: unlock it to apply the message on "
                    "%(product)s.",
                    order=order.display_name,
                    product=line.product_id.display_name,
                )
            )
        rfq = order.state in RFQ_STATES
        received = not line.product_uom_id.is_zero(line.qty_received)
        if self.message_type == "cancel":
            if rfq:
                return type(self)._mes_remove_rfq_line
            if received:
                raise UserError(
                    _(
                        "%(order)s: %(received)s %(unit)s of %(product)s (of "
                        "%(ordered)s) are already received, the line cannot be "
                        "cancelled. Use Reduce to Received on the message to "
                        "order only the received quantity.",
                        order=order.display_name,
                        received=line.qty_received,
                        ordered=line.product_qty,
                        unit=line.product_uom_id.name,
                        product=line.product_id.display_name,
                    )
                )
            return type(self)._mes_set_line_qty
        if not self.date_suggested:
            raise UserError(
                _("%(name)s has no suggested date.", name=self.display_name)
            )
        if not rfq and not self._mes_open_receipts(line):
            raise UserError(
                _(
                    "%(order)s: %(product)s is already received, there is no "
                    "receipt left to reschedule.",
                    order=order.display_name,
                    product=line.product_id.display_name,
                )
            )
        return type(self)._mes_reschedule_line

    def _mes_check_production(self, production):
        if production.state != "confirmed":
            labels = dict(production._fields["state"]._description_selection(self.env))
            raise UserError(
                _(
                    "%(mo)s is %(state)s: only confirmed manufacturing orders "
                    "that have not started can be moved or cancelled.",
                    mo=production.display_name,
                    state=labels[production.state].lower(),
                )
            )
        if self.message_type == "cancel":
            return type(self)._mes_cancel_production
        if not self.date_suggested:
            raise UserError(
                _("%(name)s has no suggested date.", name=self.display_name)
            )
        return type(self)._mes_reschedule_production

    def _mes_check_move(self, move):
        reference = move.picking_id.display_name or move.reference
        if self.message_type == "cancel":
            raise UserError(
                _(
                    "%(transfer)s is a transfer, not a purchase or a "
                    "manufacturing order: cancel it from the transfer itself.",
                    transfer=reference,
                )
            )
        if move.state in ("done", "cancel"):
            raise UserError(
                _(
                    "%(transfer)s is already done or cancelled: nothing to "
                    "reschedule. Run the MRP again.",
                    transfer=reference,
                )
            )
        if not self.date_suggested:
            raise UserError(
                _("%(name)s has no suggested date.", name=self.display_name)
            )
        return type(self)._mes_reschedule_move

    # -- the changes ------------------------------------------------------
    def _mes_tz(self):
        """The time zone the message's dates are days of (its run's)."""
        if self.run_id:
            return self.run_id._planning_tz()
        return self.env["mes.mrp.run"]._planning_tz()

    def _mes_at_noon(self, day):
        return (
            self._mes_tz()
            .localize(datetime.combine(day, time(12)))
            .astimezone(UTC)
            .replace(tzinfo=None)
        )

    def _mes_note(self, document, text):
        """Chatter note on ``document`` naming the run and the change."""
        document.message_post(
            body=_(
                "MRP action message applied (%(run)s): %(change)s",
                run=self.run_id.display_name or _("MRP"),
                change=text,
            ),
            subtype_xmlid="mail.mt_note",
        )

    @api.model
    def _mes_open_receipts(self, line):
        return line.move_ids.filtered(
            lambda m: (
                m.state not in ("done", "cancel")
                and m.location_dest_id.usage != "supplier"
                and m.product_id == line.product_id
            )
        )

    def _mes_reschedule_line(self, line):
        when = self._mes_at_noon(self.date_suggested)
        old = self.date_current
        line.write({"date_planned": when})
        self._mes_open_receipts(line).write({"date": when})
        text = _(
            "%(product)s moved from %(old)s to %(new)s.",
            product=line.product_id.display_name,
            old=old,
            new=self.date_suggested,
        )
        self._mes_note(line.order_id, text)
        return "%s: %s" % (line.order_id.name, text), line.order_id.browse()

    def _mes_remove_rfq_line(self, line):
        order = line.order_id
        text = _(
            "line %(product)s (%(qty)s %(unit)s) removed: not needed within the "
            "horizon.",
            product=line.product_id.display_name,
            qty=line.product_qty,
            unit=line.product_uom_id.name,
        )
        line.mes_suggestion_ids.write({"state": "cancelled"})
        self._mes_note(order, text)
        line.unlink()
        return "%s: %s" % (order.name, text), order

    def _mes_set_line_qty(self, line, reduce=False):
        order = line.order_id
        old_qty = line.product_qty
        new_qty = line.qty_received if reduce else 0.0
        # Cancel the open receipt first: with the moves gone, Odoo has nothing
        # to take back when the quantity drops (otherwise it makes a return).
        self._mes_open_receipts(line)._action_cancel()
        line.write({"product_qty": new_qty})
        if not reduce:
            line.mes_suggestion_ids.write({"state": "cancelled"})
        text = _(
            "%(product)s reduced from %(old)s to %(new)s %(unit)s, its open "
            "receipt cancelled.",
            product=line.product_id.display_name,
            old=old_qty,
            new=new_qty,
            unit=line.product_uom_id.name,
        )
        self._mes_note(order, text)
        return "%s: %s" % (order.name, text), order.browse()

    def _mes_reschedule_production(self, production):
        tz = self._mes_tz()
        finish = production.date_finished or production.date_start
        local = UTC.localize(finish).astimezone(tz)
        new_finish = (
            tz.localize(datetime.combine(self.date_suggested, local.time()))
            .astimezone(UTC)
            .replace(tzinfo=None)
        )
        shift = new_finish - finish
        production.write(
            {
                "date_start": production.date_start + shift,
                "date_finished": new_finish,
            }
        )
        text = _(
            "moved to finish on %(new)s (was %(old)s), same duration.",
            new=self.date_suggested,
            old=local.date(),
        )
        self._mes_note(production, text)
        return "%s: %s" % (production.name, text), self.env["purchase.order"]

    def _mes_cancel_production(self, production):
        production.action_cancel()
        self.env["mes.mrp.suggestion"].sudo().search(
            [("production_id", "=", production.id)]
        ).write({"state": "cancelled"})
        text = _("cancelled: not needed within the horizon.")
        self._mes_note(production, text)
        return "%s: %s" % (production.name, text), self.env["purchase.order"]

    def _mes_reschedule_move(self, move):
        move.write({"date": self._mes_at_noon(self.date_suggested)})
        reference = move.picking_id.name or move.reference
        text = _(
            "%(product)s moved from %(old)s to %(new)s.",
            product=move.product_id.display_name,
            old=self.date_current,
            new=self.date_suggested,
        )
        if move.picking_id:
            self._mes_note(move.picking_id, text)
        return "%s: %s" % (reference, text), self.env["purchase.order"]
