"""The MRP adapter around the pure engine: no Odoo model here.

- ``scope``: what a run plans (pool locations, company, days, time zone);
- ``inputs``: the declared dataclasses a run reads into;
- one loader per kind of input, bulk SQL with named rows: ``on_hand``,
  ``moves`` (moves, RFQs, firm orders, forecasts), ``products``, ``boms``,
  ``vendors``, ``routes``; ``loader.load_inputs`` runs them in order;
- ``writer``: the plan written back as suggestions, pegging and messages, as
  a difference with the stored plan;
- ``previous``: the stored orders a net-change run keeps and explodes.

``mes.mrp.run`` (models/mes_mrp_run.py) keeps the fields, actions, scheduled
job and run lifecycle, and calls ``load_inputs``, the engine and ``PlanWriter``.
"""

from .inputs import MrpInputs
from .loader import load_inputs
from .previous import load_previous_components, load_previous_orders
from .scope import PlanningScope
from .vendors import VendorPricing, VendorRow
from .writer import PlanWriter

__all__ = [
    "MrpInputs",
    "PlanWriter",
    "PlanningScope",
    "VendorPricing",
    "VendorRow",
    "load_inputs",
    "load_previous_components",
    "load_previous_orders",
]
