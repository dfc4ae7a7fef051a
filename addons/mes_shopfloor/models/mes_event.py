import json
import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.addons.mes_inventory_mrp.models.mes_guarded_mixin import guarded_action
from odoo.exceptions import AccessError
from odoo.http import request
from odoo.tools.translate import LazyTranslate

from ..events import bulk
from ..events.errors import MesBusyError, MesEventError
from ..events.reader import EVENT_TYPES, MAX_BATCH, canonical_payload

_logger = logging.getLogger(__name__)

STOCK_EVENT_TYPES = ("consume", "produce", "scrap", "move")
DEVICE_GROUP = "mes_shopfloor.group_shopfloor_device"
MANAGER_GROUP = "mes_shopfloor.group_shopfloor_manager"
_lt = LazyTranslate(__name__)
# What an event is, what it did and how it ended: written by the API (its
# bulk path) and Retry only.
EVENT_FIELDS = [
    "source",
    "external_id",
    "event_type",
    "company_id",
    "state",
    "payload",
    "payload_hash",
    "error",
    "error_field",
    "attempts",
    "sequence",
    "received_date",
    "applied_date",
    "user_id",
    "production_id",
    "workorder_id",
    "product_id",
    "lot_id",
    "location_id",
    "location_dest_id",
    "quantity",
    "move_line_ids",
    "productivity_id",
    "count_id",
]


