"""Pure-Python MRP engine: dataclasses in, :class:`Plan` out; no Odoo import."""

from .lot_sizing import item_eps, round_up, select_vendor, size_order
from .planner import plan, replan_scope
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
    Project,
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
    "Project",
    "ProjectionRow",
    "Stock",
    "Supply",
    "Vendor",
    "item_eps",
    "plan",
    "replan_scope",
    "round_up",
    "select_vendor",
    "size_order",
]
