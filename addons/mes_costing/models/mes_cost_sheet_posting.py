from collections import defaultdict

from odoo import fields, models
from odoo.addons.mes_inventory_mrp.models.mes_guarded_mixin import guarded_action
from odoo.exceptions import UserError

from .mes_cost_sheet import VARIANCES


class MesCostSheet(models.Model):
    _inherit = "mes.cost.sheet"

    def _mes_wip_account(self):
        self.ensure_one()
        mo = self.production_id
        location = mo.product_id.with_company(self.company_id).property_stock_production
        return (
            location.valuation_account_id
            or self.company_id.account_production_wip_account_id
        )

    def _mes_account(self, field):
        account = self.company_id[field]
        if not account and field == "mes_overhead_account_id":
            account = self.company_id.account_production_wip_overhead_account_id
        if not account:
            raise UserError(
                self.env._(
                    "Cost sheet %(sheet)s needs the account '%(field)s': set it in "
                    "the company's Manufacturing Costing settings.",
                    sheet=self.display_name,
                    field=self.company_id._fields[field].string,
                )
            )
        return account

    def _mes_posting_scale(self):
        """Share of the production still standing after unbuilds (1 = none)."""
        self.ensure_one()
        mo = self.production_id
        unbuilds = self.env["mrp.unbuild"].search(
            [("mo_id", "=", mo.id), ("state", "=", "done")]
        )
        unbuilt = sum(
            u.product_uom_id._compute_quantity(
                u.product_qty, mo.product_id.uom_id, round=False
            )
            for u in unbuilds
        )
        if not self.qty_produced:
            return 0.0
        return max(0.0, 1.0 - unbuilt / self.qty_produced)

    def _mes_host_amounts(self):
        """What the host already posted for this MO into WIP: component values,
        work-center time (mrp_account `_post_labour`) and finished goods."""
        self.ensure_one()
        mo = self.production_id
        raw = sum(
            m.value for m in mo.move_raw_ids if m.state == "done" and m.account_move_id
        )
        machine = -sum(mo.workorder_ids.time_ids.account_move_line_id.mapped("balance"))
        finished = sum(
            m.value
            for m in mo.move_finished_ids
            if m.state == "done" and m.product_id == mo.product_id and m.account_move_id
        )
        return raw, machine, finished

    def _mes_target_balances(self):
        """Balance per account (debit > 0) that this sheet's entries must hold
        so that the MO's WIP account is cleared."""
        self.ensure_one()
        round_ = self.currency_id.round
        raw, host_machine, finished = self._mes_host_amounts()
        targets = defaultdict(float)
        labels = {}

        def add(account, amount, label):
            targets[account] += amount
            labels.setdefault(account, f"{self.production_id.name} - {label}")

        add(
            self._mes_account("mes_labor_account_id"),
            -self.labor_actual,
            self.env._("Labor absorbed"),
        )
        add(
            self._mes_account("mes_overhead_account_id"),
            -self.overhead_actual,
            self.env._("Overhead absorbed"),
        )
        add(
            self._mes_account("mes_machine_account_id"),
            -(self.machine_actual - host_machine),
            self.env._("Machine time not posted by the work orders"),
        )
        add(
            self._mes_account("mes_material_account_id"),
            -(self.material_actual - raw),
            self.env._("Material at actual cost (lot purchase price, scrap)"),
        )
        residual = self.total_actual - finished
        if self.product_id.with_company(self.company_id).cost_method == "standard":
            for fname, account_field in VARIANCES:
                if self[fname]:
                    add(
                        self._mes_account(account_field),
                        self[fname],
                        self._fields[fname].string,
                    )
                    residual -= self[fname]
        if not self.currency_id.is_zero(residual):
            add(
                self._mes_account("mes_standard_difference_account_id"),
                residual,
                self.env._("Standard cost difference"),
            )
        wip = self._mes_wip_account()
        if not wip:
            raise UserError(
                self.env._(
                    "Cost sheet %(sheet)s: the production location has no valuation "
                    "account and the company no WIP account; set one of them.",
                    sheet=self.display_name,
                )
            )
        scale = self._mes_posting_scale()
        result = {}
        for account, amount in targets.items():
            result[account] = round_(amount * scale)
        result[wip] = result.get(wip, 0.0) - round_(
            sum(v for a, v in result.items() if a != wip)
        )
        labels.setdefault(
            wip, f"{self.production_id.name} - {self.env._('Work in progress')}"
        )
        return result, labels

    def _mes_can_post(self):
        self.ensure_one()
        product = self.product_id.with_company(self.company_id)
        return product.valuation == "real_time"

    @guarded_action
    def _mes_post(self):
        """Post the difference between the target balances and what the sheet's
        entries already hold; posts nothing when they agree (idempotent)."""
        for sheet in self:
            if not sheet._mes_can_post():
                continue
            targets, labels = sheet._mes_target_balances()
            posted = defaultdict(float)
            for line in sheet.move_ids.filtered(lambda m: m.state == "posted").line_ids:
                posted[line.account_id] += line.balance
            round_ = sheet.currency_id.round
            deltas = {
                account: round_(targets.get(account, 0.0) - posted.get(account, 0.0))
                for account in set(targets) | set(posted)
            }
            deltas = {
                a: v for a, v in deltas.items() if not sheet.currency_id.is_zero(v)
            }
            if not deltas:
                continue
            journal = sheet.company_id.account_stock_journal_id or (
                sheet.product_id.categ_id.with_company(
                    sheet.company_id
                ).property_stock_journal
            )
            if not journal:
                raise UserError(
                    self.env._(
                        "Cost sheet %(sheet)s: set a stock journal on the company.",
                        sheet=sheet.display_name,
                    )
                )
            ref = self.env._("%s - Manufacturing cost", sheet.production_id.name)
            # sudo: journal entries are created by the costing engine on behalf
            # of the cost accountant or at MO close (like mrp_account does)
            move = (
                self.env["account.move"]
                .sudo()
                .create(
                    {
                        "journal_id": journal.id,
                        "date": fields.Date.context_today(self),
                        "ref": ref,
                        "move_type": "entry",
                        "company_id": sheet.company_id.id,
                        "line_ids": [
                            fields.Command.create(
                                {
                                    "name": labels.get(a, ref),
                                    "account_id": a.id,
                                    "balance": v,
                                }
                            )
                            for a, v in sorted(deltas.items(), key=lambda kv: kv[0].id)
                        ],
                    }
                )
            )
            move._post()
            sheet.sudo().write(
                {
                    "move_ids": [fields.Command.link(move.id)],
                    "state": "posted" if sheet._mes_posting_scale() else "reversed",
                }
            )
        return True

    @guarded_action
    def _mes_reverse(self):
        """Reverse every cost entry of the sheets (MO fully unbuilt)."""
        for sheet in self:
            moves = sheet.move_ids.filtered(
                lambda m: m.state == "posted" and not m.reversal_move_ids
            )
            if moves:
                # sudo: reversal of entries the costing engine created
                reversals = moves.sudo()._reverse_moves(
                    [
                        {
                            "ref": self.env._(
                                "Reversal of %s (unbuilt)", move.ref or move.name
                            ),
                            "date": fields.Date.context_today(self),
                        }
                        for move in moves
                    ]
                )
                reversals._post()
                sheet.sudo().write(
                    {"move_ids": [fields.Command.link(m.id) for m in reversals]}
                )
            sheet.sudo().state = "reversed"
        return True
