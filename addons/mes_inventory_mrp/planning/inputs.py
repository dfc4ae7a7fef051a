"""What a run reads, declared: the engine's inputs plus what the writer needs.

Plain dataclasses (slots: an attribute that is not declared here cannot be
attached later). The loaders fill them; the engine reads ``items``, ``boms``,
``stock``, ``demands``, ``supplies`` and ``run_date``; the plan writer maps the
engine's ids back to records with the rest.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from ..engine import Bom, Demand, Item, Project, Stock, Supply


class UomConverter:
    """Quantities from one UoM to another with the UoMs' factors (one query)."""

    __slots__ = ("factors",)

    def __init__(self, factors):
        self.factors = factors  # uom id -> factor

    def __call__(self, qty, from_uom, to_uom):
        if from_uom == to_uom or not qty:
            return qty
        return qty * self.factors[from_uom] / self.factors[to_uom]


@dataclass(slots=True)
class PlannedProduct:
    """A product the run plans (or explodes, for a kit)."""

    id: int
    tmpl_id: int
    uom_id: int
    storable: bool
    safety: float  # safety stock, product unit
    multiple: float  # order multiple, 0: none
    lot_days: int
    name: str  # "[code] name" in the planner's language
    manufacture: bool  # the Manufacture route applies to it
    ptavs: frozenset  # attribute values of the variant (BOM line filter)
    produce_delay: int = 0  # of its BOM, set when it has one


class VendorLine(NamedTuple):
    """What a suggestion shows of its ``product.supplierinfo`` line."""

    partner_id: int
    uom_id: int
    price: float  # the line's own price, unit and currency
    currency_id: int | None


class TransferSource(NamedTuple):
    """How a warehouse outside the pool resupplies a product."""

    explicit: bool  # the route is set on the product: it wins over vendors
    rule_id: int  # the rule into the pool
    warehouse_id: int  # receiving warehouse of the pool
    source_warehouse_id: int
    delay: int  # days, along the route's chain


class MoveLink(NamedTuple):
    """Records behind a stock move the run uses as supply."""

    purchase_line_id: int | None
    production_id: int | None


@dataclass(slots=True)
class MrpInputs:
    """Everything a run reads, shaped for the engine, plus the id maps."""

    run_date: date
    convert: UomConverter
    precision: int  # digits of "Product Unit"
    items: list[Item] = field(default_factory=list)
    boms: list[Bom] = field(default_factory=list)
    stock: list[Stock] = field(default_factory=list)
    demands: list[Demand] = field(default_factory=list)
    supplies: list[Supply] = field(default_factory=list)
    products: dict[int, PlannedProduct] = field(default_factory=dict)
    vendors: dict[int, VendorLine] = field(default_factory=dict)  # supplierinfo
    bom_of: dict[int, int] = field(default_factory=dict)  # product -> bom planned
    move_links: dict[int, MoveLink] = field(default_factory=dict)  # move id ->
    in_qc: defaultdict = field(default_factory=lambda: defaultdict(float))
    transfers: dict[int, TransferSource] = field(default_factory=dict)
    projects: list[Project] = field(default_factory=list)  # that hold stock
