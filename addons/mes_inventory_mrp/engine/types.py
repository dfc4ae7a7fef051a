"""Data the MRP engine takes and gives back.

Plain dataclasses, no Odoo import. The adapter (``planning/``) reads
Odoo records in bulk, converts every quantity to the product's own UoM and every
datetime to a calendar date in the planning user's time zone, and builds these
objects; the engine returns a :class:`Plan` that the adapter writes back in batches.

Identifiers are the adapter's: item and vendor ids are database ids, demand and
supply ids are strings such as ``"move:42"``, ``"forecast:7"``, ``"rfq:9"``,
``"firm:3"`` so the adapter can map them back without a query.
"""

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Vendor:
    """One ``product.supplierinfo`` line, in the order Odoo's sellers sort."""

    id: int
    partner_id: int
    min_qty: float = 0.0  # in the product's UoM (converted by the adapter)
    price: float = 0.0  # discounted, per product UoM, in company currency
    delay: int = 0  # vendor lead time in days
    date_start: date | None = None
    date_end: date | None = None
    sequence: int = 0  # the line's; equal prices: lower sequence, then id wins


@dataclass(frozen=True)
class Item:
    """A product to plan, with its planning parameters."""

    id: int
    name: str = ""
    safety_stock: float = 0.0
    order_multiple: float = 0.0  # 0: none
    lot_days: int = 0  # 0: lot-for-lot; N: needs within N days make one order
    make: bool = False  # has a normal BOM and the Manufacture route
    produce_delay: int = 0  # days, from the BOM
    vendors: tuple[Vendor, ...] = ()
    purchase_lead: int = 0  # company days_to_purchase
    transfer_delay: int | None = None  # days; resupplied from outside the pool
    rounding: float = 0.0  # UoM rounding of the product (0: none)


@dataclass(frozen=True)
class BomLine:
    component_id: int
    qty: float  # component qty (component UoM) per ONE unit of the parent


@dataclass(frozen=True)
class Bom:
    id: int
    product_id: int
    kind: str  # "normal" or "phantom" (kit: exploded through, never planned)
    lines: tuple[BomLine, ...] = ()


@dataclass(frozen=True)
class Project:
    """A project that holds its own stock.

    Its demand is served by its own stock and supply first; then, when
    ``use_free``, by the free stock and supply of the pool. Nothing else ever
    consumes its stock or supply.
    """

    id: int
    use_free: bool = True


@dataclass(frozen=True)
class Stock:
    """Nettable, released on-hand of one lot (or of no lot) in the pool."""

    item_id: int
    qty: float
    expiry: date | None = None  # the lot leaves the projection on this day
    lot_id: int | None = None
    project_id: int | None = None  # held by this project (its location)


@dataclass(frozen=True)
class Demand:
    id: str
    item_id: int
    date: date
    qty: float
    kind: str = "move"  # "move" or "forecast"
    customer: bool = False  # actual customer demand: consumes forecasts
    project_id: int | None = None  # demand of a project that holds stock


@dataclass(frozen=True)
class Supply:
    """An existing scheduled receipt (PO receipt, MO output, RFQ, firm order)."""

    id: str
    item_id: int
    date: date
    qty: float
    firm: bool = False  # approved suggestion: used, never messaged
    project_id: int | None = None  # supply of a project that holds stock


@dataclass
class Peg:
    qty: float
    date: date
    demand_id: str | None = None  # the demand served directly (None: safety)
    parent_order: int | None = None  # index of the planned order it feeds
    root_demand_id: str | None = None  # the top-level demand ultimately served


@dataclass
class PlannedOrder:
    index: int
    item_id: int
    action: str  # "buy", "make", "transfer" or "none" (no source)
    qty: float
    date_required: date
    date_order: date
    vendor_id: int | None = None
    exception: str = "none"  # "none", "expedite", "no_source"
    pegs: list[Peg] = field(default_factory=list)
    project_id: int | None = None  # planned for this project's stock
    # The adapter's id of an order kept from the previous plan (net change):
    # the engine explodes it for its components and never changes it.
    ref: int | None = None


@dataclass
class Message:
    supply_id: str
    item_id: int
    message_type: str  # "reschedule_in", "reschedule_out", "cancel"
    date_current: date
    date_suggested: date | None
    qty: float


@dataclass
class ProjectionRow:
    item_id: int
    date: date
    demand: float = 0.0
    receipts: float = 0.0  # existing supply at its own date
    planned: float = 0.0  # new planned orders at their date_required
    expired: float = 0.0
    on_hand: float = 0.0  # projected at the end of the day
    project_id: int | None = None  # a project's own stock (None: the pool)


@dataclass
class Plan:
    orders: list[PlannedOrder] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    projection: dict[int, list[ProjectionRow]] = field(default_factory=dict)
    # (item, project) -> the rows of what the project holds of the item
    project_projection: dict[tuple, list[ProjectionRow]] = field(default_factory=dict)
    low_level_codes: dict[int, int] = field(default_factory=dict)
    # Net change: the items netted again (``None``: every item). Orders of the
    # other items are the previous plan's (``PlannedOrder.ref`` set); they
    # have no messages and no projection here.
    replanned: set[int] | None = None


class BomCycleError(ValueError):
    """BOMs loop; ``item_ids`` names the products in the cycle."""

    def __init__(self, item_ids):
        self.item_ids = list(item_ids)
        super().__init__(f"BOM cycle between products {self.item_ids}")
