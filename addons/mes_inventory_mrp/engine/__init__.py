"""Pure-Python MRP engine: dataclasses in, :class:`Plan` out; no Odoo import."""

from .planner import plan
from .types import (
    Bom,
    BomCycleError,
    BomLine,
    Demand,
    Item,
    Message,
    Peg,
    Plan,
    PlannedOrder,
    ProjectionRow,
    Stock,
    Supply,
    Vendor,
)

__all__ = [
    "Bom",
    "BomCycleError",
    "BomLine",
    "Demand",
    "Item",
    "Message",
    "Peg",
    "Plan",
    "PlannedOrder",
    "ProjectionRow",
    "Stock",
    "Supply",
    "Vendor",
    "plan",
]
