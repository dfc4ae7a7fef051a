"""The bulk path: a batch of events read, stored, locked and applied together,
in one transaction (:func:`process`: a transaction of its own, at READ
COMMITTED, retried on deadlocks; :func:`receive`: the current one).

1. Read every payload (structure, envelope, canonical form) and resolve what
   the batch names with one query per model.
2. Store the events in one statement that skips the keys already known
   (company, source, external id); a known key answers ``duplicate`` when the
   payload is the same (canonical form, or the same records named otherwise),
   ``conflict`` when it is not, and is applied again when it had failed.
3. Check every event; a batch of plain transfers writes its moves and lines
   now, as planned on the stock as it is.
4. Take the batch's advisory locks once, in a fixed order (stock per product
   and source location, manufacturing orders), with a lock timeout (503, the
   transaction rolled back: nothing stored). What the previous holders wrote
   is read again, fresh: the orders are checked again, the quants the batch
   takes from are locked (one query) and the events allocated in arrival
   order: an event that does not fit is refused (409), the later events of
   its manufacturing order are not applied (424).
5. Write the events grouped (per order / product / location / lot), validate
   every stock move of the batch in one ``_action_done``, then record the
   state of every event in one statement. When writing fails, each group is
   written alone in a savepoint, then each event of the failing group: only
   the guilty event becomes a dead letter and the batch is planned again
   without it.
"""

import json
import logging
import random
import time
from collections import defaultdict

from psycopg2 import errors as pg_errors

from odoo import api, sql_db
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.orm.environments import Transaction
from odoo.tools import SQL

from . import HANDLERS
from .base import Item
from .errors import RETRYABLE_ERRORS, MesBusyError, MesEventError
from .locks import (
    LockTimeout,
    lock_timeout_ms,
    lock_transaction,
    raw_order_key,
)
from .reader import (
    canonical_payload,
    check_structure,
    normalized,
    read_envelope,
)
from .resolver import Resolver
from .stock import MAIL_QUIET, QuantPool, validate

_logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# what other batches (or users) change while a batch waits for its locks
FRESH_MODELS = (
    "stock.quant",
    "stock.move",
    "stock.move.line",
    "stock.lot",
    "mrp.production",
    "mrp.workorder",
    "mes.event",
)


