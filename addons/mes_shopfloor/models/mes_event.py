import hashlib
import json
import logging
import math
import random
import time
from datetime import UTC, datetime, timedelta

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.addons.mes_inventory_mrp.models.stock_move import (
    mes_lock_key as _lock_key,
)
from odoo.addons.mes_inventory_mrp.models.stock_move import (
    mes_product_lock_key,
)
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.orm.environments import Transaction
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

EVENT_TYPES = [
    ("consume", "Consume"),
    ("produce", "Produce"),
    ("scrap", "Scrap"),
    ("labor", "Labor"),
    ("move", "Move"),
    ("count", "Count"),
]
STOCK_EVENT_TYPES = ("consume", "produce", "scrap", "move")
MAX_BATCH = 1000
MAX_ATTEMPTS = 5
# Errors after which a fresh transaction may succeed: a concurrent transaction
# changed or locked what this one read (or inserted the same key first).
RETRYABLE_ERRORS = (
    pg_errors.SerializationFailure,
    pg_errors.DeadlockDetected,
    pg_errors.LockNotAvailable,
    pg_errors.UniqueViolation,
)
CLOSED_MO_STATES = ("done", "cancel")
OVER_RECEIPT_PARAM = "mes_shopfloor.event_over_receipt_tolerance"
# events come by the thousand: no chatter message or tracking per event
MAIL_QUIET = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_notrack": True,
}


class MesEventError(UserError):
    """An event that cannot be applied, with the payload field at fault and
    the HTTP-like code the API answers with."""

    def __init__(self, message, field=None, code=400):
        super().__init__(message)
        self.field = field
        self.code = code


