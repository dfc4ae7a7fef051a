"""Reading a request body and the envelope of its events.

Everything here is about the payload as text and JSON: what the API can take
(numbers it can parse, strings PostgreSQL can store, bounded nesting), the
canonical form that makes replays recognisable, and the fields every event
carries. Nothing here writes to the database.
"""

import hashlib
import json
import math
import re
from datetime import UTC, datetime, timedelta

from .errors import MesEventError, MesRequestError

EVENT_TYPES = [
    ("consume", "Consume"),
    ("produce", "Produce"),
    ("scrap", "Scrap"),
    ("labor", "Labor"),
    ("move", "Move"),
    ("count", "Count"),
]
MAX_BATCH = 1000
# a legitimate event is at most 3 levels deep (event > lots > lot)
MAX_DEPTH = 8
MAX_NUMBER_CHARS = 32
MAX_STRING_CHARS = 512
MAX_KEY_CHARS = 64
# largest quantity an event may post, in the product's unit
MAX_QUANTITY = 1e12
# clock skew tolerated between a device and the server for dates "now"
FUTURE_TOLERANCE = timedelta(minutes=5)
OLDEST_DATE = datetime(2000, 1, 1)
MAX_IDENTIFIER_CHARS = 128


class BadNumber:
    """A JSON number the API does not take (too long to parse safely, or not
    finite); kept in place so that the event holding it is refused alone."""

    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text


class _Pairs(dict):
    """A JSON object whose keys came more than once."""

    __slots__ = ("duplicates",)


def _parse_int(text):
    return BadNumber(text) if len(text) > MAX_NUMBER_CHARS else int(text)


def _parse_float(text):
    if len(text) > MAX_NUMBER_CHARS:
        return BadNumber(text)
    value = float(text)
    return value if math.isfinite(value) else BadNumber(text)


def _parse_constant(text):
    return BadNumber(text)  # NaN, Infinity, -Infinity


def _object_pairs(pairs):
    result = dict(pairs)
    if len(result) != len(pairs):
        result = _Pairs(result)
        seen = set()
        result.duplicates = [k for k, _v in pairs if k in seen or seen.add(k)]
    return result


def _loads(text):
    return json.loads(
        text,
        parse_int=_parse_int,
        parse_float=_parse_float,
        parse_constant=_parse_constant,
        object_pairs_hook=_object_pairs,
    )


class Unreadable:
    """An event of the batch that could not be read as JSON on its own."""

    __slots__ = ("field", "message")

    def __init__(self, field, message):
        self.field = field
        self.message = message


def parse_body(env, data):
    """The events of a request body: ``(events, single)``. ``events`` holds a
    parsed payload (or an :class:`Unreadable`) per event, ``single`` tells a
    body that was one event from a batch. Raises :class:`MesRequestError`
    for a body that is not a JSON object or list of events."""
    _ = env._
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MesRequestError(
            _("body: not UTF-8 (%(error)s).", error=exc), "body"
        ) from None
    try:
        body = _loads(text)
    except RecursionError:
        return _split_deep(env, text)
    except ValueError as exc:
        raise MesRequestError(
            _("body: malformed JSON (%(error)s).", error=exc), "body"
        ) from None
    if not isinstance(body, (dict, list)):
        raise MesRequestError(
            _('body: send one event object or {"events": [...]}.'), "body"
        )
    if isinstance(body, list):
        events, single = body, False
    elif "events" in body:
        events, single = body["events"], False
    else:
        events, single = [body], True
    return _checked_batch(env, events), single


def _checked_batch(env, events):
    _ = env._
    if not isinstance(events, list) or not events:
        raise MesRequestError(
            _("events: must be a non-empty list of events."), "events"
        )
    if len(events) > MAX_BATCH:
        raise MesRequestError(
            _(
                "events: a batch holds at most %(max)s events, this one has "
                "%(count)s; split it.",
                max=MAX_BATCH,
                count=len(events),
            ),
            "events",
        )
    return events


# strings, then the punctuation that gives the structure; anything else
# (numbers, literals, blanks) is skipped by finditer
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},:]', re.DOTALL)


def _members(text, start):
    """Top-level members of the JSON array or object at ``text[start]``:
    ``[(key or None, raw value text, depth of the value)]``."""
    members, depth, item_start, key, deepest = [], 0, None, None, 0
    for match in _TOKENS.finditer(text, start):
        token = match.group()
        char = token[0]
        if char in "[{":
            depth += 1
            if depth == 1:
                item_start = match.end()
            deepest = max(deepest, depth - 1)
        elif char in "]}":
            depth -= 1
            if depth == 0:
                raw = text[item_start : match.start()]
                if raw.strip():
                    members.append((key, raw, deepest))
                return members
        elif depth == 1 and char == ",":
            members.append((key, text[item_start : match.start()], deepest))
            item_start, key, deepest = match.end(), None, 0
        elif depth == 1 and char == ":":
            key = json.loads(text[item_start : match.start()])
            item_start = match.end()
    raise ValueError("unterminated JSON")


