from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

KINDS = [
    ("below_minimum", "Below Minimum"),
    ("above_maximum", "Above Maximum"),
    ("zero_stock", "Zero Stock"),
    ("slow_moving", "Slow Moving"),
    ("anomaly", "Anomaly"),
]
ANOMALY_TYPES = [
    ("negative_quant", "Negative Stock"),
    ("count_difference", "Count Difference"),
    ("purchase_price", "Purchase Price Increase"),
]
LEVELS = [("info", "Info"), ("warning", "Warning"), ("critical", "Critical")]
STATES = [
    ("open", "Open"),
    ("acknowledged", "Acknowledged"),
    ("resolved", "Resolved"),
]
# Kinds a buyer acts on; the others go to the stock responsible.
PURCHASE_KINDS = ("below_minimum", "zero_stock")
# Figures the job writes; compared to decide whether an alert changed.
FIGURES = (
    "level",
    "planning_group_id",
    "orderpoint_id",
    "purchase_line_id",
    "previous_purchase_line_id",
    "user_id",
    "qty_on_hand",
    "qty_min",
    "qty_max",
    "qty_incoming",
    "qty_demand",
    "qty_recent_out",
    "last_out_date",
    "days_idle",
    "value",
    "qty_counted",
    "qty_book",
    "difference_pct",
    "price_unit",
    "price_previous",
    "price_increase_pct",
    "threshold",
)
KEY_FIELDS = (
    "company_id",
    "product_id",
    "kind",
    "anomaly_type",
    "warehouse_id",
    "location_id",
)
OPEN_MOVE_STATES = ("confirmed", "waiting", "partially_available", "assigned")


