import functools
from contextlib import contextmanager

from odoo import api, models
from odoo.exceptions import AccessError

# Key of the grant in the cursor's cache: how many guarded actions are running
# in this transaction. The cursor's cache is server-side only: no client can
# send it (unlike a context key, which any RPC call may carry).
GRANT_KEY = "mes_guard_grants"


def guarded_action(method):
    """Decorate an action that changes guarded fields: it runs with the grant
    open. The action itself checks the user's group, the company and the
    state before it changes anything."""

    @functools.wraps(method)
    def action(self, *args, **kwargs):
        with self.env["mes.guarded.mixin"]._mes_guard_open():
            return method(self, *args, **kwargs)

    return action


class MesGuardedMixin(models.AbstractModel):
    """Fields that only the model's own actions may change.

    A state, an approver, an approval date, a value that decides an approval
    tier or an amount posted to accounting must change through the action that
    checks why it may, never through a plain ``create``/``write`` (RPC, import,
    a form with the field made editable): a view's ``readonly`` protects nothing.

    A model lists its guarded fields in ``_mes_guarded_fields``
    (``{field: how to change it}``, shown in the error), the fields frozen once
    the record left its editable states in ``_mes_frozen_fields`` (with
    ``_mes_editable_states``), or guards every field with
    ``_mes_guard_all_fields`` (records only actions create, such as computed
    discrepancy lines; ``_mes_guard_unlink`` also keeps them from being
    deleted). Its actions change them inside ``with self._mes_guard_open():``.

    Anyone else is refused with an AccessError naming the field and the action
    to use, a user with full access on the model too (through RPC, an import or
    a form alike). Only server code running as the superuser passes (install
    and upgrade: data files, demo data, hooks). Setting a field to the value it
    already has (on create: its default) is no change and passes.
    """

    _name = "mes.guarded.mixin"
    _description = "Fields Changed by Actions Only"

    _mes_guarded_fields = {}
    _mes_frozen_fields = {}
    _mes_editable_states = ("draft",)
    _mes_guard_all_fields = False
    _mes_guard_unlink = False

    # ------------------------------------------------------------------
    # The grant
    # ------------------------------------------------------------------
    @contextmanager
    def _mes_guard_open(self):
        """Let the code inside change guarded fields (of any guarded model):
        the action has checked who may do it."""
        cache = self.env.cr.cache
        cache[GRANT_KEY] = cache.get(GRANT_KEY, 0) + 1
        try:
            yield
        finally:
            cache[GRANT_KEY] -= 1

    def _mes_guard_granted(self):
        # The superuser is server code: install and upgrade (data files, demo
        # data, hooks), scheduled jobs, tests; no RPC call or import runs as
        # superuser.
        return self.env.su or bool(self.env.cr.cache.get(GRANT_KEY))

    def _mes_check_group(self, group_xmlid, what):
        """Refuse ``what`` to a user outside ``group_xmlid`` (checked in code,
        not only by the button's ``groups``; the superuser passes)."""
        if self.env.su or self.env.user.has_group(group_xmlid):
            return
        group = self.env.ref(group_xmlid, raise_if_not_found=False)
        raise AccessError(
            self.env._(
                "Only users of the group %(group)s can %(what)s.",
                group=group.sudo().full_name if group else group_xmlid,
                what=what,
            )
        )

    def _mes_guard_allows(self, fname):
        """Hook: True when the current user may set ``fname`` directly (a
        model may let a group write one of its guarded fields itself)."""
        return False

    # ------------------------------------------------------------------
    # The checks
    # ------------------------------------------------------------------
    def _mes_guard_how(self, fname):
        how = (
            self._mes_guarded_fields.get(fname)
            or self._mes_frozen_fields.get(fname)
            or self._mes_guarded_fields.get(None)
        )
        return str(how) if how else self.env._("the document's buttons")

    def _mes_guard_refuse(self, fname, record=None):
        field = self._fields[fname]
        raise AccessError(
            self.env._(
                "%(field)s of %(model)s %(record)s is set by its actions only: "
                "use %(how)s.",
                field=field._description_string(self.env),
                model=self._description,
                record=record.display_name if record else self.env._("(new)"),
                how=self._mes_guard_how(fname),
            )
        )

    def _mes_guarded_names(self, vals):
        if self._mes_guard_all_fields:
            magic = set(models.MAGIC_COLUMNS) | {"display_name"}
            return [f for f in vals if f in self._fields and f not in magic]
        return [f for f in vals if f in self._mes_guarded_fields]

    def _mes_equal(self, fname, new, old, record):
        field = self._fields[fname]
        if field.type in ("one2many", "many2many"):
            return False  # commands: any is a change
        new = field.convert_to_cache(new, record, validate=False)
        old = field.convert_to_cache(old, record, validate=False)
        if field.type == "float":
            return abs((new or 0.0) - (old or 0.0)) < 1e-9
        return (new or False) == (old or False)

    def _mes_same_value(self, record, fname, value):
        return self._mes_equal(fname, value, record[fname], record)

    def _mes_check_guarded_create(self, vals_list):
        if self._mes_guard_granted():
            return
        # a default given in the context is a value set by the caller
        given = {
            key[8:]: value
            for key, value in self.env.context.items()
            if key.startswith("default_")
        }
        blank = self.browse()
        for vals in vals_list:
            values = dict(given, **vals)
            for fname in self._mes_guarded_names(values):
                if self._mes_guard_allows(fname):
                    continue
                field = self._fields[fname]
                # the field's own default (not one given in the context)
                default = field.default(blank) if field.default else False
                if not self._mes_equal(fname, values[fname], default, blank):
                    self._mes_guard_refuse(fname)

    def _mes_check_guarded_write(self, vals):
        if self._mes_guard_granted():
            return
        names = self._mes_guarded_names(vals)
        frozen = [f for f in vals if f in self._mes_frozen_fields]
        for record in self:
            for fname in names:
                if self._mes_guard_allows(fname):
                    continue
                if not self._mes_same_value(record, fname, vals[fname]):
                    self._mes_guard_refuse(fname, record)
            if frozen and record.state not in self._mes_editable_states:
                for fname in frozen:
                    if not self._mes_same_value(record, fname, vals[fname]):
                        self._mes_guard_refuse(fname, record)

    @api.model_create_multi
    def create(self, vals_list):
        self._mes_check_guarded_create(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._mes_check_guarded_write(vals)
        return super().write(vals)

    def unlink(self):
        if self._mes_guard_unlink and not self._mes_guard_granted():
            raise AccessError(
                self.env._(
                    "%(model)s %(records)s is removed by its document's actions "
                    "only: use %(how)s.",
                    model=self._description,
                    records=", ".join(self[:5].mapped("display_name")),
                    how=self._mes_guard_how(None),
                )
            )
        return super().unlink()
