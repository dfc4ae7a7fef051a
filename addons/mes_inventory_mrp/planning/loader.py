"""Everything a run reads, in a fixed number of queries, shaped for the engine.

Order: what is in, out and on hand of the pool (on-hand, moves, RFQs, firm
orders, forecasts); the products that reaches and the BOMs it explodes; then
vendors and transfer sources of what is left, and the engine's items.
"""

import math

from ..engine import Item
from .boms import BomSet, add_firm_components, build_boms, keep_reached
from .inputs import MrpInputs
from .moves import load_firm_orders, load_forecasts, load_moves, load_rfqs
from .on_hand import load_on_hand
from .products import load_products, load_uoms
from .projects import load_projects
from .routes import load_transfer_sources
from .scope import PlanningScope
from .vendors import load_vendors


def load_inputs(run):
    """The ``MrpInputs`` of ``run`` (a ``mes.mrp.run``, possibly new in memory)."""
    env = run.env
    env.flush_all()
    scope = PlanningScope.of_run(run)
    inputs = MrpInputs(
        run_date=scope.run_date,
        convert=load_uoms(env),
        precision=env["decimal.precision"].precision_get("Product Unit"),
    )
    load_projects(scope, inputs)
    load_on_hand(scope, inputs)
    load_moves(scope, inputs)
    load_rfqs(scope, inputs)
    firm_rows = load_firm_orders(scope, inputs)
    load_forecasts(scope, inputs)

    bom_set = BomSet(env, scope.company)
    # Every product met in the inputs or in a BOM, read at once.
    product_ids = {row.item_id for row in inputs.stock}
    product_ids.update(row.item_id for row in inputs.demands)
    product_ids.update(row.item_id for row in inputs.supplies)
    product_ids.update(bom_set.product_ids())
    load_products(scope, inputs, product_ids)
    kits = keep_reached(inputs, build_boms(bom_set, inputs))
    add_firm_components(inputs, firm_rows)

    vendor_rows, pricing = load_vendors(scope, inputs)
    load_transfer_sources(scope, inputs)
    inputs.items = make_items(scope, inputs, kits, vendor_rows, pricing)
    return inputs


def make_items(scope, inputs, kits, vendor_rows, pricing):
    """The engine's items: kits bare (they are exploded), the others with
    their planning parameters and vendors (``vendor_rows`` per template)."""
    rounding = 10**-inputs.precision
    purchase_lead = math.ceil(scope.company.days_to_purchase or 0)
    items = []
    for pid, product in inputs.products.items():
        if pid in kits:
            items.append(Item(id=pid, name=product.name))
            continue
        transfer = inputs.transfers.get(pid)
        # A resupply route set on the product itself wins over its vendors.
        vendors = (
            ()
            if transfer and transfer.explicit
            else pricing.vendors_of(
                vendor_rows.get(product.tmpl_id, ()), pid, product.uom_id
            )
        )
        items.append(
            Item(
                id=pid,
                name=product.name,
                safety_stock=product.safety or 0.0,
                order_multiple=product.multiple or 0.0,
                lot_days=product.lot_days or 0,
                make=pid in inputs.bom_of,
                produce_delay=product.produce_delay,
                vendors=vendors,
                purchase_lead=purchase_lead,
                transfer_delay=transfer.delay if transfer else None,
                rounding=rounding,
            )
        )
    return items