def _split_deep(env, text):
    """A body nested deeper than Python's parser goes: read it event by event
    so that only the events nested too deep are refused; ``(events, single)``
    as :func:`parse_body`."""
    _ = env._
    stripped = text.lstrip()
    start = len(text) - len(stripped)
    try:
        if stripped[:1] == "[":
            raw_events = [raw for _k, raw, _d in _members(text, start)]
        elif stripped[:1] == "{":
            top = _members(text, start)
            batch = [raw for key, raw, _d in top if key == "events"]
            if not batch:
                return [_read_deep_event(env, text[start:])], True
            if len(top) > 1 and any(d > MAX_DEPTH for k, _r, d in top if k != "events"):
                raise MesRequestError(
                    _("body: nested deeper than %(max)s levels.", max=MAX_DEPTH),
                    "body",
                )
            inner = batch[-1].strip()
            if inner[:1] != "[":
                raise MesRequestError(
                    _("events: must be a non-empty list of events."), "events"
                )
            raw_events = [raw for _k, raw, _d in _members(inner, 0)]
        else:
            raise ValueError("not an object or array")
    except (ValueError, IndexError) as exc:
        raise MesRequestError(
            _("body: malformed JSON (%(error)s).", error=exc), "body"
        ) from None
    events = _checked_batch(env, raw_events)
    return [_read_deep_event(env, raw) for raw in events], False


def _read_deep_event(env, raw):
    _ = env._
    try:
        return _loads(raw)
    except RecursionError:
        field = _deepest_member(raw)
    except ValueError as exc:
        return Unreadable("event", _("event: malformed JSON (%(error)s).", error=exc))
    return Unreadable(
        field,
        _("%(field)s: nested deeper than %(max)s levels.", field=field, max=MAX_DEPTH),
    )


def _deepest_member(raw):
    """The top-level key of an event object whose value nests too deep."""
    stripped = raw.strip()
    if stripped[:1] != "{":
        return "event"
    try:
        members = _members(stripped, 0)
    except ValueError:
        return "event"
    for key, _raw, depth in members:
        if depth >= MAX_DEPTH and isinstance(key, str):
            return key
    return "event"


# ----------------------------------------------------------------------
# One event's structure
# ----------------------------------------------------------------------
def _string_error(env, value, field):
    _ = env._
    if "\x00" in value:
        return _(
            "%(field)s: contains a NUL character (\\u0000), which cannot be "
            "stored; remove it.",
            field=field,
        )
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return _(
                "%(field)s: contains an unpaired UTF-16 surrogate (\\ud800-"
                "\\udfff), which is not valid text.",
                field=field,
            )
    if len(value) > MAX_STRING_CHARS:
        return _(
            "%(field)s: a text of %(length)s characters; at most %(max)s.",
            field=field,
            length=len(value),
            max=MAX_STRING_CHARS,
        )
    return None


def check_structure(env, payload):
    """Refuse, naming the top-level field, what the API cannot take whatever
    the event means: numbers too long or not finite, text PostgreSQL cannot
    store, repeated keys, nesting deeper than :data:`MAX_DEPTH`."""
    _ = env._
    if isinstance(payload, Unreadable):
        raise MesEventError(payload.message, payload.field)
    if not isinstance(payload, dict):
        raise MesEventError(_("event: each event must be a JSON object."), "event")
    stack = [(payload, 1, None)]
    while stack:
        value, depth, field = stack.pop()
        if isinstance(value, str):
            error = _string_error(env, value, field)
            if error:
                raise MesEventError(error, field)
        elif isinstance(value, BadNumber):
            raise MesEventError(
                _(
                    "%(field)s: %(number)s is not a number the API takes (finite, "
                    "at most %(max)s characters).",
                    field=field,
                    number=value.text[:40] + ("..." if len(value.text) > 40 else ""),
                    max=MAX_NUMBER_CHARS,
                ),
                field,
            )
        elif isinstance(value, (dict, list)):
            if depth > MAX_DEPTH:
                raise MesEventError(
                    _(
                        "%(field)s: nested deeper than %(max)s levels.",
                        field=field,
                        max=MAX_DEPTH,
                    ),
                    field or "event",
                )
            if isinstance(value, list):
                stack.extend((item, depth + 1, field) for item in value)
                continue
            if isinstance(value, _Pairs):
                name = value.duplicates[0]
                raise MesEventError(
                    _("%(key)s: given more than once.", key=field or name),
                    field or name,
                )
            for key, item in value.items():
                name = field or key
                if len(key) > MAX_KEY_CHARS or _string_error(env, key, "key"):
                    raise MesEventError(
                        _("%(field)s: a field name the API cannot take.", field=field)
                        if field
                        else _("event: a field name the API cannot take."),
                        field or "event",
                    )
                stack.append((item, depth + 1, name))


def normalized(value):
    """A JSON value with numbers spelled one way and no empty values."""
    return _normalized(value)


def _normalized(value):
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, int):
        return value
    if isinstance(value, list):
        return [_normalized(item) for item in value]
    return {
        key: _normalized(item)
        for key, item in value.items()
        if item is not None and item != [] and item != {}
    }