class Batch:
    """Events received together, applied in the current transaction."""

    def __init__(self, env, payloads, start_sequence=1, known_events=None):
        # sudo: a device posts events; applying them needs rights it has not
        # (stock, manufacturing): every reference is checked against the
        # event's company by the resolver
        self.env = env(su=True, context=dict(env.context, **MAIL_QUIET))
        self.items = [
            Item(index, payload, start_sequence + index)
            for index, payload in enumerate(payloads)
        ]
        # Retry: events already stored, by position (company and key fixed)
        self.known_events = known_events or {}
        self.resolver = Resolver(self.env)
        self.pool = None
        self.round = {}
        self.blocked_by = {}  # position -> name of a blocking event (compat)

    def env_for(self, company):
        return self.env["mes.event"].with_company(company).env

    # ------------------------------------------------------------------
    # 1. read and resolve
    # ------------------------------------------------------------------
    def prepare(self):
        env = self.env
        for item in self.items:
            known = self.known_events.get(item.index)
            try:
                check_structure(env, item.payload)
                head = read_envelope(env, item.payload)
            except MesEventError as exc:
                item.fail(exc)
                item.order = raw_order_key(item.payload)
                continue
            if known is not None:
                head.update(
                    source=known.source,
                    external_id=known.external_id,
                    company=known.company_id,
                )
            item.head, item.company = head, head["company"]
            item.handler = HANDLERS[head["type"]]
            item.text, item.digest = canonical_payload(
                item.payload, env.company.id if known is None else None
            )
            self.resolver.want(item.payload, item.handler.references)
        self.resolver.load()
        for item in self.items:
            if not item.handler:
                continue
            production = item.handler.production_of(self, item)
            item.production_hint = production.id
            item.order = (
                ("mo", production.id) if production else raw_order_key(item.payload)
            )

    def lock_keys(self):
        keys = set()
        for item in self.items:
            if item.handler and not item.status:
                keys |= item.handler.lock_keys(self, item)
        return keys

    # ------------------------------------------------------------------
    # 3. store
    # ------------------------------------------------------------------
    def store(self):
        """Insert the new events in one statement; find the known ones."""
        env = self.env
        first = {}  # key -> first item with that key in the batch
        fresh = []
        for item in self.items:
            if not item.head:
                continue
            key = (item.company.id, item.head["source"], item.head["external_id"])
            if key in first:
                continue
            first[key] = item
            if item.index not in self.known_events:
                fresh.append(item)
        inserted = {}
        if fresh:
            rows = env.execute_query(
                SQL(
                    """
                    INSERT INTO mes_event (
                        name, source, external_id, event_type, company_id,
                        state, payload, payload_hash, attempts, sequence,
                        received_date, user_id, production_id,
                        create_uid, create_date, write_uid, write_date)
                    VALUES %s
                    ON CONFLICT (company_id, source, external_id) DO NOTHING
                    RETURNING id, company_id, source, external_id
                    """,
                    SQL(", ").join(
                        SQL(
                            "(%s, %s, %s, %s, %s, 'received', %s, %s, 0, %s,"
                            " now() at time zone 'utc', %s, %s,"
                            " %s, now() at time zone 'utc', %s,"
                            " now() at time zone 'utc')",
                            item.name,
                            item.head["source"],
                            item.head["external_id"],
                            item.head["type"],
                            item.company.id,
                            item.text,
                            item.digest,
                            item.sequence,
                            env.uid,
                            item.production_hint or None,
                            env.uid,
                            env.uid,
                        )
                        for item in fresh
                    ),
                )
            )
            inserted = {(c, s, e): i for i, c, s, e in rows}
        missing = [key for key, item in first.items() if key not in inserted]
        known = {}
        if missing:
            rows = env.execute_query(
                SQL(
                    """
                    SELECT id, company_id, source, external_id, state, payload,
                           payload_hash
                      FROM mes_event
                     WHERE (company_id, source, external_id) IN %s
                       FOR NO KEY UPDATE
                    """,
                    tuple(missing),
                )
            )
            known = {(r[1], r[2], r[3]): r for r in rows}
        to_apply = []
        applying = {}  # key -> the item of the batch that applies it
        for item in self.items:
            if not item.head:
                continue
            key = (item.company.id, item.head["source"], item.head["external_id"])
            if key in inserted:
                # new in this batch: later occurrences are replays of the first
                first_item = first[key]
                item.event_id = inserted[key]
                if first_item is item:
                    item.known = ("new", 0)
                    to_apply.append(item)
                elif item.digest != first_item.digest:
                    self._conflict(item)
                else:
                    item.known = ("twin", first_item)
                continue
            row = known.get(key)
            if row is None:  # deleted meanwhile: let a new attempt insert it
                raise MesBusyError()
            event_id, _c, _s, _e, state, payload, digest = row
            item.event_id = event_id
            if not self._same_payload(item, payload, digest):
                self._conflict(item)
            elif state == "applied":
                item.answer("duplicate", 200)
            elif key in applying:
                item.known = ("twin", applying[key])
            else:
                applying[key] = item
                item.known = ("again", event_id)
                to_apply.append(item)
        return to_apply

    def _same_payload(self, item, payload, digest):
        if item.index in self.known_events or digest == item.digest:
            return True
        # stored before the canonical form took number spelling into
        # account: compare the canonical forms of both
        try:
            stored = json.loads(payload)
        except ValueError:
            return False
        if canonical_payload(stored, self.env.company.id)[0] == item.text:
            return True
        if not isinstance(stored, dict) or stored.get("type") != item.head["type"]:
            return False
        # the same records named otherwise, or a default spelled out
        self.resolver.want(stored, item.handler.references)
        self.resolver.load()
        return self._meaning(item, stored) == self._meaning(item, item.payload)

    def _meaning(self, item, payload):
        """What a payload says, whatever its spelling: records by id (named
        by code or by id), without what is the default anyway (the event's
        company, the product's own unit, the order's component location for
        a consumption)."""
        meaning = normalized(payload)
        if meaning.get("company_id") == item.company.id:
            del meaning["company_id"]
        found = {}
        for key in item.handler.references:
            if key not in meaning and f"{key}_id" not in meaning:
                continue
            try:
                record = self.resolver.find(
                    payload,
                    key,
                    item.company,
                    required=False,
                    product=found.get("product") if key == "lot" else None,
                )
            except MesEventError:
                continue  # compared as written
            meaning.pop(key, None)
            meaning[f"{key}_id"] = record.id
            found[key] = record
        production = found.get("production")
        product = found.get("product") or (production and production.product_id)
        if product and found.get("uom") == product.uom_id:
            del meaning["uom_id"]
        if (
            item.head["type"] == "consume"
            and production
            and found.get("location") == production.location_src_id
        ):
            del meaning["location_id"]
        return json.dumps(meaning, sort_keys=True, default=str)

    def _conflict(self, item):
        item.answer(
            "conflict",
            409,
            self.env._(
                "external_id: event %(name)s was already received with another "
                "payload; send a new external_id for a new event.",
                name=item.name,
            ),
            "external_id",
        )

    # ------------------------------------------------------------------
    # 4-5. plan and write
    # ------------------------------------------------------------------
    def apply(self):
        """Store the events, take the batch's locks, apply the events;
        returns the results."""
        # what this transaction wrote must be in the database for the
        # statements below (quants, events)
        self.env.flush_all()
        to_apply = self.store()
        for item in to_apply:
            try:
                item.handler.read_payload(self, item)
            except MesEventError as exc:
                item.read_error = exc
        staged = self._stage_early(to_apply)
        lock_transaction(self.env.cr, self.lock_keys())
        # what the previous holders of the locks may have written is read
        # again, fresh (products, locations and units are kept)
        self.env.flush_all()
        for model in FRESH_MODELS:
            if model in self.env:
                self.env[model].invalidate_model()
        for item in to_apply:
            if item.read_error is None:
                try:
                    item.handler.recheck(self, item)
                except MesEventError as exc:
                    item.read_error = exc
        failures = {}
        while not (staged and self._validate_early(to_apply, staged)):
            staged = None
            planned = self._plan(to_apply, failures)
            groups = self._groups(planned)
            savepoint = self.env.cr.savepoint()
            try:
                self._write(groups)
            except RETRYABLE_ERRORS:
                raise
            except Exception as exc:
                savepoint.rollback()
                guilty = self._isolate(groups, exc)
                if guilty is None:
                    savepoint.close(rollback=False)
                    break
                savepoint.close(rollback=True)
                failures[guilty[0].index] = guilty[1]
                continue
            savepoint.close(rollback=False)
            break
        for item in to_apply:
            if item.status is None:
                item.answer("applied", 200)
        self._record(to_apply)
        return self.results()

    def _stage_early(self, to_apply):
        """Transfers only (``move`` events of no manufacturing order): write
        their moves and lines before the locks, as planned on the stock as it
        is now (read without locking). Under the locks the batch is planned
        again; when nothing changed only the validation is left, so the locks
        are held for less time. Returns what :meth:`_validate_early` needs,
        or ``None``."""
        ready = [item for item in to_apply if item.read_error is None]
        if not ready or any(
            item.head["type"] != "move" or item.values["production"] for item in ready
        ):
            return None
        planned = self._plan(to_apply, {}, lock=False)
        signature = self._signature(to_apply)
        groups = self._groups(planned)
        try:
            with self.env.cr.savepoint():
                moves = self._stage(groups)
                self.env.flush_all()
        except RETRYABLE_ERRORS:
            raise
        except Exception as exc:  # written again under the locks
            _logger.debug("mes.event batch not staged early: %s", exc)
            return None
        return signature, groups, moves

    def _validate_early(self, to_apply, staged):
        """Plan again under the locks; validate what was staged when the
        plan is the same, else remove it (``False``: plan and write)."""
        signature, groups, moves = staged
        self._plan(to_apply, {})
        if self._signature(to_apply) == signature:
            savepoint = self.env.cr.savepoint()
            try:
                self._validate(groups, moves)
            except RETRYABLE_ERRORS:
                raise
            except Exception as exc:  # planned and written again
                _logger.debug("mes.event staged batch not valid: %s", exc)
                savepoint.close(rollback=True)
            else:
                savepoint.close(rollback=False)
                return True
        # nothing of these moves reached the stock (they reserve nothing)
        posted = self.env.context.get("mes_event_post_ids", frozenset())
        moves = moves.with_context(mes_event_post_ids=posted | frozenset(moves.ids))
        moves.move_line_ids.unlink()
        moves.unlink()
        self.env.flush_all()
        return False

    @staticmethod
    def _signature(items):
        return [
            (
                item.index,
                item.status,
                item.code,
                tuple((a.row.id, a.quantity) for a in item.plan or ()),
            )
            for item in items
        ]

    def _plan(self, to_apply, failures, lock=True):
        """Allocate the events in arrival order; returns the ones to write."""
        _ = self.env._
        self.round = {}
        self.pool = QuantPool(self.env, lock=lock)
        readable = [i for i in to_apply if i.read_error is None]
        for item in to_apply:
            item.status = item.plan = None
        for item in readable:
            if item.index not in failures:
                item.handler.want_stock(self, item)
        self.pool.load()
        by_handler = defaultdict(list)
        for item in readable:
            by_handler[item.handler].append(item)
        for handler, items in by_handler.items():
            handler.load(self, items)
        # events refused before they were stored block their order too
        blocked = {}
        for item in self.items:
            if item.status == "error" and not item.event_id and item.order:
                blocked.setdefault(item.order, item.name)
        planned = []
        for item in to_apply:
            error = failures.get(item.index, item.read_error)
            blocker = self.blocked_by.get(item.index) or blocked.get(item.order)
            if blocker:
                item.answer(
                    "error",
                    424,
                    _(
                        "production: not applied because event %(blocking)s of "
                        "the same manufacturing order failed before it; retry "
                        "that one first, then this one.",
                        blocking=blocker,
                    ),
                    "production",
                )
                continue
            if error is None:
                try:
                    item.handler.allocate(self, item)
                except MesEventError as exc:
                    error = exc
            if error is not None:
                self._fail(item, error)
                if item.order:
                    blocked.setdefault(item.order, item.name)
                continue
            planned.append(item)
        return planned

    def _fail(self, item, exc):
        if isinstance(exc, MesEventError):
            item.fail(exc)
        elif isinstance(exc, AccessError):
            item.answer("error", 403, str(exc))
        elif isinstance(exc, (UserError, ValidationError)):
            item.answer("error", 422, str(exc.args[0] if exc.args else exc))
        else:
            item.answer(
                "error",
                422,
                self.env._("Could not be applied: %(error)s", error=exc),
            )

    def _groups(self, planned):
        groups = {}
        for item in planned:
            key = (item.handler, item.company.id, item.handler.group_key(item))
            groups.setdefault(key, []).append(item)
        return list(groups.values())

    def _write(self, groups):
        self._validate(groups, self._stage(groups))

    def _by_handler(self, groups):
        by_handler = defaultdict(list)
        for items in groups:
            by_handler[(items[0].handler, items[0].company.id)].append(items)
        return by_handler

    def _stage(self, groups):
        moves = self.env["stock.move"]
        for (handler, _company), handler_groups in self._by_handler(groups).items():
            moves |= handler.stage(self, handler_groups)
        return moves

    def _validate(self, groups, moves):
        validate(self.env, moves, self.pool.locked_ids)
        for (handler, _company), handler_groups in self._by_handler(groups).items():
            handler.finish(self, handler_groups)
        self.env.flush_all()

    def _isolate(self, groups, error):
        """Write the groups one by one (then the events of a failing group
        one by one), each in a savepoint, keeping what succeeds: the first
        event that fails alone is the guilty one, returned with its error.
        ``None`` when everything succeeded that way (kept)."""
        cr = self.env.cr
        for items in groups:
            try:
                with cr.savepoint():
                    self._write([items])
            except RETRYABLE_ERRORS:
                raise
            except Exception as exc:  # narrowed to one event below
                _logger.debug("mes.event group of %s failed: %s", items[0].name, exc)
            else:
                continue
            for item in items:
                try:
                    with cr.savepoint():
                        self._write([[item]])
                except RETRYABLE_ERRORS:
                    raise
                except Exception as exc:
                    if not isinstance(exc, (MesEventError, UserError)):
                        _logger.info(
                            "mes.event %s could not be applied: %s", item.name, exc
                        )
                    return item, exc
            return items[0], error
        return None

    def _record(self, items):
        """The state, answer and links of every event applied or refused, in
        one statement."""
        rows = []
        for item in items:
            if not item.event_id:
                continue
            applied = item.status == "applied"
            updates = item.updates if applied else {}
            rows.append(
                (
                    item.event_id,
                    "applied" if applied else "failed",
                    None if applied else item.error,
                    None if applied else (item.field or None),
                    0 if item.code == 424 else 1,
                    applied,
                    updates.get("production_id") or item.production_hint or None,
                    updates.get("workorder_id") or None,
                    updates.get("product_id") or None,
                    updates.get("lot_id") or None,
                    updates.get("location_id") or None,
                    updates.get("location_dest_id") or None,
                    updates.get("quantity") or 0.0,
                    updates.get("productivity_id") or None,
                    updates.get("count_id") or None,
                )
            )
        if not rows:
            return
        self.env.flush_all()
        first, *rest = rows
        values = SQL(", ").join(
            [
                SQL(
                    "(%s::int, %s::varchar, %s::text, %s::varchar, %s::int,"
                    " %s::bool, %s::int, %s::int, %s::int, %s::int, %s::int,"
                    " %s::int, %s::numeric, %s::int, %s::int)",
                    *first,
                ),
                *(
                    SQL("(%s)", SQL(", ").join(SQL("%s", v) for v in row))
                    for row in rest
                ),
            ]
        )
        self.env.execute_query(
            SQL(
                """
                UPDATE mes_event e
                   SET state = v.state,
                       error = v.error,
                       error_field = v.error_field,
                       attempts = e.attempts + v.counted,
                       applied_date = CASE WHEN v.applied
                           THEN now() at time zone 'utc' END,
                       production_id = v.production_id,
                       workorder_id = v.workorder_id,
                       product_id = v.product_id,
                       lot_id = v.lot_id,
                       location_id = v.location_id,
                       location_dest_id = v.location_dest_id,
                       quantity = v.quantity,
                       productivity_id = v.productivity_id,
                       count_id = v.count_id,
                       write_uid = %s,
                       write_date = now() at time zone 'utc'
                  FROM (VALUES %s) AS v(id, state, error, error_field, counted,
                       applied, production_id, workorder_id, product_id, lot_id,
                       location_id, location_dest_id, quantity, productivity_id,
                       count_id)
                 WHERE e.id = v.id
                """,
                self.env.uid,
                values,
            )
        )
        self.env["mes.event"].invalidate_model()

    def results(self):
        results = []
        for item in self.items:
            if item.known and item.known[0] == "twin" and item.status is None:
                twin = item.known[1]
                if twin.status == "applied" or twin.status == "duplicate":
                    item.answer("duplicate", 200)
                else:
                    item.answer(twin.status, twin.code, twin.error, twin.field)
            results.append(item.result())
        return results