class MesEvent(models.Model):
    _name = "mes.event"
    _description = "Shop-floor Event"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

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
    move_ids = fields.One2many(
        "stock.move", "mes_event_id", string="Stock Moves", readonly=True
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

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------
    @api.model
    def mes_canonical_payload(self, payload):
        """Canonical JSON text of a payload and its SHA-256 (hex)."""
        text = json.dumps(
            payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return text, hashlib.sha256(text.encode()).hexdigest()

    @api.model
    def mes_process_events(self, payloads):
        """Receive and apply events, each in its own transaction.

        Every event gets a new cursor: it is committed alone (or rolled back
        alone), is retried on serialization failures, and once all attempts
        failed it is stored as a dead letter. Events of one manufacturing order
        are applied in the order given; once one of them failed, the next ones
        of the same order in this call are not applied (stored as failed,
        naming the event that blocks them). Returns one result dict per
        payload, in order: ``source``, ``external_id``, ``status``
        (applied/duplicate/conflict/error), ``code`` and ``error``/``field``.
        """
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
        results = []
        failed_orders = {}  # production lock key -> blocking event name
        for sequence, payload in enumerate(payloads, start=1):
            order_key = self._mes_order_key(payload)
            blocked_by = failed_orders.get(order_key) if order_key else None
            result = self._mes_run_isolated(payload, sequence, blocked_by)
            if order_key and result["status"] == "error" and not blocked_by:
                failed_orders[order_key] = "{}/{}".format(
                    result.get("source"), result.get("external_id")
                )
            results.append(result)
        return results

    def _mes_run_isolated(self, payload, sequence, blocked_by=None):
        registry = self.env.registry
        uid, context = self.env.uid, dict(self.env.context)
        last_error = None
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with registry.cursor() as cr:
                    env = self._mes_env(cr, uid, context)
                    return env["mes.event"]._mes_receive_locked(
                        payload, sequence, blocked_by
                    )
            except RETRYABLE_ERRORS as exc:
                last_error = exc
                # jittered back-off so that retries of colliding transactions
                # do not collide again; correctness comes from the locks
                time.sleep(random.uniform(0, 0.02 * 2**attempt))
        with registry.cursor() as cr:
            env = self._mes_env(cr, uid, context)
            return env["mes.event"]._mes_dead_letter(
                payload,
                sequence,
                env._(
                    "Not applied after %(n)s attempts because concurrent "
                    "transactions kept changing the same stock (%(error)s). "
                    "Retry it.",
                    n=MAX_ATTEMPTS,
                    error=type(last_error).__name__,
                ),
            )

    def _mes_env(self, cr, uid, context):
        # bind the new cursor to this registry directly: Environment() would
        # look the registry up by name under the process-wide registry lock,
        # which another thread (a module update, the test runner) may hold
        if cr.transaction is None:
            cr.transaction = Transaction(self.env.registry)
        return api.Environment(cr, uid, context)

    def _mes_receive_locked(self, payload, sequence, blocked_by):
        """Take the event's session locks, start a fresh transaction (so that
        what it reads is newer than every transaction that held the locks
        before), receive the event, commit and release the locks."""
        cr = self.env.cr
        keys = self._mes_lock_keys(payload)
        cr.rollback()
        for key in keys:
            cr.execute(SQL("SELECT pg_advisory_lock(%s)", key))
        # one transaction per event is the point of this API: end the one
        # that waited for the locks so the next reads see fresh data
        cr.commit()  # pylint: disable=invalid-commit
        try:
            result = self._mes_receive(
                payload, sequence=sequence, blocked_by=blocked_by
            )
            cr.commit()  # pylint: disable=invalid-commit
            return result
        finally:
            cr.rollback()
            for key in reversed(keys):
                cr.execute(SQL("SELECT pg_advisory_unlock(%s)", key))
            cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _mes_dead_letter(self, payload, sequence, message):
        try:
            head = self._mes_check_envelope(payload)
        except MesEventError as exc:
            return self._mes_result(payload, "error", 400, str(exc), exc.field)
        events = self.with_company(head["company"])
        event = events._mes_find(head)
        if not event:
            event = events._mes_create_event(payload, head, sequence)
        event._mes_mark_failed(message, None)
        return event._mes_result(payload, "error", 503, message, None)

    @api.model
    def _mes_receive(self, payload, sequence=0, blocked_by=None):
        """Receive one event in the current transaction: store it (once per
        company, source and external id), then apply it in a savepoint.

        A replay of an applied event changes nothing and answers
        ``duplicate``; the same key with another payload answers
        ``conflict``; a replay of a failed event applies it again.
        """
        try:
            head = self._mes_check_envelope(payload)
        except MesEventError as exc:
            return self._mes_result(payload, "error", exc.code, str(exc), exc.field)
        # the event's company must be an allowed one to see its earlier twin
        return self.with_company(head["company"])._mes_receive_checked(
            payload, head, sequence, blocked_by
        )

    @api.model
    def _mes_receive_checked(self, payload, head, sequence, blocked_by):
        digest = self.mes_canonical_payload(payload)[1]
        event = self._mes_find(head)
        if event:
            self.env.cr.execute(
                SQL("SELECT 1 FROM mes_event WHERE id = %s FOR UPDATE", event.id)
            )
            if event.payload_hash != digest:
                return event._mes_result(
                    payload,
                    "conflict",
                    409,
                    self.env._(
                        "external_id: event %(name)s was already received with "
                        "another payload; send a new external_id for a new event.",
                        name=event.name,
                    ),
                    "external_id",
                )
            if event.state == "applied":
                return event._mes_result(payload, "duplicate", 200)
        else:
            event = self._mes_create_event(payload, head, sequence)
        if blocked_by:
            message = self.env._(
                "production: not applied because event %(blocking)s of the same "
                "manufacturing order failed before it; retry that one first, "
                "then this one.",
                blocking=blocked_by,
            )
            event._mes_mark_failed(message, "production")
            return event._mes_result(payload, "error", 424, message, "production")
        event.attempts += 1
        return event._mes_apply_safely()

    @api.model
    def _mes_find(self, head):
        return self.search(
            [
                ("company_id", "=", head["company"].id),
                ("source", "=", head["source"]),
                ("external_id", "=", head["external_id"]),
            ],
            limit=1,
        )

    @api.model
    def _mes_create_event(self, payload, head, sequence):
        text, digest = self.mes_canonical_payload(payload)
        event = (
            self.with_company(head["company"])
            .with_context(**MAIL_QUIET)
            .create(
                {
                    "source": head["source"],
                    "external_id": head["external_id"],
                    "event_type": head["type"],
                    "company_id": head["company"].id,
                    "payload": text,
                    "payload_hash": digest,
                    "sequence": sequence,
                    "production_id": self._mes_production_hint(payload),
                }
            )
        )
        # insert now: a concurrent twin waits on the unique index here,
        # before it touches any stock
        event.flush_recordset()
        return event

    @api.model
    def _mes_production_hint(self, payload):
        """The manufacturing order an event names, when it can be found: kept
        on failed events too, for ordering and for the dead-letter list."""
        try:
            if payload.get("workorder_id") is not None:
                workorder = self._mes_ref(
                    payload, "workorder", "mrp.workorder", ["name"]
                )
                return workorder.production_id.id
            production = self._mes_ref(
                payload, "production", "mrp.production", ["name"], required=False
            )
        except MesEventError:
            return False
        return production.id

    def _mes_result(self, payload, status, code, error=None, field=None):
        payload = payload if isinstance(payload, dict) else {}
        result = {
            "source": payload.get("source"),
            "external_id": payload.get("external_id"),
            "status": status,
            "code": code,
        }
        if self:
            result["event_id"] = self.id
        if error:
            result["error"] = error
            result["field"] = field
        return result

    def _mes_mark_failed(self, message, field):
        self.write(
            {
                "state": "failed",
                "error": message,
                "error_field": field or False,
                "applied_date": False,
            }
        )

    def _mes_apply_safely(self):
        self.ensure_one()
        payload = json.loads(self.payload)
        try:
            with self.env.cr.savepoint():
                self.with_company(self.company_id)._mes_apply(payload)
                self.write(
                    {
                        "state": "applied",
                        "applied_date": fields.Datetime.now(),
                        "error": False,
                        "error_field": False,
                    }
                )
                self.flush_recordset()
        except RETRYABLE_ERRORS:
            raise
        except MesEventError as exc:
            self._mes_mark_failed(str(exc), exc.field)
            return self._mes_result(payload, "error", exc.code, str(exc), exc.field)
        except AccessError as exc:
            self._mes_mark_failed(str(exc), None)
            return self._mes_result(payload, "error", 403, str(exc))
        except (UserError, ValidationError) as exc:
            self._mes_mark_failed(str(exc), None)
            return self._mes_result(payload, "error", 422, str(exc))
        except Exception as exc:  # a dead letter, not a crash
            _logger.exception("mes.event %s could not be applied", self.name)
            message = self.env._("Unexpected error: %s", exc)
            self._mes_mark_failed(message, None)
            return self._mes_result(payload, "error", 500, message)
        return self._mes_result(payload, "applied", 200)

    def action_retry(self):
        """Apply failed events again, oldest first (the order they came in),
        each in a savepoint; a failed one blocks the next ones of its
        manufacturing order."""
        self.check_access("write")
        failed_orders = set()
        for event in self.filtered(lambda e: e.state == "failed").sorted("id"):
            if event.production_id and event.production_id in failed_orders:
                continue
            event.attempts += 1
            result = event._mes_apply_safely()
            if result["status"] != "applied" and event.production_id:
                failed_orders.add(event.production_id)
        return True

    # ------------------------------------------------------------------
    # Validation of the payload
    # ------------------------------------------------------------------
    @api.model
    def _mes_check_envelope(self, payload):
        _ = self.env._
        if not isinstance(payload, dict):
            raise MesEventError(_("event: each event must be a JSON object."), "event")
        for key in ("source", "external_id"):
            value = payload.get(key)
            if not isinstance(value, str) or not value.strip() or len(value) > 128:
                raise MesEventError(
                    _(
                        "%(key)s: required, a non-empty string of at most 128 "
                        "characters.",
                        key=key,
                    ),
                    key,
                )
        event_type = payload.get("type")
        if event_type not in dict(EVENT_TYPES):
            raise MesEventError(
                _(
                    "type: %(value)r is not an event type; use one of %(types)s.",
                    value=event_type,
                    types=", ".join(dict(EVENT_TYPES)),
                ),
                "type",
            )
        company = self.env.company
        if "company_id" in payload:
            company_id = payload["company_id"]
            if not isinstance(company_id, int) or isinstance(company_id, bool):
                raise MesEventError(
                    _("company_id: must be the integer id of a company."),
                    "company_id",
                )
            if company_id not in self.env.user.company_ids.ids:
                raise MesEventError(
                    _(
                        "company_id: user %(user)s may not post events for company "
                        "%(company)s; use a key of a device user of that company.",
                        user=self.env.user.login,
                        company=company_id,
                    ),
                    "company_id",
                    code=403,
                )
            company = self.env["res.company"].browse(company_id)
        return {
            "source": payload["source"],
            "external_id": payload["external_id"],
            "type": event_type,
            "company": company,
        }

    def _mes_quantity(self, payload, key="quantity", allow_zero=False):
        _ = self.env._
        value = payload.get(key)
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            raise MesEventError(_("%(key)s: required, a number.", key=key), key)
        if value < 0 or (value == 0 and not allow_zero):
            raise MesEventError(
                _(
                    "%(key)s: %(value)s is not allowed; it must be %(rule)s.",
                    key=key,
                    value=value,
                    rule=_("zero or more") if allow_zero else _("more than zero"),
                ),
                key,
            )
        return float(value)

    def _mes_ref(
        self, payload, key, model, name_fields, required=True, domain=None, sudo=False
    ):
        """Find the record a payload names, by ``<key>_id`` (database id) or
        ``<key>`` (a code or name), in the event's company."""
        _ = self.env._
        Model = self.env[model].sudo() if sudo else self.env[model]
        by_id, by_name = payload.get(f"{key}_id"), payload.get(key)
        if by_id is None and by_name is None:
            if required:
                raise MesEventError(
                    _("%(key)s: required (give %(key)s or %(key)s_id).", key=key),
                    key,
                )
            return Model
        base = Domain(domain or [])
        if by_id is not None:
            if not isinstance(by_id, int) or isinstance(by_id, bool):
                raise MesEventError(
                    _("%(key)s_id: must be an integer id.", key=key), f"{key}_id"
                )
            search_domain = base & Domain("id", "=", by_id)
            label = by_id
        else:
            if not isinstance(by_name, str) or not by_name:
                raise MesEventError(
                    _("%(key)s: must be a non-empty string.", key=key), key
                )
            search_domain = base & Domain.OR(
                [Domain(name, "=", by_name) for name in name_fields]
            )
            label = by_name
        company = self.env.company
        records = Model.with_context(active_test=False).search(search_domain)
        if "company_id" in Model._fields:
            ours = records.filtered(
                lambda r: not r.company_id or r.company_id == company
            )
            if not ours:
                # sudo: only to tell "another company" from "unknown" in the
                # answer; nothing of the other company's record is returned
                others = (
                    Model.sudo()
                    .with_context(active_test=False)
                    .search_count(search_domain)
                )
                if others or records:
                    raise MesEventError(
                        _(
                            "%(key)s: %(label)s belongs to another company than "
                            "%(company)s, the company of this event.",
                            key=key,
                            label=label,
                            company=company.name,
                        ),
                        key,
                        code=403,
                    )
            records = ours
        if not records:
            raise MesEventError(
                _(
                    "%(key)s: no %(key)s %(label)r in company %(company)s.",
                    key=key,
                    label=label,
                    company=company.name,
                ),
                key,
            )
        if len(records) > 1:
            raise MesEventError(
                _(
                    "%(key)s: %(label)r names %(n)s records; use %(key)s_id.",
                    key=key,
                    label=label,
                    n=len(records),
                ),
                key,
            )
        return records

    def _mes_product(self, payload):
        product = self._mes_ref(
            payload, "product", "product.product", ["default_code", "barcode"]
        )
        if not product.is_storable:
            raise MesEventError(
                self.env._(
                    "product: %(product)s is not tracked in stock (not storable).",
                    product=product.display_name,
                ),
                "product",
            )
        return product

    def _mes_location(self, payload, key, required=True, default=None):
        location = self._mes_ref(
            payload,
            key,
            "stock.location",
            ["barcode", "complete_name"],
            required=required and not default,
        )
        location = location or default
        if location and location.usage != "internal":
            raise MesEventError(
                self.env._(
                    "%(key)s: %(location)s is not an internal location.",
                    key=key,
                    location=location.display_name,
                ),
                key,
            )
        return location

    def _mes_uom_qty(self, payload, product, quantity):
        uom = self._mes_ref(payload, "uom", "uom.uom", ["name"], required=False)
        if not uom or uom == product.uom_id:
            return quantity
        if not uom._has_common_reference(product.uom_id):
            raise MesEventError(
                self.env._(
                    "uom: %(uom)s is not a unit of the same kind as %(product_uom)s, "
                    "the unit of %(product)s.",
                    uom=uom.name,
                    product_uom=product.uom_id.name,
                    product=product.display_name,
                ),
                "uom",
            )
        return uom._compute_quantity(
            quantity, product.uom_id, rounding_method="HALF-UP"
        )

    def _mes_lot(self, payload, product, required_for_tracked=True):
        lot = self._mes_ref(
            payload,
            "lot",
            "stock.lot",
            ["name"],
            required=False,
            domain=[("product_id", "=", product.id)],
        )
        if not lot and product.tracking != "none" and required_for_tracked:
            raise MesEventError(
                self.env._(
                    "lot: %(product)s is tracked by lot/serial number; give the lot.",
                    product=product.display_name,
                ),
                "lot",
            )
        return lot

    def _mes_production(self, payload, required=True):
        production = self._mes_ref(
            payload, "production", "mrp.production", ["name"], required=required
        )
        if production and production.state in CLOSED_MO_STATES:
            raise MesEventError(
                self.env._(
                    "production: manufacturing order %(mo)s is %(state)s; events "
                    "for a closed order are refused.",
                    mo=production.name,
                    state=dict(
                        production._fields["state"]._description_selection(self.env)
                    )[production.state],
                ),
                "production",
                code=409,
            )
        if production and production.state == "draft":
            raise MesEventError(
                self.env._(
                    "production: manufacturing order %(mo)s is a draft; confirm it "
                    "first.",
                    mo=production.name,
                ),
                "production",
                code=409,
            )
        return production

    def _mes_datetime(self, payload, key, default):
        value = payload.get(key)
        if value is None:
            return default
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise MesEventError(
                self.env._(
                    "%(key)s: %(value)r is not an ISO 8601 date and time.",
                    key=key,
                    value=value,
                ),
                key,
            ) from None
        if moment.tzinfo:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        return moment

    # ------------------------------------------------------------------
    # Locks
    # ------------------------------------------------------------------
    @api.model
    def _mes_order_key(self, payload):
        """Lock key of the manufacturing order an event belongs to, if any."""
        if not isinstance(payload, dict):
            return None
        if payload.get("production_id") is not None:
            return _lock_key("mo", payload["production_id"])
        if payload.get("production") is not None:
            return _lock_key("mo-name", payload["production"])
        if payload.get("workorder_id") is not None:
            return _lock_key("wo", payload["workorder_id"])
        return None

    @api.model
    def _mes_lock_keys(self, payload):
        """Keys serializing what must not run side by side: the same event
        (source, external id), the same manufacturing order (events of one
        order apply in arrival order) and the same product in the same source
        location (no stock counted twice). Unresolvable references get no
        key: such an event fails validation anyway."""
        if not isinstance(payload, dict):
            return []
        keys = {_lock_key("event", payload.get("source"), payload.get("external_id"))}
        order_key = self._mes_order_key(payload)
        if order_key:
            keys.add(order_key)
        if payload.get("type") in STOCK_EVENT_TYPES + ("count",):
            product_id = payload.get("product_id")
            if isinstance(product_id, int) and not isinstance(product_id, bool):
                # a key for an id that does not exist harms nothing: no search
                keys.add(mes_product_lock_key(product_id))
                return sorted(keys)
            try:
                product = self._mes_ref(
                    payload, "product", "product.product", ["default_code", "barcode"]
                )
            except MesEventError:
                product = None
            if not product and payload.get("type") == "produce":
                try:
                    product = self._mes_production(payload).product_id
                except MesEventError:
                    product = None
            if product:
                # one key per product: a consumption and a transfer from a
                # parent/child location must not pass each other either
                keys.add(mes_product_lock_key(product.id))
        return sorted(keys)

    def _mes_lock_available(self, product, location, lot):
        """Lock the quants of ``product``/``lot`` under ``location`` and
        return their free quantity (on hand minus reserved)."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT q.quantity, q.reserved_quantity
                  FROM stock_quant q
                  JOIN stock_location l ON l.id = q.location_id
                 WHERE q.product_id = %(product)s
                   AND l.parent_path LIKE %(path)s
                   AND q.lot_id IS NOT DISTINCT FROM %(lot)s
                   FOR UPDATE OF q
                """,
                product=product.id,
                path=f"{location.parent_path}%",
                lot=lot.id or None,
            )
        )
        return sum(qty - reserved for qty, reserved in rows)

    def _mes_check_available(self, product, location, lot, quantity):
        available = self._mes_lock_available(product, location, lot)
        if product.uom_id.compare(available, quantity) < 0:
            raise MesEventError(
                self.env._(
                    "quantity: %(qty)s %(uom)s of %(product)s%(lot)s asked but only "
                    "%(available)s free in %(location)s; stock never goes negative.",
                    qty=quantity,
                    uom=product.uom_id.name,
                    product=product.display_name,
                    lot=f" ({lot.name})" if lot else "",
                    available=product.uom_id.round(max(available, 0.0)),
                    location=location.display_name,
                ),
                "quantity",
                code=409,
            )

    def _mes_check_released(self, lot):
        # lot quality lives in mes_inventory_mrp once that work is merged:
        # refuse what is not released when the field exists
        if not lot or "mes_quality_state" not in lot._fields:
            return
        state = lot.mes_quality_state
        if state and state != "released":
            raise MesEventError(
                self.env._(
                    "lot: %(lot)s of %(product)s is %(state)s, not released; it "
                    "cannot be consumed.",
                    lot=lot.name,
                    product=lot.product_id.display_name,
                    state=state,
                ),
                "lot",
                code=409,
            )

    # ------------------------------------------------------------------
    # Application
    # ------------------------------------------------------------------
    def _mes_apply(self, payload):
        self.ensure_one()
        getattr(self, f"_mes_apply_{self.event_type}")(payload)

    def _mes_origin(self):
        return f"MES {self.name}"

    def _mes_apply_consume(self, payload):
        production = self._mes_production(payload)
        product = self._mes_product(payload)
        quantity = self._mes_uom_qty(payload, product, self._mes_quantity(payload))
        lot = self._mes_lot(payload, product)
        self._mes_check_released(lot)
        location = self._mes_location(
            payload, "location", default=production.location_src_id
        )
        if not location._child_of(production.location_src_id):
            raise MesEventError(
                self.env._(
                    "location: %(location)s is not inside %(src)s, the component "
                    "location of %(mo)s.",
                    location=location.display_name,
                    src=production.location_src_id.display_name,
                    mo=production.name,
                ),
                "location",
            )
        self.write(
            {
                "production_id": production.id,
                "product_id": product.id,
                "lot_id": lot.id,
                "location_id": location.id,
                "quantity": quantity,
            }
        )
        move = production.move_raw_ids.filtered(
            lambda m: m.product_id == product and m.state not in ("done", "cancel")
        )[:1]
        if not move:
            move = self.env["stock.move"].create(
                production._get_move_raw_values(product, 0.0, product.uom_id)
            )
            move._action_confirm(merge=False)
        if move.move_line_ids:
            move._do_unreserve()
        self._mes_check_available(product, location, lot, quantity)
        self._mes_done_move(move, location, move.location_dest_id, lot, quantity)

    def _mes_done_move(self, move, location, location_dest, lot, quantity):
        """Post ``quantity`` of ``move`` (the rest stays open on a split move)."""
        move.move_line_ids.unlink()
        self.env["stock.move.line"].create(
            {
                "move_id": move.id,
                "product_id": move.product_id.id,
                "product_uom_id": move.product_id.uom_id.id,
                "quantity": quantity,
                "location_id": location.id,
                "location_dest_id": location_dest.id,
                "lot_id": lot.id,
                "picked": True,
            }
        )
        move.picked = True
        done = move.with_context(skip_mo_check=True)._action_done()
        done.mes_event_id = self
        return done

    def _mes_apply_produce(self, payload):
        _ = self.env._
        production = self._mes_production(payload)
        product = production.product_id
        move = production.move_finished_ids.filtered(
            lambda m: m.product_id == product and m.state not in ("done", "cancel")
        )[:1]
        if not move:
            raise MesEventError(
                _(
                    "production: %(mo)s has nothing left to produce.",
                    mo=production.name,
                ),
                "production",
                code=409,
            )
        location_dest = self._mes_location(
            payload, "location_dest", default=move.location_dest_id
        )
        lots = self._mes_produced_lots(payload, product)
        if lots:
            quantity = sum(qty for _name, qty, _exp in lots)
            if "quantity" in payload and product.uom_id.compare(
                self._mes_uom_qty(payload, product, self._mes_quantity(payload)),
                quantity,
            ):
                raise MesEventError(
                    _(
                        "quantity: %(qty)s differs from the sum of the lots/serials "
                        "(%(total)s).",
                        qty=payload["quantity"],
                        total=quantity,
                    ),
                    "quantity",
                )
        else:
            quantity = self._mes_uom_qty(payload, product, self._mes_quantity(payload))
        self._mes_check_over_receipt(production, quantity)
        self.write(
            {
                "production_id": production.id,
                "product_id": product.id,
                "location_dest_id": location_dest.id,
                "quantity": quantity,
            }
        )
        if not lots:
            self._mes_done_move(
                move, move.location_id, location_dest, self.env["stock.lot"], quantity
            )
            return
        lot_records = self._mes_create_lots(production, product, lots)
        move.move_line_ids.unlink()
        self.env["stock.move.line"].create(
            [
                {
                    "move_id": move.id,
                    "product_id": product.id,
                    "product_uom_id": product.uom_id.id,
                    "quantity": qty,
                    "location_id": move.location_id.id,
                    "location_dest_id": location_dest.id,
                    "lot_id": lot.id,
                    "picked": True,
                }
                for lot, (_name, qty, _exp) in zip(lot_records, lots, strict=True)
            ]
        )
        move.picked = True
        done = move.with_context(skip_mo_check=True)._action_done()
        done.mes_event_id = self
        self.lot_id = lot_records[:1]

    def _mes_produced_lots(self, payload, product):
        """[(name, quantity, expiration datetime or None)] from ``serials``
        (one unit each) or ``lots`` ([{name, quantity, expiration_date}])."""
        _ = self.env._
        serials, lots = payload.get("serials"), payload.get("lots")
        if product.tracking == "none":
            if serials or lots:
                raise MesEventError(
                    _(
                        "lots: %(product)s is not tracked by lot or serial number.",
                        product=product.display_name,
                    ),
                    "lots" if lots else "serials",
                )
            return []
        result = []
        if product.tracking == "serial":
            if not isinstance(serials, list) or not serials:
                raise MesEventError(
                    _(
                        "serials: %(product)s is tracked by serial number; list "
                        "the serial numbers produced.",
                        product=product.display_name,
                    ),
                    "serials",
                )
            for serial in serials:
                if not isinstance(serial, str) or not serial.strip():
                    raise MesEventError(
                        _("serials: every serial number must be a non-empty string."),
                        "serials",
                    )
                result.append((serial.strip(), 1.0, None))
            field = "serials"
        else:
            if not isinstance(lots, list) or not lots:
                raise MesEventError(
                    _(
                        "lots: %(product)s is tracked by lot; list the lots "
                        'produced as [{"name": ..., "quantity": ...}].',
                        product=product.display_name,
                    ),
                    "lots",
                )
            for lot in lots:
                if not isinstance(lot, dict) or not isinstance(lot.get("name"), str):
                    raise MesEventError(
                        _('lots: each lot is {"name": ..., "quantity": ...}.'),
                        "lots",
                    )
                qty = self._mes_quantity(lot)
                expiration = self._mes_datetime(lot, "expiration_date", None)
                result.append((lot["name"].strip(), qty, expiration))
            field = "lots"
        names = [name for name, _q, _e in result]
        if len(set(names)) != len(names):
            raise MesEventError(
                _("%(field)s: the same number is listed twice.", field=field), field
            )
        return result

    def _mes_create_lots(self, production, product, lots):
        Lot = self.env["stock.lot"]
        names = [name for name, _q, _e in lots]
        existing = Lot.search(
            [
                ("product_id", "=", product.id),
                ("name", "in", names),
                "|",
                ("company_id", "=", False),
                ("company_id", "=", production.company_id.id),
            ]
        )
        if product.tracking == "serial" and existing:
            raise MesEventError(
                self.env._(
                    "serials: %(serials)s of %(product)s already exist; a serial "
                    "number is produced once.",
                    serials=", ".join(existing.mapped("name")),
                    product=product.display_name,
                ),
                "serials",
                code=409,
            )
        by_name = {lot.name: lot for lot in existing}
        to_create = [
            {
                "name": name,
                "product_id": product.id,
                "company_id": production.company_id.id,
                **({"expiration_date": expiration} if expiration else {}),
            }
            for name, _qty, expiration in lots
            if name not in by_name
        ]
        for lot in Lot.create(to_create):
            by_name[lot.name] = lot
        return Lot.concat(*(by_name[name] for name in names))

    def _mes_check_over_receipt(self, production, quantity):
        tolerance = float(
            self.env["ir.config_parameter"].sudo().get_param(OVER_RECEIPT_PARAM, "0")
            or 0.0
        )
        product_uom = production.product_id.uom_id
        planned = production.product_uom_id._compute_quantity(
            production.product_qty, product_uom
        )
        done = sum(
            production.move_finished_ids.filtered(
                lambda m: m.state == "done" and m.product_id == production.product_id
            ).mapped("product_qty")
        )
        limit = planned * (1 + tolerance / 100.0)
        if product_uom.compare(done + quantity, limit) > 0:
            raise MesEventError(
                self.env._(
                    "quantity: producing %(qty)s more of %(mo)s would make "
                    "%(total)s, over the %(planned)s planned plus the %(tol)s%% "
                    "tolerance.",
                    qty=quantity,
                    mo=production.name,
                    total=product_uom.round(done + quantity),
                    planned=planned,
                    tol=tolerance,
                ),
                "quantity",
                code=409,
            )

    def _mes_apply_scrap(self, payload):
        product = self._mes_product(payload)
        quantity = self._mes_uom_qty(payload, product, self._mes_quantity(payload))
        lot = self._mes_lot(payload, product)
        production = self._mes_production(payload, required=False)
        location = self._mes_location(payload, "location")
        self.write(
            {
                "production_id": production.id,
                "product_id": product.id,
                "lot_id": lot.id,
                "location_id": location.id,
                "quantity": quantity,
            }
        )
        self._mes_check_available(product, location, lot, quantity)
        vals = {
            "product_id": product.id,
            "product_uom_id": product.uom_id.id,
            "scrap_qty": quantity,
            "lot_id": lot.id,
            "location_id": location.id,
            "company_id": self.company_id.id,
            "origin": self._mes_origin(),
        }
        if production:
            vals["production_id"] = production.id
        scrap = self.env["stock.scrap"].create(vals)
        scrap.do_scrap()
        scrap.move_ids.mes_event_id = self

    def _mes_apply_move(self, payload):
        product = self._mes_product(payload)
        quantity = self._mes_uom_qty(payload, product, self._mes_quantity(payload))
        lot = self._mes_lot(payload, product)
        location = self._mes_location(payload, "location")
        location_dest = self._mes_location(payload, "location_dest")
        if location == location_dest:
            raise MesEventError(
                self.env._(
                    "location_dest: the same as location (%(location)s).",
                    location=location.display_name,
                ),
                "location_dest",
            )
        production = self._mes_production(payload, required=False)
        self.write(
            {
                "production_id": production.id,
                "product_id": product.id,
                "lot_id": lot.id,
                "location_id": location.id,
                "location_dest_id": location_dest.id,
                "quantity": quantity,
            }
        )
        self._mes_check_available(product, location, lot, quantity)
        move = self.env["stock.move"].create(
            {
                "origin": self._mes_origin(),
                "company_id": self.company_id.id,
                "product_id": product.id,
                "product_uom": product.uom_id.id,
                "product_uom_qty": quantity,
                "location_id": location.id,
                "location_dest_id": location_dest.id,
                "state": "draft",
            }
        )
        self._mes_done_move(move, location, location_dest, lot, quantity)

    def _mes_apply_count(self, payload):
        product = self._mes_product(payload)
        quantity = self._mes_uom_qty(
            payload, product, self._mes_quantity(payload, allow_zero=True)
        )
        lot = self._mes_lot(payload, product)
        location = self._mes_location(payload, "location")
        counted_at = self._mes_datetime(payload, "counted_at", fields.Datetime.now())
        count = self.env["mes.stock.count"].create(
            {
                "company_id": self.company_id.id,
                "location_id": location.id,
                "product_id": product.id,
                "lot_id": lot.id,
                "quantity": quantity,
                "counted_at": counted_at,
                "source": "event",
                "origin": self.name,
            }
        )
        self.write(
            {
                "product_id": product.id,
                "lot_id": lot.id,
                "location_id": location.id,
                "quantity": quantity,
                "count_id": count.id,
            }
        )

    def _mes_apply_labor(self, payload):
        _ = self.env._
        hours = self._mes_quantity(payload, "hours")
        if hours > 24:
            raise MesEventError(
                _("hours: %(hours)s is more than a day; split it.", hours=hours),
                "hours",
            )
        workorder = self._mes_ref(
            payload, "workorder", "mrp.workorder", ["name"], required=False
        )
        if not workorder:
            production = self._mes_production(payload)
            workcenter = self._mes_ref(
                payload, "workcenter", "mrp.workcenter", ["code", "name"]
            )
            workorder = production.workorder_ids.filtered(
                lambda w: w.workcenter_id == workcenter
            )[:1]
            if not workorder:
                raise MesEventError(
                    _(
                        "workcenter: %(mo)s has no work order at %(wc)s.",
                        mo=production.name,
                        wc=workcenter.display_name,
                    ),
                    "workcenter",
                )
        production = workorder.production_id
        if production.state in CLOSED_MO_STATES or workorder.state == "cancel":
            raise MesEventError(
                _(
                    "workorder: %(wo)s of %(mo)s is closed; labor for a closed "
                    "order is refused.",
                    wo=workorder.display_name,
                    mo=production.name,
                ),
                "workorder",
                code=409,
            )
        user = self._mes_labor_user(payload)
        date_end = self._mes_datetime(payload, "date_end", fields.Datetime.now())
        loss = self.env["mrp.workcenter.productivity.loss"].search(
            [("loss_type", "=", "productive")], limit=1
        )
        productivity = self.env["mrp.workcenter.productivity"].create(
            {
                "workorder_id": workorder.id,
                "workcenter_id": workorder.workcenter_id.id,
                "company_id": workorder.company_id.id,
                "user_id": user.id,
                "loss_id": loss.id,
                "date_start": date_end - timedelta(hours=hours),
                "date_end": date_end,
                "description": self._mes_origin(),
            }
        )
        self.write(
            {
                "production_id": production.id,
                "workorder_id": workorder.id,
                "quantity": hours,
                "productivity_id": productivity.id,
            }
        )

    def _mes_labor_user(self, payload):
        _ = self.env._
        has_employee = "employee" in payload or "employee_id" in payload
        if has_employee and "hr.employee" in self.env:
            # sudo: a device maps a badge to its user; it reads nothing else
            # of the employee (devices are not HR officers)
            employee = self._mes_ref(
                payload, "employee", "hr.employee", ["barcode", "name"], sudo=True
            )
            if not employee.user_id:
                raise MesEventError(
                    _(
                        "employee: %(employee)s has no related user; link one on "
                        "the employee form (work-order time is logged per user).",
                        employee=employee.name,
                    ),
                    "employee",
                )
            return employee.user_id
        if has_employee:
            raise MesEventError(
                _("employee: the Employees app is not installed; give user."),
                "employee",
            )
        return self._mes_ref(payload, "user", "res.users", ["login"])

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
                ("move_ids", "!=", False),
            ]
        )
        moves = self.env["stock.move"].search(
            [("mes_event_id", "in", events.ids), ("state", "=", "done")]
        )
        posted = {}
        for move in moves:
            posted[move.mes_event_id.id] = (
                posted.get(move.mes_event_id.id, 0.0) + move.product_qty
            )
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
