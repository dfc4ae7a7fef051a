"""The records a batch of events names, found with one query per model.

An event names a record by database id (``product_id``) or by a code
(``product``: internal reference or barcode). :class:`Resolver` collects what
every event of a batch names, reads each model once (archived records and
other companies included, to say precisely why a record cannot be used), then
answers per event with the same checks and messages as one look-up would.
"""

from collections import defaultdict

from odoo.fields import Domain

from .errors import MesEventError

# an archived record of these is refused (units of measure are archived when
# unused in Odoo 19 and stay valid; work centers are checked by their orders)
ARCHIVED_REFUSED = ("product", "lot", "location", "location_dest", "employee", "user")
# key in the payload -> (model, fields a code may match, fields read)
REFERENCES = {
    "product": (
        "product.product",
        ("default_code", "barcode"),
        ("company_id", "active", "is_storable", "tracking", "uom_id"),
    ),
    "lot": ("stock.lot", ("name",), ("company_id", "product_id")),
    "location": (
        "stock.location",
        ("barcode", "complete_name"),
        ("company_id", "active", "usage", "parent_path"),
    ),
    "location_dest": (
        "stock.location",
        ("barcode", "complete_name"),
        ("company_id", "active", "usage", "parent_path"),
    ),
    "production": (
        "mrp.production",
        ("name",),
        ("company_id", "state", "location_src_id", "product_id"),
    ),
    "workorder": (
        "mrp.workorder",
        ("name",),
        ("company_id", "state", "production_id", "workcenter_id"),
    ),
    "workcenter": ("mrp.workcenter", ("code", "name"), ("company_id",)),
    "uom": ("uom.uom", ("name",), ()),
    "employee": ("hr.employee", ("barcode", "name"), ("company_id", "active")),
    "user": ("res.users", ("login",), ("company_id", "active")),
}


def _is_id(value):
    return isinstance(value, int) and not isinstance(value, bool)


class Resolver:
    """Look-ups of the records named by a batch of payloads."""

    def __init__(self, env):
        # sudo: a device names records it has no access right on; every
        # answer is checked against the event's company here
        self.env = env(su=True, context=dict(env.context, active_test=False))
        self._ids = defaultdict(set)  # model -> ids asked for
        self._names = defaultdict(set)  # model -> codes asked for
        self._by_id = {}  # model -> {id: record}
        self._by_name = {}  # model -> {code: [record ids]}

    # ------------------------------------------------------------------
    def want(self, payload, keys):
        """Note what ``payload`` names under ``keys`` (before :meth:`load`)."""
        for key in keys:
            model = REFERENCES[key][0]
            if model not in self.env:
                continue
            by_id, by_name = payload.get(f"{key}_id"), payload.get(key)
            if _is_id(by_id):
                if by_id not in self._by_id.get(model, ()):
                    self._ids[model].add(by_id)
            elif isinstance(by_name, str) and by_name:
                if by_name not in self._by_name.get(model, ()):
                    self._names[model].add(by_name)

    def load(self):
        """One query per model for everything noted."""
        models = {spec[0]: spec for spec in REFERENCES.values()}
        for model in set(self._ids) | set(self._names):
            _model, name_fields, read_fields = models[model]
            ids, names = self._ids[model], self._names[model]
            domains = []
            if ids:
                domains.append(Domain("id", "in", list(ids)))
            if names:
                domains += [Domain(name, "in", list(names)) for name in name_fields]
            if not domains:
                continue
            Model = self.env[model]
            fields = [f for f in (*name_fields, *read_fields) if f in Model._fields]
            records = Model.search_fetch(Domain.OR(domains), fields)
            by_id = self._by_id.setdefault(model, {})
            by_name = self._by_name.setdefault(model, defaultdict(list))
            for record in records:
                by_id[record.id] = record
                for name in name_fields:
                    value = record[name]
                    if value in names and record.id not in by_name[value]:
                        by_name[value].append(record.id)
            for name in names:
                by_name.setdefault(name, [])  # asked for: known to match nothing
            self._ids[model], self._names[model] = set(), set()

    # ------------------------------------------------------------------
    def find(self, payload, key, company, required=True, product=None):
        """The record ``payload`` names under ``key`` in ``company`` (an
        empty recordset when it names none and ``required`` is false).
        ``product`` scopes lots."""
        _ = self.env._
        model = REFERENCES[key][0]
        Model = self.env[model]
        by_id, by_name = payload.get(f"{key}_id"), payload.get(key)
        if by_id is None and by_name is None:
            if required:
                raise MesEventError(
                    _("%(key)s: required (give %(key)s or %(key)s_id).", key=key),
                    key,
                )
            return Model
        if by_id is not None:
            if not _is_id(by_id):
                raise MesEventError(
                    _("%(key)s_id: must be an integer id.", key=key), f"{key}_id"
                )
            found = self._by_id.get(model, {}).get(by_id)
            candidates = [found] if found is not None else []
            label = by_id
        else:
            if not isinstance(by_name, str) or not by_name.strip():
                raise MesEventError(
                    _("%(key)s: must be a non-empty string.", key=key), key
                )
            records = self._by_id.get(model, {})
            candidates = [
                records[i] for i in self._by_name.get(model, {}).get(by_name, ())
            ]
            label = by_name
        if product is not None:
            candidates = [c for c in candidates if c.product_id == product]
        if "company_id" in Model._fields:
            ours = [
                c for c in candidates if not c.company_id or c.company_id == company
            ]
            if candidates and not ours:
                raise MesEventError(
                    _(
                        "%(key)s: %(label)s belongs to another company than "
                        "%(company)s, the company of this event.",
                        key=key,
                        label=label,
                        company=company.name,
                    ),
                    key,
                    code=403,
                )
            candidates = ours
        if not candidates:
            raise MesEventError(
                _(
                    "%(key)s: no %(key)s %(label)r in company %(company)s.",
                    key=key,
                    label=label,
                    company=company.name,
                ),
                key,
            )
        check_active = key in ARCHIVED_REFUSED and "active" in Model._fields
        if len(candidates) > 1 and check_active:
            active = [c for c in candidates if c.active]
            candidates = active if len(active) == 1 else candidates
        if len(candidates) > 1:
            raise MesEventError(
                _(
                    "%(key)s: %(label)r names %(n)s records; use %(key)s_id.",
                    key=key,
                    label=label,
                    n=len(candidates),
                ),
                key,
            )
        record = candidates[0]
        if check_active and not record.active:
            raise MesEventError(
                _(
                    "%(key)s: %(record)s is archived; restore it or name an "
                    "active one.",
                    key=key,
                    record=record.display_name,
                ),
                key,
            )
        return record
