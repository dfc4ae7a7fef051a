"""Shop-floor events: reading and validation of payloads, one module per event
type that applies it, and the bulk path (``bulk``) that applies a batch.
``models/mes_event.py`` is the inbox: storage, idempotency, dead letters,
Retry."""

from .consume import ConsumeHandler
from .count import CountHandler
from .labor import LaborHandler
from .move import MoveHandler
from .produce import ProduceHandler
from .scrap import ScrapHandler

HANDLERS = {
    handler.event_type: handler
    for handler in (
        ConsumeHandler(),
        ProduceHandler(),
        ScrapHandler(),
        LaborHandler(),
        MoveHandler(),
        CountHandler(),
    )
}
