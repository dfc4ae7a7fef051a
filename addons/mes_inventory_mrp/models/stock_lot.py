from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, split_every
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

QUALITY_STATES = [
    ("pending", "Pending"),
    ("released", "Released"),
    ("quarantine", "Quarantine"),
    ("rejected", "Rejected"),
]
INSPECTOR_GROUP = "mes_inventory_mrp.group_quality_inspector"
# lots quarantined or warned per transaction of the daily expiry job
MES_CRON_BATCH = 200


class StockLot(models.Model):
    _name = "stock.lot"
    _inherit = ["stock.lot", "mes.guarded.mixin"]
    # The quality state is changed by Quality Inspectors only: writing it is
    # their action (``write`` checks the group and logs who, why and when).
    _mes_guarded_fields = {
        "mes_quality_state": _lt("Release, Quarantine, Reject or Back to Inspection"),
        "mes_quality_reason": _lt("Release, Quarantine, Reject or Back to Inspection"),
        "mes_quality_user_id": _lt("Release, Quarantine, Reject or Back to Inspection"),
        "mes_quality_date": _lt("Release, Quarantine, Reject or Back to Inspection"),
    }

    mes_quality_state = fields.Selection(
        QUALITY_STATES,
        string="Quality State",
        index=True,
        copy=False,
        help="Only released lots are reserved, consumed, delivered and netted by "
        "the MRP. Quality inspectors change it; every change is logged below.",
    )
    mes_quality_reason = fields.Char(string="Quality Reason", readonly=True, copy=False)
    mes_quality_user_id = fields.Many2one(
        "res.users", string="Quality Changed By", readonly=True, copy=False
    )
    mes_quality_date = fields.Datetime(
        string="Quality Changed On", readonly=True, copy=False
    )
    mes_characteristic_ids = fields.One2many(
        "mes.lot.characteristic", "lot_id", string="Characteristics", copy=True
    )
    mes_expiry_warned_days = fields.Integer(
        string="Expiry Warning Sent (days)",
        copy=False,
        readonly=True,
        help="Smallest expiry warning threshold already raised for this lot "
        "(0: none yet). Each threshold is raised once.",
    )
    mes_expiring_soon = fields.Boolean(
        string="Expiring Soon",
        compute="_compute_mes_expiring_soon",
        search="_search_mes_expiring_soon",
    )

    # ------------------------------------------------------------------
    # Quality state
    # ------------------------------------------------------------------
    def _mes_is_inspector(self):
        return self.env.su or self.env.user.has_group(INSPECTOR_GROUP)

    def _mes_guard_allows(self, fname):
        return (
            fname
            in (
                "mes_quality_state",
                "mes_quality_reason",
            )
            and self._mes_is_inspector()
        )

    @api.model_create_multi
    def create(self, vals_list):
        products = self.env["product.product"].browse(
            [vals["product_id"] for vals in vals_list if vals.get("product_id")]
        )
        initial = {p.id: p.mes_lot_initial_state for p in products}
        inspector = self._mes_is_inspector()
        for vals in vals_list:
            default_state = initial.get(vals.get("product_id")) or "released"
            asked = vals.get("mes_quality_state")
            if asked and asked != default_state and not inspector:
                raise AccessError(
                    _(
                        "Only a Quality Inspector can create lot %(lot)s in quality "
                        "state %(state)s; leave the state empty to use the "
                        "product's initial state.",
                        lot=vals.get("name"),
                        state=dict(QUALITY_STATES)[asked],
                    )
                )
            vals["mes_quality_state"] = asked or default_state
        self._mes_check_guarded_create(
            [
                {k: v for k, v in vals.items() if k != "mes_quality_state"}
                for vals in vals_list
            ]
        )
        self._mes_refuse_visible_duplicates(
            [
                (
                    vals.get("product_id"),
                    vals.get("name"),
                    vals.get("product_id") and self._mes_new_lot_company(vals),
                )
                for vals in vals_list
            ]
        )
        # the initial state (or the one an inspector asked for) is ours to set
        with self._mes_guard_open():
            return super().create(vals_list)

    def write(self, vals):
        if {"name", "product_id", "company_id"} & set(vals):
            self._mes_refuse_visible_duplicates(
                [
                    (
                        vals.get("product_id", lot.product_id.id),
                        vals.get("name", lot.name),
                        vals.get("company_id", lot.company_id.id) or False,
                    )
                    for lot in self
                ]
            )
        if "expiration_date" in vals and "mes_expiry_warned_days" not in vals:
            # A new expiry date restarts the 30/15/7-day warnings.
            vals = dict(vals, mes_expiry_warned_days=0)
        new_state = vals.get("mes_quality_state")
        if not new_state:
            if "mes_quality_state" in vals:
                raise AccessError(_("A lot's quality state cannot be emptied."))
            return super().write(vals)
        if not self._mes_is_inspector():
            raise AccessError(
                _(
                    "Only a Quality Inspector can change the quality state of "
                    "lot(s) %(lots)s: ask one to do it.",
                    lots=", ".join(self.mapped("display_name")),
                )
            )
        changed = self.filtered(lambda lot: lot.mes_quality_state != new_state)
        old_states = {lot.id: lot.mes_quality_state for lot in changed}
        reason = (
            vals.get("mes_quality_reason")
            or self.env.context.get("mes_quality_reason")
            or _("no reason given")
        )
        now = fields.Datetime.now()
        vals = dict(
            vals,
            mes_quality_reason=reason,
            mes_quality_user_id=self.env.uid,
            mes_quality_date=now,
        )
        # Lots already in that state keep their last change untouched.
        with self._mes_guard_open():
            res = super(StockLot, changed).write(vals)
        other_vals = {k: v for k, v in vals.items() if not k.startswith("mes_quality_")}
        if other_vals and self - changed:
            super(StockLot, self - changed).write(other_vals)
        if changed:
            changed._mes_log_quality_change(old_states, new_state, reason, now)
            leaving = changed.filtered(lambda lot: old_states[lot.id] == "released")
            if new_state != "released" and leaving:
                leaving._mes_unreserve()
        return res

    def _mes_log_quality_change(self, old_states, new_state, reason, when):
        labels = dict(QUALITY_STATES)
        bodies = {}
        for lot in self:
            bodies[lot.id] = Markup(
                "<p>%s</p><ul><li>%s</li><li>%s</li><li>%s</li></ul>"
            ) % (
                _(
                    "Quality state: %(old)s → %(new)s",
                    old=labels.get(old_states.get(lot.id), _("none")),
                    new=labels[new_state],
                ),
                _("Reason: %(reason)s", reason=reason),
                _("By: %(user)s", user=self.env.user.name),
                _("On: %(date)s", date=fields.Datetime.to_string(when)),
            )
        self._message_log_batch(bodies)

    def _mes_unreserve(self):
        """Drop reservations of these lots that are not picked yet, then let the
        moves reserve other (released) lots."""
        lines = self.env["stock.move.line"].search(
            [
                ("lot_id", "in", self.ids),
                ("state", "not in", ("done", "cancel")),
                ("picked", "=", False),
                ("location_id.usage", "in", ("internal", "transit")),
            ]
        )
        if not lines:
            return
        moves = lines.move_id
        lines.unlink()
        moves.filtered(
            lambda m: m.state in ("confirmed", "partially_available")
        )._action_assign()

    def mes_set_quality_state(self, new_state, reason):
        """Change the quality state of the lots, logging ``reason``.

        Only Quality Inspectors may do it (AccessError otherwise).
        """
        return self.with_context(mes_quality_reason=reason).write(
            {"mes_quality_state": new_state}
        )

    def _mes_open_quality_wizard(self, new_state):
        return {
            "type": "ir.actions.act_window",
            "name": _("Change Lot Quality State"),
            "res_model": "mes.lot.quality.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_lot_ids": self.ids,
                "default_new_state": new_state,
            },
        }

    def action_mes_release(self):
        """Open the reason dialog to release the lots."""
        return self._mes_open_quality_wizard("released")

    def action_mes_quarantine(self):
        """Open the reason dialog to quarantine the lots."""
        return self._mes_open_quality_wizard("quarantine")

    def action_mes_reject(self):
        """Open the reason dialog to reject the lots."""
        return self._mes_open_quality_wizard("rejected")

    def action_mes_set_pending(self):
        """Open the reason dialog to send the lots back to inspection."""
        return self._mes_open_quality_wizard("pending")

    # ------------------------------------------------------------------
    # Expiry
    # ------------------------------------------------------------------
    @api.model
    def _mes_expiring_horizon(self):
        days = self.env.company._mes_expiry_warning_days()
        return days[0] if days else 0

    @api.depends("expiration_date", "mes_quality_state")
    def _compute_mes_expiring_soon(self):
        now = fields.Datetime.now()
        limit = now + timedelta(days=self._mes_expiring_horizon())
        for lot in self:
            lot.mes_expiring_soon = bool(
                lot.expiration_date
                and now < lot.expiration_date <= limit
                and lot.mes_quality_state != "rejected"
            )

    def _search_mes_expiring_soon(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        now = fields.Datetime.now()
        limit = now + timedelta(days=self._mes_expiring_horizon())
        domain = Domain(
            [
                ("expiration_date", ">", now),
                ("expiration_date", "<=", limit),
                ("mes_quality_state", "!=", "rejected"),
            ]
        )
        return domain if (operator == "=") == value else ~domain

    @api.model
    def _mes_cron_expiry_control(self):
        """Daily: quarantine expired lots and warn before expiry.

        Lots whose expiration date has come are quarantined with the reason
        "expired". Lots in stock get one activity for the stock manager at each
        company threshold (30, 15 and 7 days by default), each raised once.
        """
        now = fields.Datetime.now()
        # The scheduled action acts for the quality department: it may change
        # states whoever runs it.
        lots = self.sudo()
        expired = lots.search(
            [
                ("expiration_date", "<=", now),
                ("mes_quality_state", "in", ("pending", "released")),
            ]
        )
        # Small transactions when run as the scheduled job: quarantining
        # unreserves moves that Odoo's own scheduler may be assigning at the
        # same time. Each batch is final (a quarantined lot is not selected
        # again), so a job that stops half-way starts over where it stopped.
        for batch in split_every(MES_CRON_BATCH, expired.ids, expired.browse):
            batch.with_context(mes_quality_reason=_("expired")).write(
                {"mes_quality_state": "quarantine"}
            )
            self._mes_cron_commit(len(batch))
        horizon = max(
            [
                d
                # sudo: every company's thresholds, whichever companies the
                # user running the job may switch to.
                for c in self.env["res.company"].sudo().search([])
                for d in c._mes_expiry_warning_days()
            ]
            or [0]
        )
        if not horizon:
            return
        candidates = lots.search(
            [
                ("expiration_date", ">", now),
                ("expiration_date", "<=", now + timedelta(days=horizon)),
                ("mes_quality_state", "!=", "rejected"),
            ]
        )
        if not candidates:
            return
        # sudo: the stock of every company's lots, as the job acts for all.
        in_stock = {
            lot.id
            for lot, qty in self.env["stock.quant"]
            .sudo()
            ._read_group(
                [
                    ("lot_id", "in", candidates.ids),
                    ("location_id.usage", "=", "internal"),
                ],
                ["lot_id"],
                ["quantity:sum"],
            )
            if qty > 0
        }
        to_warn = defaultdict(lambda: lots.browse())  # sudo, as ``lots``
        for lot in candidates.filtered(lambda lot: lot.id in in_stock):
            company = lot.company_id or self.env.company
            days_left = (lot.expiration_date - now).total_seconds() / 86400.0
            reached = [d for d in company._mes_expiry_warning_days() if days_left <= d]
            if not reached:
                continue
            threshold = min(reached)
            if lot.mes_expiry_warned_days and lot.mes_expiry_warned_days <= threshold:
                continue
            to_warn[company, threshold] |= lot
        activity_type = self.env.ref(
            "mes_inventory_mrp.mail_activity_type_mes_expiry_warning"
        )
        for (company, threshold), warn_lots in to_warn.items():
            manager = self._mes_stock_manager(company)
            for lot in warn_lots:
                lot.activity_schedule(
                    activity_type_id=activity_type.id,
                    user_id=manager.id,
                    summary=_(
                        "Lot %(lot)s expires within %(days)s days",
                        lot=lot.name,
                        days=threshold,
                    ),
                    note=_(
                        "Lot %(lot)s of %(product)s expires on %(date)s.",
                        lot=lot.name,
                        product=lot.product_id.display_name,
                        date=fields.Datetime.to_string(lot.expiration_date),
                    ),
                )
            warn_lots.write({"mes_expiry_warned_days": threshold})
            self._mes_cron_commit(len(warn_lots))

    @api.model
    def _mes_cron_commit(self, processed):
        """Commit the work done so far when running as a scheduled job (a
        direct call, in a test or a script, stays in the caller's transaction)."""
        if self.env.context.get("ir_cron_progress_id"):
            self.env["ir.cron"]._commit_progress(processed)

    @api.model
    def _mes_stock_manager(self, company):
        group = self.env.ref("stock.group_stock_manager")
        # sudo: any user may need the manager to assign; users are not readable
        # by everyone.
        return self.env["res.users"].sudo().search(
            [
                ("all_group_ids", "in", group.id),
                ("company_ids", "in", company.id),
                ("share", "=", False),
            ],
            order="id",
            limit=1,
        ) or self.env.ref("base.user_admin")

    # ------------------------------------------------------------------
    # Uniqueness
    # ------------------------------------------------------------------
    # The host only checks uniqueness in Python (_check_unique_lot), after the
    # insert and in the transaction's snapshot: two transactions creating the
    # same serial at once both pass it. This index makes the database refuse
    # the second one.
    _mes_product_name_company_uniq = models.UniqueIndex(
        "(product_id, name, COALESCE(company_id, 0))",
        "This lot/serial number already exists for this product in this company.",
    )

    def _mes_refuse_visible_duplicates(self, keys):
        """Refuse, as the host does, a lot whose (product, name, company) exists.

        ``keys`` are the (product id, name, company id or False) the lots will
        have. The index below would refuse them first, as a database error
        logged as a bad query, before the host's own ``_check_unique_lot``
        (which runs after the insert) says it in the user's words: say it
        before. A duplicate this transaction cannot see yet (a concurrent
        one) is still refused by the index.
        """
        keys = [key for key in keys if key[0] and key[1]]
        if not keys:
            return
        # sudo: uniqueness spans the records the user may not read
        existing = (
            self.sudo()
            .with_context(active_test=False)
            .search_fetch(
                [
                    ("product_id", "in", list({key[0] for key in keys})),
                    ("name", "in", list({key[1] for key in keys})),
                    ("id", "not in", self.ids),
                ],
                ["product_id", "name", "company_id"],
            )
        )
        seen = {(lot.product_id.id, lot.name, lot.company_id.id) for lot in existing}
        duplicates = []
        for key in keys:
            if key in seen:
                duplicates.append(key)
            seen.add(key)
        if not duplicates:
            return
        products = self.env["product.product"].browse({key[0] for key in duplicates})
        # sudo: the duplicate may be another company's product.
        names = dict(products.sudo().mapped(lambda p: (p.id, p.display_name)))
        raise ValidationError(
            self.env._(
                "The combination of lot/serial number and product must be unique "
                "within a company including when no company is defined.\nThe "
                "following combinations contain duplicates:\n%(error_lines)s",
                error_lines="\n".join(
                    sorted(
                        {
                            self.env._(
                                " - Product: %(product)s, Lot/Serial Number: %(lot)s",
                                product=names[product],
                                lot=name,
                            )
                            for product, name, _company in duplicates
                        }
                    )
                ),
            )
        )

    def _mes_new_lot_company(self, vals):
        """The company a lot created from ``vals`` gets (the host's compute)."""
        if "company_id" in vals:
            return vals["company_id"] or False
        return self.new({"product_id": vals["product_id"]}).company_id.id or False

    # ------------------------------------------------------------------
    # Usable lots: the one rule for reservation, netting, kitting, the stock
    # view and shop-floor events
    # ------------------------------------------------------------------
    # A lot without a quality state (created before this module was installed)
    # counts as released, like stock without a lot.

    @api.model
    def _mes_usable_domain(self, path="lot_id", at=None, states=("released",)):
        """Domain on records with a lot field ``path`` (stock.quant,
        stock.move.line...): no lot, or a lot in one of the quality ``states``
        (released by default) and, when ``at`` (a datetime) is given, not expired
        at ``at``. ``path=None`` gives the domain on stock.lot itself.
        """
        prefix = f"{path}." if path else ""
        states = list(states)
        if "released" in states:
            states.append(False)
        domain = Domain(f"{prefix}mes_quality_state", "in", states)
        if at is not None:
            domain &= Domain(f"{prefix}expiration_date", "=", False) | Domain(
                f"{prefix}expiration_date", ">", at
            )
        return Domain(path, "=", False) | domain if path else domain

    @api.model
    def _mes_released_sql(self, alias):
        """SQL condition: the stock_lot row ``alias`` (LEFT JOINed: NULL when
        there is no lot) is released."""
        return SQL(
            "COALESCE(%s, 'released') = 'released'",
            SQL.identifier(alias, "mes_quality_state"),
        )

    @api.model
    def _mes_expired_sql(self, alias, at):
        """SQL condition: the stock_lot row ``alias`` has expired at ``at`` (a
        datetime, or an SQL expression such as ``NOW()`` in a view)."""
        return SQL(
            "%s <= %s",
            SQL.identifier(alias, "expiration_date"),
            at if isinstance(at, SQL) else SQL("%s", at),
        )

    @api.model
    def _mes_usable_sql(self, alias, at):
        """SQL condition: the stock_lot row ``alias`` is usable at ``at``
        (released and not expired; no lot is usable)."""
        return SQL(
            "(%s AND %s IS NOT TRUE)",
            self._mes_released_sql(alias),
            self._mes_expired_sql(alias, at),
        )

    def _mes_is_usable(self, at=None):
        """True when every lot of ``self`` is released and, when ``at`` is
        given, not expired at ``at`` (``_mes_usable_domain`` on records)."""
        return all(
            (lot.mes_quality_state or "released") == "released"
            and (at is None or not lot.expiration_date or lot.expiration_date > at)
            for lot in self
        )