# ----------------------------------------------------------------------
# Entry points
# ----------------------------------------------------------------------
def receive(
    env,
    payloads,
    start_sequence=1,
    blocked_by=None,
    known_events=None,
    own_transaction=False,
):
    """Receive and apply ``payloads`` in the current transaction, taking the
    locks for the rest of it (tests, Retry; :func:`process` in a transaction
    of its own, ``own_transaction``)."""
    batch = Batch(
        env, payloads, start_sequence=start_sequence, known_events=known_events
    )
    if blocked_by:
        batch.blocked_by = {0: blocked_by}
    with LockTimeout(env.cr, lock_timeout_ms(env), restore=not own_transaction):
        batch.prepare()
        return batch.apply()


def process(env, payloads):
    """Receive and apply a batch in a transaction of its own, retried on
    deadlocks and concurrent inserts; raises :class:`MesBusyError` when the
    locks could not be had within the lock timeout or the batch kept
    colliding (nothing stored then).

    The transaction runs at READ COMMITTED: each statement after the batch
    got its locks reads what the previous holders committed, so a batch that
    waited does not have to start again (under Odoo's REPEATABLE READ it
    would read the stock as it was when it started waiting)."""
    registry = env.registry
    uid, context = env.uid, dict(env.context)
    last = None
    with registry.cursor() as cr:
        if cr.transaction is None:
            # bind the new cursor to this registry directly: Environment()
            # would look the registry up by name under the process-wide
            # registry lock, which another thread (the test runner) may hold
            cr.transaction = Transaction(registry)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                # a test's shared cursor is not a transaction of its own
                own = isinstance(cr, sql_db.Cursor)
                if own:
                    cr.execute(SQL("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"))
                cr_env = api.Environment(cr, uid, context)
                results = receive(cr_env, payloads, own_transaction=own)
                cr.commit()  # pylint: disable=invalid-commit
                return results
            except pg_errors.LockNotAvailable as exc:
                cr.rollback()
                last = exc
                break  # waited the whole lock timeout: answer now
            except RETRYABLE_ERRORS as exc:
                cr.rollback()
                last = exc
            except MesBusyError as exc:
                cr.rollback()
                last = exc
            # jittered back-off so that retries of colliding transactions do
            # not collide again; correctness comes from the locks
            time.sleep(random.uniform(0, 0.02 * 2**attempt))
    raise MesBusyError(type(last).__name__ if last else "")