class MesStockAlert(models.Model):
    """Something in stock a warehouse or a buyer should look at.

    One open alert per product (and warehouse or location, where it applies)
    and kind, written by the daily job ``_cron_compute_alerts``: it is
    created when the condition is first seen, its figures follow the
    condition at each run, and it is resolved by itself when the condition
    is gone. A user acknowledges it with a note (no more notification);
    a critical alert notifies its responsible once.
    """

    _name = "mes.stock.alert"
    _description = "Stock Alert"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "state_sequence, level_sequence desc, last_seen desc, id desc"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True
    )
    product_id = fields.Many2one(
        "product.product", required=True, index=True, readonly=True
    )
    product_tmpl_id = fields.Many2one(
        related="product_id.product_tmpl_id", string="Product Template"
    )
    categ_id = fields.Many2one(
        related="product_id.categ_id", string="Product Category", store=True
    )
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    warehouse_id = fields.Many2one(
        "stock.warehouse", index="btree_not_null", readonly=True
    )
    planning_group_id = fields.Many2one(
        "mes.mrp.planning.group",
        readonly=True,
        help="The pool whose on-hand the alert is about.",
    )
    location_id = fields.Many2one(
        "stock.location", index="btree_not_null", readonly=True
    )
    kind = fields.Selection(KINDS, required=True, index=True, readonly=True)
    anomaly_type = fields.Selection(ANOMALY_TYPES, readonly=True)
    level = fields.Selection(LEVELS, required=True, index=True, readonly=True)
    level_sequence = fields.Integer(compute="_compute_sequences", store=True)
    state = fields.Selection(
        STATES, required=True, default="open", index=True, readonly=True
    )
    state_sequence = fields.Integer(compute="_compute_sequences", store=True)
    message = fields.Text(compute="_compute_message")
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        readonly=True,
        help="Who is notified when the alert becomes critical: the product's "
        "responsible or the vendor's buyer, else the company's alert "
        "responsible (Inventory settings).",
    )
    first_seen = fields.Datetime(readonly=True)
    last_seen = fields.Datetime(readonly=True)
    resolved_date = fields.Datetime(string="Resolved On", readonly=True)
    acknowledged_by_id = fields.Many2one("res.users", readonly=True)
    acknowledged_date = fields.Datetime(string="Acknowledged On", readonly=True)
    note = fields.Text(string="Acknowledgement Note", readonly=True)
    notified_date = fields.Datetime(
        string="Notified On",
        readonly=True,
        help="When the responsible was notified that the alert is critical "
        "(once per alert).",
    )

    # The figures behind the alert (those of its kind are set).
    orderpoint_id = fields.Many2one(
        "stock.warehouse.orderpoint", string="Reordering Rule", readonly=True
    )
    purchase_line_id = fields.Many2one("purchase.order.line", readonly=True)
    previous_purchase_line_id = fields.Many2one("purchase.order.line", readonly=True)
    qty_on_hand = fields.Float(string="On Hand", digits="Product Unit", readonly=True)
    qty_min = fields.Float(string="Minimum", digits="Product Unit", readonly=True)
    qty_max = fields.Float(string="Maximum", digits="Product Unit", readonly=True)
    qty_incoming = fields.Float(string="Incoming", digits="Product Unit", readonly=True)
    qty_demand = fields.Float(
        string="Demand in Horizon", digits="Product Unit", readonly=True
    )
    qty_recent_out = fields.Float(
        string="Sold/Consumed Recently",
        digits="Product Unit",
        readonly=True,
        help="Quantity delivered to customers or consumed by production within "
        "the zero-stock look-back (90 days by default).",
    )
    last_out_date = fields.Datetime(string="Last Outgoing Move", readonly=True)
    days_idle = fields.Integer(
        string="Days Without Outgoing Move",
        readonly=True,
        help="Days since stock last left the pool (or, when it never did, since "
        "the oldest stock on hand arrived).",
    )
    value = fields.Monetary(
        string="Value Tied Up",
        readonly=True,
        help="On-hand quantity at the product's cost.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    qty_counted = fields.Float(string="Counted", digits="Product Unit", readonly=True)
    qty_book = fields.Float(string="In the Books", digits="Product Unit", readonly=True)
    difference_pct = fields.Float(
        string="Difference (%)",
        digits=(16, 2),
        readonly=True,
        help="|counted - book| / book; 100 % when the books hold nothing.",
    )
    price_unit = fields.Float(
        string="Purchase Price", digits="Product Price", readonly=True
    )
    price_previous = fields.Float(
        string="Previous Purchase Price", digits="Product Price", readonly=True
    )
    price_increase_pct = fields.Float(
        string="Price Increase (%)", digits=(16, 2), readonly=True
    )
    threshold = fields.Float(
        readonly=True,
        help="The threshold the figures crossed: days for slow-moving stock, a "
        "percentage for count and price anomalies.",
    )

    _one_open_alert = models.UniqueIndex(
        "(company_id, product_id, kind, COALESCE(anomaly_type, ''), "
        "COALESCE(warehouse_id, 0), COALESCE(location_id, 0)) "
        "WHERE state != 'resolved'",
        "A product has one open alert per kind and place.",
    )

    @api.depends("level", "state")
    def _compute_sequences(self):
        levels = {"info": 1, "warning": 2, "critical": 3}
        states = {"open": 1, "acknowledged": 2, "resolved": 3}
        for alert in self:
            alert.level_sequence = levels.get(alert.level, 0)
            alert.state_sequence = states.get(alert.state, 0)

    @api.depends("kind", "anomaly_type", "product_id", "warehouse_id", "location_id")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        anomalies = dict(self._fields["anomaly_type"]._description_selection(self.env))
        for alert in self:
            label = anomalies.get(alert.anomaly_type) or kinds.get(alert.kind, "")
            place = alert.location_id.display_name or alert.warehouse_id.name
            name = f"{label}: {alert.product_id.display_name}"
            alert.display_name = f"{name} ({place})" if place else name

    def _place_name(self):
        self.ensure_one()
        return (
            self.location_id.display_name
            or self.planning_group_id.name
            or self.warehouse_id.name
            or self.company_id.name
        )

    @api.depends(
        "kind", "anomaly_type", "product_id", "qty_on_hand", "qty_min", "qty_max"
    )
    @api.depends_context("lang")
    def _compute_message(self):
        for alert in self:
            alert.message = alert._message_text() if alert.product_id else False

    def _message_text(self):
        self.ensure_one()
        _ = self.env._
        uom = self.product_uom_id.name or ""
        product = self.product_id.display_name
        place = self._place_name()

        def qty(value):
            return f"{value:g} {uom}".strip()

        if self.kind == "below_minimum":
            return _(
                "%(product)s: %(qty)s on hand in %(place)s, below the minimum of "
                "%(min)s of its reordering rule (maximum %(max)s). Replenish it.",
                product=product,
                qty=qty(self.qty_on_hand),
                place=place,
                min=qty(self.qty_min),
                max=qty(self.qty_max),
            )
        if self.kind == "above_maximum":
            return _(
                "%(product)s: %(qty)s on hand in %(place)s, above the maximum of "
                "%(max)s of its reordering rule. Stop ordering or move stock "
                "elsewhere.",
                product=product,
                qty=qty(self.qty_on_hand),
                place=place,
                max=qty(self.qty_max),
            )
        if self.kind == "zero_stock":
            return _(
                "%(product)s: nothing on hand and nothing incoming in %(place)s, "
                "with %(demand)s of demand in the planning horizon and %(out)s "
                "sold or consumed recently. Order it now.",
                product=product,
                place=place,
                demand=qty(self.qty_demand),
                out=qty(self.qty_recent_out),
            )
        if self.kind == "slow_moving":
            return _(
                "%(product)s: %(qty)s in %(place)s (value %(value)s %(currency)s) "
                "without any outgoing move for %(days)s days. Sell, use or "
                "return it, and review what is bought.",
                product=product,
                qty=qty(self.qty_on_hand),
                place=place,
                value=f"{self.value:,.2f}",
                currency=self.currency_id.name or "",
                days=self.days_idle,
            )
        if self.anomaly_type == "negative_quant":
            return _(
                "%(product)s: negative stock of %(qty)s in %(place)s. Something "
                "left that was never booked in: count the location.",
                product=product,
                qty=qty(self.qty_on_hand),
                place=place,
            )
        if self.anomaly_type == "count_difference":
            return _(
                "%(product)s: counted %(counted)s in %(place)s against %(book)s in "
                "the books, a difference of %(pct)s %% (tolerance %(tol)s %%). "
                "Count again or find the cause before applying it.",
                product=product,
                counted=qty(self.qty_counted),
                book=qty(self.qty_book),
                place=place,
                pct=f"{self.difference_pct:.1f}",
                tol=f"{self.threshold:g}",
            )
        if self.anomaly_type == "purchase_price":
            return _(
                "%(product)s: bought at %(price)s %(currency)s on %(order)s, "
                "%(pct)s %% above the previous purchase price of %(previous)s "
                "%(currency)s (%(previous_order)s; tolerance %(tol)s %%). Check "
                "the price with the vendor.",
                product=product,
                price=f"{self.price_unit:,.2f}",
                previous=f"{self.price_previous:,.2f}",
                currency=self.currency_id.name or "",
                order=self.purchase_line_id.order_id.name or "",
                previous_order=self.previous_purchase_line_id.order_id.name or "",
                pct=f"{self.price_increase_pct:.1f}",
                tol=f"{self.threshold:g}",
            )
        return ""

    # ------------------------------------------------------------------
    # User actions
    # ------------------------------------------------------------------
    def _check_alert_user(self):
        user = self.env.user
        if not (
            user.has_group("stock.group_stock_user")
            or user.has_group("purchase.group_purchase_user")
        ):
            raise AccessError(
                self.env._(
                    "Only inventory and purchase users may work on stock alerts."
                )
            )

    def action_acknowledge(self, note=None):
        """Acknowledge open alerts with a note: they stay until their
        condition is gone but notify nobody any more.

        Without a note (the button), opens the dialog asking for one."""
        self._check_alert_user()
        self.check_access("read")
        if note is None:
            return {
                "type": "ir.actions.act_window",
                "name": self.env._("Acknowledge Alerts"),
                "res_model": "mes.stock.alert.acknowledge",
                "view_mode": "form",
                "target": "new",
                "context": {"default_alert_ids": [fields.Command.set(self.ids)]},
            }
        if not isinstance(note, str) or not note.strip():
            raise ValidationError(
                self.env._(
                    "Say why the alert is acknowledged (what is done about it): "
                    "the note is required."
                )
            )
        companies = self.env.companies
        for alert in self:
            if alert.company_id not in companies:
                raise AccessError(
                    self.env._(
                        "Alert %(alert)s belongs to %(company)s, which is not "
                        "selected.",
                        alert=alert.display_name,
                        company=alert.company_id.name,
                    )
                )
            if alert.state != "open":
                raise UserError(
                    self.env._(
                        "Alert %(alert)s is %(state)s: only open alerts are "
                        "acknowledged.",
                        alert=alert.display_name,
                        state=dict(STATES)[alert.state].lower(),
                    )
                )
        note = note.strip()
        # sudo: alerts are written by their actions only (no write access)
        alerts = self.sudo()
        alerts.write(
            {
                "state": "acknowledged",
                "acknowledged_by_id": self.env.user.id,
                "acknowledged_date": fields.Datetime.now(),
                "note": note,
            }
        )
        alerts.activity_ids.action_feedback(feedback=note)
        for alert in alerts:
            alert.message_post(
                body=self.env._(
                    "Acknowledged by %(user)s: %(note)s",
                    user=self.env.user.name,
                    note=note,
                ),
                author_id=self.env.user.partner_id.id,
            )
        return True

    def action_compute_alerts(self):
        """Compute the alerts of the selected companies now (the daily job
        does the same for every company)."""
        self._check_alert_user()
        self.sudo()._compute_stock_alerts(self.env.companies)
        return {"type": "ir.actions.client", "tag": "reload"}

    @api.model
    def _cron_compute_alerts(self):
        """Daily scheduled action: every company's alerts."""
        self.sudo()._compute_stock_alerts(self.env["res.company"].search([]))
        return True


class MesStockAlertAcknowledge(models.TransientModel):
    _name = "mes.stock.alert.acknowledge"
    _description = "Acknowledge Stock Alerts"

    alert_ids = fields.Many2many("mes.stock.alert", string="Alerts", required=True)
    note = fields.Text(
        required=True, help="What is done about it: saved on each alert."
    )

    def action_confirm(self):
        self.ensure_one()
        self.alert_ids.action_acknowledge(note=self.note or "")
        return {"type": "ir.actions.act_window_close"}
