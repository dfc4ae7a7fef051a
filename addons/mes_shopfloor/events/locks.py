"""PostgreSQL advisory locks taken by a batch of events.

A batch takes all its locks at once, before it reads any stock, in one fixed
order (sorted keys), so that two batches never wait for each other in a
cycle: per (product, location) an event takes stock from, and per
manufacturing order (events of one order apply in arrival order). The locks
are held until the batch's transaction ends. A lock that is not granted
within the lock timeout makes the batch answer a retryable error instead of
waiting on.

The key function lives once, in mes_inventory_mrp, beside the per-product
reservation lock every stock flow takes.
"""

from odoo.addons.mes_inventory_mrp.models.stock_move import mes_lock_key
from odoo.tools import SQL

LOCK_TIMEOUT_PARAM = "mes_shopfloor.event_lock_timeout"
DEFAULT_LOCK_TIMEOUT_MS = 10_000


def stock_lock_key(product_id, location_id):
    """Key serializing events that take ``product`` from ``location``."""
    return mes_lock_key("event-stock", product_id, location_id)


def production_lock_key(production_id):
    """Key serializing the events of one manufacturing order."""
    return mes_lock_key("mo", production_id)


def raw_order_key(payload):
    """Key of the order an unresolvable payload names (ordering only)."""
    if not isinstance(payload, dict):
        return None
    production_id = payload.get("production_id")
    if isinstance(production_id, int) and not isinstance(production_id, bool):
        return ("mo", production_id)  # as a resolved order's key
    for key in ("production_id", "production", "workorder_id"):
        value = payload.get(key)
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            return (key, value)
    return None


def lock_timeout_ms(env):
    value = (
        env["ir.config_parameter"]
        .sudo()
        .get_param(LOCK_TIMEOUT_PARAM, DEFAULT_LOCK_TIMEOUT_MS)
    )
    try:
        return max(1, int(float(value)))
    except (TypeError, ValueError):
        return DEFAULT_LOCK_TIMEOUT_MS


class LockTimeout:
    """Set PostgreSQL's ``lock_timeout`` for the current transaction. With
    ``restore``, put the previous value back afterwards (a test cursor shares
    its transaction with the test; a transaction of its own just ends)."""

    def __init__(self, cr, milliseconds, restore=True):
        self.cr = cr
        self.milliseconds = milliseconds
        self.restore = restore
        self.previous = None

    def __enter__(self):
        value = f"{self.milliseconds}ms"
        if self.restore:
            self.cr.execute(
                SQL(
                    "SELECT current_setting('lock_timeout'),"
                    " set_config('lock_timeout', %s, true)",
                    value,
                )
            )
            self.previous = self.cr.fetchone()[0]
        else:
            self.cr.execute(SQL("SELECT set_config('lock_timeout', %s, true)", value))
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        if exc_type is None and self.previous is not None:
            self.cr.execute(
                SQL("SELECT set_config('lock_timeout', %s, true)", self.previous)
            )


def lock_transaction(cr, keys):
    """Transaction-level locks on ``keys`` (sorted), released at its end."""
    for key in sorted(keys):
        # a lock timeout is an answer (503), not an error to log
        cr.execute(SQL("SELECT pg_advisory_xact_lock(%s)", key), log_exceptions=False)
