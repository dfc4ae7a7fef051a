"""What every event type shares: the item a batch carries per event, and the
readers of the fields several types have (product, lot, location, order,
quantity in the product's unit)."""

from .errors import MesEventError
from .locks import production_lock_key, stock_lock_key
from .reader import product_quantity, read_quantity

CLOSED_MO_STATES = ("done", "cancel")


class Item:
    """One event of a batch on its way: payload, envelope, what it names,
    its stored record and its answer."""

    __slots__ = (
        "code",
        "company",
        "digest",
        "error",
        "event_id",
        "field",
        "handler",
        "head",
        "index",
        "known",
        "order",
        "payload",
        "plan",
        "production_hint",
        "read_error",
        "sequence",
        "status",
        "text",
        "updates",
        "values",
    )

    def __init__(self, index, payload, sequence):
        self.index = index
        self.payload = payload
        self.sequence = sequence
        self.head = self.handler = self.company = None
        self.text = self.digest = None
        self.values = {}
        self.plan = None
        self.read_error = None
        self.known = None
        self.event_id = None
        self.order = None  # manufacturing order key, for ordering
        self.production_hint = False
        self.status = self.code = self.error = self.field = None
        self.updates = {}

    @property
    def name(self):
        if self.head:
            return f"{self.head['source']}/{self.head['external_id']}"
        payload = self.payload if isinstance(self.payload, dict) else {}
        return "{}/{}".format(payload.get("source"), payload.get("external_id"))

    def answer(self, status, code, error=None, field=None):
        self.status, self.code, self.error, self.field = status, code, error, field

    def fail(self, exc):
        self.answer("error", exc.code, str(exc), exc.field)

    def result(self):
        payload = self.payload if isinstance(self.payload, dict) else {}
        result = {
            "source": payload.get("source"),
            "external_id": payload.get("external_id"),
            "status": self.status,
            "code": self.code,
        }
        if self.event_id:
            result["event_id"] = self.event_id
        if self.error:
            result["error"] = self.error
            result["field"] = self.field
        return result


class EventHandler:
    """How one type of event is read, locked, planned and applied. A batch
    calls, for the events of the type:

    - :meth:`read_payload`: every check that needs no stock, raising
      :class:`MesEventError`; sets ``item.values``;
    - :meth:`lock_keys`: what the batch must lock for the event (what it
      names, resolved without raising); :meth:`recheck` under the locks;
    - :meth:`want_stock` and :meth:`allocate` (events that take stock);
    - :meth:`stage`: writes for a group of events (moves to validate are
      returned, the batch validates them all at once), then :meth:`finish`
      after the validation.
    """

    event_type = None
    references = ()

    # -- before the locks ----------------------------------------------
    def production_of(self, batch, item):
        """The manufacturing order an event names, if it resolves."""
        try:
            return batch.resolver.find(
                item.payload, "production", item.company, required=False
            )
        except MesEventError:
            return batch.resolver.env["mrp.production"]

    def lock_keys(self, batch, item):
        production = self.production_of(batch, item)
        return {production_lock_key(production.id)} if production else set()

    # -- under the locks -------------------------------------------------
    def read_payload(self, batch, item):
        raise NotImplementedError

    def recheck(self, batch, item):
        """Under the locks: what may have changed since :meth:`read_payload`
        (the order may have been closed meanwhile)."""
        production = item.values.get("production")
        if production:
            check_production_open(batch, production)

    def want_stock(self, batch, item):
        """Note the quants the event may take (events that take stock)."""

    def allocate(self, batch, item):
        """Take the event's stock from the batch's pool or raise 409."""

    def group_key(self, item):
        """Events with the same key are written together (a group)."""
        return (item.index,)

    def stage(self, batch, groups):
        """Write what ``groups`` (lists of items of one company) post;
        returns the stock moves to validate."""
        raise NotImplementedError

    def load(self, batch, items):
        """Read at once what planning ``items`` (read without error) needs."""

    def finish(self, batch, items):
        """After validation: what the events record (``item.updates``)."""