def canonical_payload(payload, default_company_id=None):
    """Canonical JSON text of a payload and its SHA-256 (hex): keys sorted,
    ``2.0`` written ``2``, absent and ``null`` the same, ``company_id`` left
    out when it names the sender's default company. Two payloads that differ
    only in such spelling are the same event."""
    normalized = _normalized(payload)
    if (
        default_company_id
        and isinstance(normalized, dict)
        and normalized.get("company_id") == default_company_id
        and type(normalized["company_id"]) is int
    ):
        del normalized["company_id"]
    text = json.dumps(
        normalized, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return text, hashlib.sha256(text.encode()).hexdigest()


# ----------------------------------------------------------------------
# Envelope and field readers
# ----------------------------------------------------------------------
def read_envelope(env, payload):
    """``{source, external_id, type, company}`` of a payload (structure
    already checked), or :class:`MesEventError` naming the field."""
    _ = env._
    for key in ("source", "external_id"):
        value = payload.get(key)
        if (
            not isinstance(value, str)
            or not value.strip()
            or len(value) > MAX_IDENTIFIER_CHARS
        ):
            raise MesEventError(
                _(
                    "%(key)s: required, a non-empty string of at most 128 characters.",
                    key=key,
                ),
                key,
            )
    event_type = payload.get("type")
    if not isinstance(event_type, str) or event_type not in dict(EVENT_TYPES):
        raise MesEventError(
            _(
                "type: %(value)r is not an event type; use one of %(types)s.",
                value=event_type,
                types=", ".join(dict(EVENT_TYPES)),
            ),
            "type",
        )
    company = env.company
    if payload.get("company_id") is not None:
        company_id = payload["company_id"]
        if not isinstance(company_id, int) or isinstance(company_id, bool):
            raise MesEventError(
                _("company_id: must be the integer id of a company."),
                "company_id",
            )
        if company_id not in env.user.company_ids.ids:
            raise MesEventError(
                _(
                    "company_id: user %(user)s may not post events for company "
                    "%(company)s; use a key of a device user of that company.",
                    user=env.user.login,
                    company=company_id,
                ),
                "company_id",
                code=403,
            )
        company = env["res.company"].browse(company_id)
    return {
        "source": payload["source"],
        "external_id": payload["external_id"],
        "type": event_type,
        "company": company,
    }


def read_quantity(env, payload, key="quantity", allow_zero=False):
    """A positive (or, with ``allow_zero``, non-negative) finite number."""
    _ = env._
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
    if value > MAX_QUANTITY:
        raise MesEventError(
            _(
                "%(key)s: %(value)s is too large; at most %(max)s in one event.",
                key=key,
                value=value,
                max=f"{MAX_QUANTITY:,.0f}",
            ),
            key,
        )
    return float(value)


def product_quantity(env, product, quantity, key="quantity", allow_zero=False):
    """``quantity`` (already in the product's unit) rounded to that unit;
    refused when it rounds to zero or is too large."""
    _ = env._
    uom = product.uom_id
    rounded = uom.round(quantity)
    if rounded > MAX_QUANTITY:
        raise MesEventError(
            _(
                "%(key)s: %(value)s %(uom)s is too large; at most %(max)s in one "
                "event.",
                key=key,
                value=rounded,
                uom=uom.name,
                max=f"{MAX_QUANTITY:,.0f}",
            ),
            key,
        )
    if not allow_zero and uom.is_zero(rounded):
        raise MesEventError(
            _(
                "%(key)s: %(value)s rounds to zero in %(uom)s, the unit of "
                "%(product)s (precision %(rounding)s); send a larger quantity.",
                key=key,
                value=quantity,
                uom=uom.name,
                product=product.display_name,
                rounding=uom.rounding,
            ),
            key,
        )
    return rounded


def read_datetime(env, payload, key, default, not_in_future=False):
    """An ISO 8601 date/time (UTC when it has no offset), naive UTC."""
    _ = env._
    value = payload.get(key)
    if value is None:
        return default
    moment = None
    if isinstance(value, str) and len(value) <= 40:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            moment = None
    if moment is None:
        raise MesEventError(
            _(
                "%(key)s: %(value)r is not an ISO 8601 date and time.",
                key=key,
                value=value if not isinstance(value, str) else value[:40],
            ),
            key,
        )
    if moment.tzinfo:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    if moment < OLDEST_DATE:
        raise MesEventError(
            _(
                "%(key)s: %(value)s is before %(oldest)s; check the device clock.",
                key=key,
                value=value,
                oldest=OLDEST_DATE.date(),
            ),
            key,
        )
    if not_in_future and moment > datetime.now(UTC).replace(tzinfo=None) + (
        FUTURE_TOLERANCE
    ):
        raise MesEventError(
            _(
                "%(key)s: %(value)s is in the future; a count is recorded when "
                "it was made (check the device clock).",
                key=key,
                value=value,
            ),
            key,
        )
    return moment


def read_name(env, value, key):
    """A lot or serial name: a string that is not blank, stripped."""
    if not isinstance(value, str) or not value.strip():
        raise MesEventError(
            env._(
                "%(key)s: must be a non-empty string (not blank).",
                key=key,
            ),
            key,
        )
    return value.strip()