class MesEvent(models.Model):
    _name = "mes.event"
    _description = "Shop-floor Event"
    _inherit = ["mes.guarded.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True
    _mes_guarded_fields = dict.fromkeys(
        EVENT_FIELDS,
        _lt("the event API (POST /mes/api/v1/events) or Retry on a dead letter"),
    )

    name = fields.Char(compute="_compute_name", store=True)
    source = fields.Char(
        required=True,
        readonly=True,
        help="Device or system that sent the event (terminal, PLC, WMS...).",
    )
    external_id = fields.Char(
        string="External ID",
        required=True,
        readonly=True,
        help="Identifier of the event in its source; with the source it makes "
        "the event idempotent.",
    )
    event_type = fields.Selection(EVENT_TYPES, string="Type", required=True, index=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    state = fields.Selection(
        [("received", "Received"), ("applied", "Applied"), ("failed", "Failed")],
        required=True,
        default="received",
        index=True,
        help="Failed events are the dead letters: fix the cause, then Retry.",
    )
    payload = fields.Text(readonly=True, help="Canonical JSON as received.")
    payload_hash = fields.Char(
        readonly=True, help="SHA-256 of the canonical JSON payload."
    )
    error = fields.Text(readonly=True)
    error_field = fields.Char(readonly=True, help="Payload field at fault.")
    attempts = fields.Integer(readonly=True, default=0)
    sequence = fields.Integer(
        readonly=True, help="Position of the event in the batch it came in."
    )
    received_date = fields.Datetime(readonly=True, default=fields.Datetime.now)
    applied_date = fields.Datetime(readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Device User",
        readonly=True,
        default=lambda self: self.env.user,
    )
    production_id = fields.Many2one(
        "mrp.production",
        string="Manufacturing Order",
        index="btree_not_null",
        check_company=True,
        readonly=True,
    )
    workorder_id = fields.Many2one(
        "mrp.workorder", string="Work Order", check_company=True, readonly=True
    )
    product_id = fields.Many2one("product.product", check_company=True, readonly=True)
    lot_id = fields.Many2one(
        "stock.lot", string="Lot/Serial Number", check_company=True, readonly=True
    )
    location_id = fields.Many2one("stock.location", check_company=True, readonly=True)
    location_dest_id = fields.Many2one(
        "stock.location",
        string="Destination Location",
        check_company=True,
        readonly=True,
    )
    quantity = fields.Float(
        digits="Product Unit", readonly=True, help="In the product's unit."
    )
    move_line_ids = fields.One2many(
        "stock.move.line",
        "mes_event_id",
        string="Stock Move Lines",
        readonly=True,
        help="One line per quant the event took stock from (usually one).",
    )
    move_ids = fields.Many2many(
        "stock.move",
        string="Stock Moves",
        compute="_compute_move_ids",
        help="Moves of the event's lines (several events of a batch may share "
        "one move).",
    )
    productivity_id = fields.Many2one(
        "mrp.workcenter.productivity", string="Time Log", readonly=True
    )
    count_id = fields.Many2one("mes.stock.count", readonly=True)

    _source_external_uniq = models.Constraint(
        "UNIQUE(company_id, source, external_id)",
        "An event with this source and external ID already exists in this company.",
    )
    _production_state_idx = models.Index("(production_id, state, id)")

    @api.depends("source", "external_id")
    def _compute_name(self):
        for event in self:
            event.name = f"{event.source}/{event.external_id}"

    @api.depends("move_line_ids.move_id")
    def _compute_move_ids(self):
        for event in self:
            event.move_ids = event.move_line_ids.move_id

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------
    @api.model
    def mes_canonical_payload(self, payload):
        """Canonical JSON text of a payload and its SHA-256 (hex): sorted
        keys, ``2.0`` written ``2``, ``null`` values and empty lists left
        out, ``company_id`` left out when it is the sender's default
        company."""
        return canonical_payload(payload, self.env.company.id)

    @api.model
    def mes_process_events(self, payloads):
        """Receive and apply a batch of events (the event API).

        The batch takes its locks at once (stock per product and location,
        manufacturing orders), is stored in one statement (an event is kept
        once per company, source and external id) and applied in its own
        transaction, retried on concurrent updates. Events of one
        manufacturing order are applied in the order given; once one of them
        failed, the next ones of the same order are not applied (424,
        stored as failed). Returns one result dict per payload, in order:
        ``source``, ``external_id``, ``status`` (applied/duplicate/conflict/
        error), ``code``, ``event_id`` and ``error``/``field``. When the
        locks cannot be had within the lock timeout, nothing is stored and
        every result is ``error`` 503 with ``retryable``.

        Only Shop-floor Devices may call it (over RPC too).
        """
        self._mes_check_channel()
        if not isinstance(payloads, list):
            raise MesEventError(
                self.env._("events: must be a list of events."), field="events"
            )
        if len(payloads) > MAX_BATCH:
            raise MesEventError(
                self.env._(
                    "events: a batch holds at most %(max)s events, this one has "
                    "%(count)s; split it.",
                    max=MAX_BATCH,
                    count=len(payloads),
                ),
                field="events",
            )
        try:
            return bulk.process(self.env, payloads)
        except MesBusyError as exc:
            return self._mes_busy_results(payloads, exc)

    def _mes_check_channel(self):
        """Events come from devices: a user who is not a Shop-floor Device
        may not post them, over RPC or HTTP (server code of an administrator,
        e.g. a test or a shell, may)."""
        if self.env.su or self.env.user.has_group(DEVICE_GROUP):
            return
        if request or not self.env.is_system():
            raise AccessError(
                self.env._(
                    "User %(user)s is not a Shop-floor Device: only devices "
                    "post shop-floor events.",
                    user=self.env.user.login,
                )
            )

    @api.model
    def _mes_busy_results(self, payloads, exc):
        message = self.env._(
            "Not applied: the stock or the manufacturing orders of this batch "
            "stayed locked by other transactions past the lock timeout "
            "(%(reason)s). Nothing was stored; send the batch again.",
            reason=str(exc) or "busy",
        )
        return [
            {
                "source": payload.get("source") if isinstance(payload, dict) else None,
                "external_id": payload.get("external_id")
                if isinstance(payload, dict)
                else None,
                "status": "error",
                "code": 503,
                "error": message,
                "field": None,
                "retryable": True,
            }
            for payload in payloads
        ]

    @api.model
    def _mes_receive(self, payload, sequence=0, blocked_by=None):
        """Receive one event in the current transaction (store it once per
        company, source and external id, apply it in a savepoint); the
        answer as :meth:`mes_process_events`. A replay of an applied event
        answers ``duplicate``, the same key with another payload
        ``conflict``, a replay of a failed event applies it again."""
        return bulk.receive(
            self.env, [payload], start_sequence=sequence, blocked_by=blocked_by
        )[0]

    @guarded_action
    def action_retry(self):
        """Apply failed events again, oldest first (the order they came in),
        in the current transaction; a failed one blocks the next ones of its
        manufacturing order."""
        self._mes_check_group(MANAGER_GROUP, self.env._("retry shop-floor events"))
        self.check_access("write")
        events = self.filtered(lambda e: e.state == "failed").sorted("id")
        if not events:
            return True
        payloads, known = [], {}
        for index, event in enumerate(events):
            payloads.append(json.loads(event.payload))
            known[index] = event
        bulk.receive(self.env, payloads, known_events=known)
        self.invalidate_recordset()
        return True

    # ------------------------------------------------------------------
    # Scheduled check: events applied vs stock moves created
    # ------------------------------------------------------------------
    @api.model
    def _cron_check_event_moves(self, days=2):
        """Every applied stock event must have posted exactly its quantity in
        done stock moves, and every stock move of an event must belong to an
        applied event. Mismatches are logged and put as an activity on the
        event for the shop-floor administrators. Returns the report."""
        since = fields.Datetime.now() - timedelta(days=days)
        events = self.search(
            [
                ("event_type", "in", STOCK_EVENT_TYPES),
                ("write_date", ">=", since),
                "|",
                ("state", "=", "applied"),
                ("move_line_ids", "!=", False),
            ]
        )
        # done lines of each event, on moves that belong to events (a move
        # detached from its event does not count)
        line_domain = [
            ("mes_event_id", "in", events.ids),
            ("state", "=", "done"),
            ("move_id.mes_event_id", "!=", False),
        ]
        posted = {
            event.id: qty
            for event, qty in self.env["stock.move.line"]._read_group(
                line_domain, ["mes_event_id"], ["quantity_product_uom:sum"]
            )
        }
        moves = self.env["stock.move.line"].search(line_domain).move_id
        mismatches = self.browse()
        for event in events:
            qty = posted.get(event.id, 0.0)
            expected = event.quantity if event.state == "applied" else 0.0
            if event.product_id.uom_id.compare(qty, expected) != 0:
                mismatches |= event
        report = {
            "events": len(events.filtered(lambda e: e.state == "applied")),
            "moves": len(moves),
            "mismatches": mismatches.ids,
        }
        if mismatches:
            _logger.warning(
                "mes.event check: %s applied events, %s stock moves, mismatches: %s",
                report["events"],
                report["moves"],
                ", ".join(mismatches.mapped("name")),
            )
            mismatches._mes_flag_mismatch(posted)
        else:
            _logger.info(
                "mes.event check: %s applied events match %s stock moves",
                report["events"],
                report["moves"],
            )
        return report

    def _mes_flag_mismatch(self, posted):
        managers = self.env.ref("mes_shopfloor.group_shopfloor_manager").all_user_ids
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        for event in self:
            responsible = (
                managers.filtered(lambda u, e=event: e.company_id in u.company_ids)[:1]
                or self.env.user
            )
            summary = self.env._("Event and stock moves do not match")
            if event.activity_ids.filtered(lambda a, s=summary: a.summary == s):
                continue
            event.activity_schedule(
                activity_type_id=activity_type.id,
                summary=summary,
                note=self.env._(
                    "Event %(event)s (%(state)s) expects %(expected)s but its done "
                    "stock moves total %(posted)s.",
                    event=event.name,
                    state=event.state,
                    expected=event.quantity if event.state == "applied" else 0.0,
                    posted=posted.get(event.id, 0.0),
                ),
                user_id=responsible.id,
            )
