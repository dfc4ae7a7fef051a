"""Order quantities: vendor choice and minimum, order multiple, UoM rounding."""

import math

# Float noise tolerance on a ratio (quantity / step): 1e-9 of a step is noise,
# never a real requirement worth one more step.
RATIO_EPS = 1e-9


def item_eps(item):
    """Quantities of ``item`` closer than this are equal: a millionth of its UoM
    step is noise, never a requirement."""
    return item.rounding * 1e-6 if item.rounding > 0 else 1e-9


def clean(value):
    """Drop float noise so equal plans compare equal and print nicely."""
    return round(value, 9) + 0.0  # + 0.0 turns -0.0 into 0.0


def round_up(qty, step):
    """Smallest multiple of ``step`` that is >= ``qty`` (``step`` <= 0: none)."""
    if step <= 0:
        return qty
    ratio = qty / step
    nearest = round(ratio)
    if abs(ratio - nearest) <= RATIO_EPS * max(1.0, abs(ratio)):
        ratio = nearest
    else:
        ratio = math.ceil(ratio)
    return clean(ratio * step)


def _valid_on(vendor, day):
    return (vendor.date_start is None or vendor.date_start <= day) and (
        vendor.date_end is None or day <= vendor.date_end
    )


def _cheaper(vendor, other):
    """``vendor`` before ``other`` in Odoo's price order (price, sequence, id);
    prices a billionth apart are equal (float noise of the conversions)."""
    if abs(vendor.price - other.price) > RATIO_EPS * max(1.0, abs(other.price)):
        return vendor.price < other.price
    return (vendor.sequence, vendor.id) < (other.sequence, other.id)


def select_vendor(vendors, qty, day, eps=1e-9):
    """Pick a vendor like Odoo's ``_select_seller`` among ``vendors`` in order.

    Returns ``(vendor, qty)``. The lines valid on ``day`` whose minimum the
    quantity reaches qualify; the partner of the first one wins and, as Odoo
    does, its cheapest qualifying line is taken (equal prices: the lower
    sequence, then the lower id). When the quantity is below the minimum of
    every valid line, the first valid line is taken with the quantity raised to
    its minimum. ``(None, qty)`` when no line is valid on that day.
    """
    first_valid = None
    chosen = None
    for vendor in vendors:
        if not _valid_on(vendor, day):
            continue
        if first_valid is None:
            first_valid = vendor
        if vendor.min_qty > qty + eps:
            continue
        if chosen is None:
            chosen = vendor
        elif vendor.partner_id == chosen.partner_id and _cheaper(vendor, chosen):
            chosen = vendor
    if chosen is not None:
        return chosen, qty
    if first_valid is None:
        return None, qty
    return first_valid, max(qty, first_valid.min_qty)


def size_order(item, net, day, eps=1e-9):
    """Source and quantity of a planned order for ``net`` required on ``day``.

    Returns ``(action, vendor, qty, lead_days)``. The quantity goes: net, raised
    to the vendor minimum (buy only), up to the order multiple, then up to the UoM
    rounding.
    """
    vendor = None
    qty = net
    if item.make:
        action, lead = "make", item.produce_delay
    else:
        vendor, qty = select_vendor(item.vendors, net, day, eps)
        if vendor is not None:
            action, lead = "buy", vendor.delay + item.purchase_lead
        elif item.transfer_delay is not None:
            action, lead = "transfer", item.transfer_delay
        else:
            action, lead = "none", 0
    qty = round_up(qty, item.order_multiple)
    qty = round_up(qty, item.rounding)
    return action, vendor, clean(qty), lead