class StockHandler(EventHandler):
    """An event that takes stock from a location (consume, move, scrap): it
    locks (product, location) and takes from the batch's pool of quants."""

    def source_location(self, batch, item):
        """The location the event takes from, as named (resolved without
        raising: :class:`MesEventError` when it does not resolve)."""
        return find(batch, item, "location")

    def lock_keys(self, batch, item):
        keys = super().lock_keys(batch, item)
        try:
            product = find(batch, item, "product")
            location = self.source_location(batch, item)
        except MesEventError:
            return keys
        if location:
            keys.add(stock_lock_key(product.id, location.id))
        return keys

    def want_stock(self, batch, item):
        values = item.values
        batch.pool.want(values["product"], values["lot"], values["location"])

    def allocate(self, batch, item):
        self.take_stock(batch, item)

    def take_stock(self, batch, item, **options):
        """Take the event's quantity from the pool (``options`` of
        ``pool.take``) or raise the 409 that names what is there."""
        values = item.values
        allocations, free = batch.pool.take(
            values["product"],
            values["lot"],
            values["location"],
            values["quantity"],
            **options,
        )
        if allocations is None:
            raise stock_shortage(
                batch,
                values["product"],
                values["lot"],
                values["location"],
                values["quantity"],
                free,
            )
        item.plan = allocations


# ----------------------------------------------------------------------
# Shared readers
# ----------------------------------------------------------------------
def find(batch, item, key, required=True, product=None):
    return batch.resolver.find(
        item.payload, key, item.company, required=required, product=product
    )


def read_product(batch, item):
    product = find(batch, item, "product")
    if not product.is_storable:
        raise MesEventError(
            batch.env._(
                "product: %(product)s is not tracked in stock (not storable).",
                product=product.display_name,
            ),
            "product",
        )
    return product


def read_location(batch, item, key, required=True, default=None):
    location = find(batch, item, key, required=required and not default)
    location = location or default
    if location and location.usage != "internal":
        raise MesEventError(
            batch.env._(
                "%(key)s: %(location)s is not an internal location.",
                key=key,
                location=location.display_name,
            ),
            key,
        )
    return location


def read_lot(batch, item, product):
    lot = find(batch, item, "lot", required=False, product=product)
    if not lot and product.tracking != "none":
        raise MesEventError(
            batch.env._(
                "lot: %(product)s is tracked by lot/serial number; give the lot.",
                product=product.display_name,
            ),
            "lot",
        )
    return lot


def check_released(batch, lot):
    """Refuse a lot that is not usable (mes_inventory_mrp's one rule)."""
    if not lot or lot._mes_is_usable():
        return
    state = lot.mes_quality_state
    if state != "released":
        raise MesEventError(
            batch.env._(
                "lot: %(lot)s of %(product)s is %(state)s, not released; it "
                "cannot be consumed.",
                lot=lot.name,
                product=lot.product_id.display_name,
                state=state,
            ),
            "lot",
            code=409,
        )


def read_production(batch, item, required=True):
    production = find(batch, item, "production", required=required)
    if production:
        check_production_open(batch, production)
    return production


def check_production_open(batch, production):
    if production.state in CLOSED_MO_STATES:
        raise MesEventError(
            batch.env._(
                "production: manufacturing order %(mo)s is %(state)s; events "
                "for a closed order are refused.",
                mo=production.name,
                state=dict(
                    production._fields["state"]._description_selection(batch.env)
                )[production.state],
            ),
            "production",
            code=409,
        )
    if production and production.state == "draft":
        raise MesEventError(
            batch.env._(
                "production: manufacturing order %(mo)s is a draft; confirm it first.",
                mo=production.name,
            ),
            "production",
            code=409,
        )
    return production


def read_product_quantity(batch, item, product, key="quantity", allow_zero=False):
    """The event's quantity in the product's unit (``uom`` converted),
    rounded to it; refused when it rounds to zero or is too large."""
    quantity = read_quantity(batch.env, item.payload, key, allow_zero=allow_zero)
    uom = find(batch, item, "uom", required=False)
    if uom and uom != product.uom_id:
        if not uom._has_common_reference(product.uom_id):
            raise MesEventError(
                batch.env._(
                    "uom: %(uom)s is not a unit of the same kind as "
                    "%(product_uom)s, the unit of %(product)s.",
                    uom=uom.name,
                    product_uom=product.uom_id.name,
                    product=product.display_name,
                ),
                "uom",
            )
        quantity = uom._compute_quantity(
            quantity, product.uom_id, round=False, rounding_method="HALF-UP"
        )
    return product_quantity(batch.env, product, quantity, key, allow_zero)


def stock_shortage(batch, product, lot, location, quantity, available):
    return MesEventError(
        batch.env._(
            "quantity: %(qty)s %(uom)s of %(product)s%(lot)s asked but only "
            "%(available)s free in %(location)s; stock never goes negative.",
            qty=quantity,
            uom=product.uom_id.name,
            product=product.display_name,
            lot=f" ({lot.name})" if lot else "",
            available=available,
            location=location.display_name,
        ),
        "quantity",
        code=409,
    )
