"""What can go wrong with an event, and the HTTP-like code the API answers."""

from psycopg2 import errors as pg_errors

from odoo.exceptions import UserError

# Errors after which a fresh transaction may succeed: a concurrent transaction
# changed or locked what this one read (or inserted the same key first).
RETRYABLE_ERRORS = (
    pg_errors.SerializationFailure,
    pg_errors.DeadlockDetected,
    pg_errors.LockNotAvailable,
    pg_errors.UniqueViolation,
)


class MesEventError(UserError):
    """An event that cannot be applied, with the payload field at fault and
    the HTTP-like code the API answers with (400 bad payload, 403 another
    company, 409 not applicable in the current state, 424 blocked by an
    earlier failed event of the same manufacturing order)."""

    def __init__(self, message, field=None, code=400):
        super().__init__(message)
        self.field = field
        self.code = code


class MesRequestError(Exception):
    """A request the API refuses as a whole (malformed body, too large, not
    JSON): answered with ``code`` and no event result."""

    def __init__(self, message, field, code=400):
        super().__init__(message)
        self.field = field
        self.code = code


class MesBusyError(Exception):
    """The batch could not take its locks (or kept colliding with concurrent
    transactions) within the time allowed: nothing was stored, the client
    sends the batch again later (503, ``retryable``)."""
