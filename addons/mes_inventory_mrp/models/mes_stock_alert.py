from collections import defaultdict
from datetime import datetime, time, timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, float_compare, float_is_zero
from odoo.tools.mail import plaintext2html

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
        string="Planning Group",
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
    acknowledged_by_id = fields.Many2one(
        "res.users", string="Acknowledged By", readonly=True
    )
    acknowledged_date = fields.Datetime(string="Acknowledged On", readonly=True)
    acknowledge_note = fields.Text(string="Acknowledgement Note", readonly=True)
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
    purchase_line_id = fields.Many2one(
        "purchase.order.line", string="Purchase Line", readonly=True
    )
    previous_purchase_line_id = fields.Many2one(
        "purchase.order.line", string="Previous Purchase Line", readonly=True
    )
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
                "acknowledge_note": note,
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

    # ------------------------------------------------------------------
    # The job: a fixed number of queries, whatever the number of products
    # ------------------------------------------------------------------
    @api.model
    def _compute_stock_alerts(self, companies):
        """Compute every alert of ``companies``: create what is new, update
        what changed, resolve what is gone, notify what became critical."""
        companies = companies.sudo()
        if not companies:
            return self.browse()
        self.env.flush_all()
        now = fields.Datetime.now()
        found = {}  # key -> vals
        pools = self._alert_pools(companies, now)
        self._alert_minmax_and_flows(companies, pools, now, found)
        self._alert_negative_quants(companies, found)
        self._alert_count_differences(companies, found)
        self._alert_purchase_prices(companies, found)
        return self._alert_write(companies, found, now)

    @api.model
    def _alert_key(self, vals):
        return (
            vals["company_id"],
            vals["product_id"],
            vals["kind"],
            vals.get("anomaly_type") or False,
            vals.get("warehouse_id") or False,
            vals.get("location_id") or False,
        )

    @api.model
    def _alert_add(self, found, vals):
        found[self._alert_key(vals)] = vals

    @api.model
    def _alert_pools(self, companies, now):
        """Stock pools: the nettable internal locations of each planning
        group's warehouses, or of a warehouse in no group.

        Returns a dict with ``locations`` (location id -> pool index) and
        ``pools`` (index -> company, planning group, warehouse, horizon end,
        look-back start)."""
        rows = self.env.execute_query(
            SQL(
                """
            SELECT l.id, l.company_id, l.warehouse_id,
                   (SELECT r.planning_group_id
                      FROM mes_mrp_planning_group_warehouse_rel r
                      JOIN mes_mrp_planning_group g ON g.id = r.planning_group_id
                     WHERE r.warehouse_id = l.warehouse_id AND g.active
                  ORDER BY g.sequence, g.id LIMIT 1)
              FROM stock_location l
             WHERE l.usage = 'internal'
               AND l.warehouse_id IS NOT NULL
               AND l.company_id = ANY(%(companies)s)
               AND NOT EXISTS (
                   SELECT 1 FROM stock_location x
                    WHERE x.usage = 'internal' AND x.mes_mrp_nettable = FALSE
                      AND l.parent_path LIKE x.parent_path || '%%')
            """,
                companies=companies.ids,
            )
        )
        group_ids = {row[3] for row in rows if row[3]}
        groups = {
            g["id"]: g
            for g in self.env["mes.mrp.planning.group"]
            .with_context(active_test=False)
            .search_read(
                [("id", "in", list(group_ids))],
                ["horizon_days", "warehouse_id", "warehouse_ids"],
            )
        }
        company_by_id = {c.id: c for c in companies}
        index = {}
        pools = []
        locations = {}
        warehouse_pool = {}
        today_end = datetime.combine(now.date(), time.max)

        def pool_for(company_id, warehouse_id, group_id):
            key = ("g", group_id) if group_id else ("w", warehouse_id)
            if key not in index:
                company = company_by_id[company_id]
                group = groups.get(group_id)
                if group:
                    main = (group["warehouse_id"] or [False])[0] or min(
                        group["warehouse_ids"] or [warehouse_id]
                    )
                    horizon = group["horizon_days"] or 90
                else:
                    main, horizon = warehouse_id, 90
                index[key] = len(pools)
                pools.append(
                    {
                        "company_id": company_id,
                        "planning_group_id": group_id or False,
                        "warehouse_id": main,
                        "until": today_end + timedelta(days=horizon),
                        "since": now - timedelta(days=company.mes_alert_zero_days),
                    }
                )
            return index[key]

        for location_id, company_id, warehouse_id, group_id in rows:
            pool = pool_for(company_id, warehouse_id, group_id)
            locations[location_id] = pool
            warehouse_pool[warehouse_id] = pool
        return {
            "locations": locations,
            "pools": pools,
            "warehouse_pool": warehouse_pool,
            "pool_for": pool_for,
        }

    @api.model
    def _alert_minmax_and_flows(self, companies, pools, now, found):
        """Below minimum, above maximum, zero stock and slow moving: the
        pool's on-hand against its reordering rules and its flows."""
        locations = pools["locations"]
        loc_ids = list(locations)
        loc_pools = [locations[loc] for loc in loc_ids]
        pool_cte = SQL(
            "SELECT * FROM unnest(%s::int[], %s::int[]) AS t(location_id, pool)",
            loc_ids,
            loc_pools,
        )
        lot_fields = self.env["stock.lot"]._fields
        released = (
            SQL("COALESCE(lot.mes_quality_state, 'released') = 'released'")
            if "mes_quality_state" in lot_fields
            else SQL("TRUE")
        )
        # on-hand per product and pool: usable (released) and all of it
        stock = defaultdict(lambda: [0.0, 0.0, None])
        for product_id, pool, usable, total, oldest in self.env.execute_query(
            SQL(
                """
            WITH pl AS (%(pool_cte)s)
            SELECT q.product_id, pl.pool,
                   COALESCE(SUM(q.quantity) FILTER (WHERE %(released)s), 0),
                   SUM(q.quantity),
                   MIN(q.in_date) FILTER (WHERE q.quantity > 0)
              FROM stock_quant q
              JOIN pl ON pl.location_id = q.location_id
              JOIN product_product pp ON pp.id = q.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
              LEFT JOIN stock_lot lot ON lot.id = q.lot_id
             WHERE pt.is_storable AND pp.active
          GROUP BY q.product_id, pl.pool
            """,
                pool_cte=pool_cte,
                released=released,
            )
        ):
            stock[product_id, pool] = [usable, total, oldest]

        pool_ids = list(range(len(pools["pools"])))
        windows = SQL(
            "SELECT * FROM unnest(%s::int[], %s::timestamp[], %s::timestamp[]) "
            "AS t(pool, since, until)",
            pool_ids,
            [p["since"] for p in pools["pools"]],
            [p["until"] for p in pools["pools"]],
        )
        # what leaves each pool: open demand in the horizon, recent sales and
        # consumption, the last outgoing move
        flows = defaultdict(lambda: [0.0, 0.0, None, 0.0])
        for product_id, pool, demand, recent, last_out in self.env.execute_query(
            SQL(
                """
            WITH pl AS (%(pool_cte)s), w AS (%(windows)s)
            SELECT m.product_id, src.pool,
                   COALESCE(SUM(m.product_qty) FILTER (
                       WHERE m.state IN %(open)s AND m.date <= w.until), 0),
                   COALESCE(SUM(m.product_qty) FILTER (
                       WHERE m.state = 'done' AND m.date >= w.since
                         AND dest.usage IN ('customer', 'production')), 0),
                   MAX(m.date) FILTER (
                       WHERE m.state = 'done' AND dest.usage IN
                             ('customer', 'production', 'internal', 'transit'))
              FROM stock_move m
              JOIN pl src ON src.location_id = m.location_id
              JOIN w ON w.pool = src.pool
              JOIN stock_location dest ON dest.id = m.location_dest_id
              LEFT JOIN pl dst ON dst.location_id = m.location_dest_id
              JOIN product_product pp ON pp.id = m.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE pt.is_storable AND pp.active
               AND m.state IN %(states)s
               AND (dst.pool IS NULL OR dst.pool != src.pool)
          GROUP BY m.product_id, src.pool
            """,
                pool_cte=pool_cte,
                windows=windows,
                open=OPEN_MOVE_STATES,
                states=(*OPEN_MOVE_STATES, "done"),
            )
        ):
            flows[product_id, pool][:3] = [demand, recent, last_out]
        for product_id, pool, incoming in self.env.execute_query(
            SQL(
                """
            WITH pl AS (%(pool_cte)s)
            SELECT m.product_id, dst.pool, SUM(m.product_qty)
              FROM stock_move m
              JOIN pl dst ON dst.location_id = m.location_dest_id
              LEFT JOIN pl src ON src.location_id = m.location_id
              JOIN product_product pp ON pp.id = m.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE pt.is_storable AND pp.active
               AND m.state IN %(open)s
               AND (src.pool IS NULL OR src.pool != dst.pool)
          GROUP BY m.product_id, dst.pool
            """,
                pool_cte=pool_cte,
                open=OPEN_MOVE_STATES,
            )
        ):
            flows[product_id, pool][3] = incoming
        # forecasts of planning groups are demand too
        group_pool = {
            p["planning_group_id"]: i
            for i, p in enumerate(pools["pools"])
            if p["planning_group_id"]
        }
        if group_pool:
            for product_id, group_id, qty in self.env.execute_query(
                SQL(
                    """
                SELECT f.product_id, f.planning_group_id, SUM(f.product_qty)
                  FROM mes_mrp_forecast f
                  JOIN mes_mrp_planning_group g ON g.id = f.planning_group_id
                 WHERE f.planning_group_id = ANY(%(groups)s)
                   AND f.product_qty > 0
                   AND f.date >= %(today)s
                   AND f.date <= %(today)s::date + g.horizon_days
              GROUP BY f.product_id, f.planning_group_id
                """,
                    groups=list(group_pool),
                    today=now.date(),
                )
            ):
                flows[product_id, group_pool[group_id]][0] += qty

        # reordering rules: min and max of the pool's rules, summed
        rules = {}
        for (
            op_id,
            product_id,
            warehouse_id,
            company_id,
            qmin,
            qmax,
        ) in self.env.execute_query(
            SQL(
                """
            SELECT op.id, op.product_id, op.warehouse_id, op.company_id,
                   op.product_min_qty, op.product_max_qty
              FROM stock_warehouse_orderpoint op
              JOIN product_product pp ON pp.id = op.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE op.active AND op.company_id = ANY(%(companies)s)
               AND pt.is_storable AND pp.active
          ORDER BY op.id
                """,
                companies=companies.ids,
            )
        ):
            pool = pools["warehouse_pool"].get(warehouse_id)
            if pool is None:
                pool = pools["pool_for"](company_id, warehouse_id, None)
            rule = rules.setdefault(
                (product_id, pool),
                {"ids": [], "warehouses": set(), "min": 0.0, "max": 0.0},
            )
            rule["ids"].append(op_id)
            rule["warehouses"].add(warehouse_id)
            rule["min"] += qmin
            rule["max"] += qmax

        prec = self.env["decimal.precision"].precision_get("Product Unit")
        pool_list = pools["pools"]

        def base(product_id, pool, kind, level):
            info = pool_list[pool]
            return {
                "company_id": info["company_id"],
                "product_id": product_id,
                "warehouse_id": info["warehouse_id"],
                "planning_group_id": info["planning_group_id"],
                "kind": kind,
                "level": level,
            }

        for (product_id, pool), rule in rules.items():
            usable = stock[product_id, pool][0] if (product_id, pool) in stock else 0.0
            vals_common = {
                "orderpoint_id": rule["ids"][0],
                "qty_on_hand": usable,
                "qty_min": rule["min"],
                "qty_max": rule["max"],
            }
            if (
                float_compare(rule["min"], 0, precision_digits=prec) > 0
                and float_compare(usable, rule["min"], precision_digits=prec) < 0
            ):
                vals = base(product_id, pool, "below_minimum", "warning")
                vals.update(vals_common)
                if len(rule["warehouses"]) == 1:
                    vals["warehouse_id"] = next(iter(rule["warehouses"]))
                self._alert_add(found, vals)
            if (
                float_compare(rule["max"], 0, precision_digits=prec) > 0
                and float_compare(usable, rule["max"], precision_digits=prec) > 0
            ):
                vals = base(product_id, pool, "above_maximum", "info")
                vals.update(vals_common)
                if len(rule["warehouses"]) == 1:
                    vals["warehouse_id"] = next(iter(rule["warehouses"]))
                self._alert_add(found, vals)

        # zero stock: no usable stock, nothing incoming, and demand or use
        for (product_id, pool), (demand, recent, _last, incoming) in flows.items():
            usable = stock[product_id, pool][0] if (product_id, pool) in stock else 0.0
            if float_compare(usable, 0, precision_digits=prec) > 0:
                continue
            if float_compare(incoming, 0, precision_digits=prec) > 0:
                continue
            if float_is_zero(demand, precision_digits=prec) and float_is_zero(
                recent, precision_digits=prec
            ):
                continue
            vals = base(product_id, pool, "zero_stock", "critical")
            vals.update(
                {
                    "qty_on_hand": usable,
                    "qty_incoming": incoming,
                    "qty_demand": demand,
                    "qty_recent_out": recent,
                }
            )
            self._alert_add(found, vals)

        # slow moving: stock on hand, nothing out for the thresholds' days
        slow = [
            (product_id, pool, total, oldest)
            for (product_id, pool), (_usable, total, oldest) in stock.items()
            if float_compare(total, 0, precision_digits=prec) > 0
        ]
        products = self.env["product.product"].browse({row[0] for row in slow})
        company_by_id = {c.id: c for c in companies}
        prices = {}
        for company in {company_by_id[pool_list[row[1]]["company_id"]] for row in slow}:
            for product in products.with_company(company):
                prices[company.id, product.id] = product.standard_price
        for product_id, pool, total, oldest in slow:
            info = pool_list[pool]
            company = company_by_id[info["company_id"]]
            last_out = (
                flows[product_id, pool][2] if (product_id, pool) in flows else None
            )
            since = last_out or oldest
            if not since:
                continue
            days = (now - since).days
            thresholds = company._mes_slow_moving_days()
            reached = [t for t in thresholds if days >= t]
            if not reached:
                continue
            level = ("info", "warning", "critical")[len(reached) - 1]
            vals = base(product_id, pool, "slow_moving", level)
            vals.update(
                {
                    "qty_on_hand": total,
                    "last_out_date": last_out or False,
                    "days_idle": days,
                    "threshold": reached[-1],
                    "value": company.currency_id.round(
                        total * prices.get((company.id, product_id), 0.0)
                    ),
                }
            )
            self._alert_add(found, vals)

    @api.model
    def _alert_negative_quants(self, companies, found):
        for (
            product_id,
            location_id,
            company_id,
            warehouse_id,
            qty,
        ) in self.env.execute_query(
            SQL(
                """
            SELECT q.product_id, q.location_id, l.company_id, l.warehouse_id,
                   SUM(q.quantity)
              FROM stock_quant q
              JOIN stock_location l ON l.id = q.location_id
              JOIN product_product pp ON pp.id = q.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE l.usage = 'internal' AND l.company_id = ANY(%(companies)s)
               AND q.quantity < 0 AND pt.is_storable AND pp.active
          GROUP BY q.product_id, q.location_id, l.company_id, l.warehouse_id
                """,
                companies=companies.ids,
            )
        ):
            self._alert_add(
                found,
                {
                    "company_id": company_id,
                    "product_id": product_id,
                    "warehouse_id": warehouse_id or False,
                    "location_id": location_id,
                    "kind": "anomaly",
                    "anomaly_type": "negative_quant",
                    "level": "critical",
                    "qty_on_hand": qty,
                },
            )

    @api.model
    def _alert_count_differences(self, companies, found):
        """Counts not yet applied (physical counts to reconcile, and Odoo's
        own counted quantities) against the books of their location."""
        rows = self.env.execute_query(
            SQL(
                """
            WITH latest AS (
                SELECT DISTINCT ON (c.product_id, c.location_id, c.lot_id)
                       c.product_id, c.location_id, c.lot_id, c.quantity
                  FROM mes_stock_count c
                 WHERE c.state = 'pending' AND c.company_id = ANY(%(companies)s)
              ORDER BY c.product_id, c.location_id, c.lot_id,
                       c.counted_at DESC, c.id DESC
            ), ours AS (
                SELECT c.product_id, c.location_id, SUM(c.quantity) AS counted,
                       SUM(COALESCE((
                           SELECT SUM(q.quantity) FROM stock_quant q
                            WHERE q.product_id = c.product_id
                              AND q.location_id = c.location_id
                              AND q.lot_id IS NOT DISTINCT FROM c.lot_id), 0))
                           AS book
                  FROM latest c
              GROUP BY c.product_id, c.location_id
            ), odoo AS (
                SELECT q.product_id, q.location_id,
                       SUM(q.inventory_quantity) AS counted,
                       SUM(q.quantity) AS book
                  FROM stock_quant q
                  JOIN stock_location l ON l.id = q.location_id
                 WHERE q.inventory_quantity_set
                   AND l.company_id = ANY(%(companies)s)
              GROUP BY q.product_id, q.location_id
            )
            SELECT x.product_id, x.location_id, l.company_id, l.warehouse_id,
                   x.counted, x.book
              FROM (SELECT * FROM ours
                    UNION ALL
                    SELECT * FROM odoo o WHERE NOT EXISTS (
                        SELECT 1 FROM ours
                         WHERE ours.product_id = o.product_id
                           AND ours.location_id = o.location_id)) x
              JOIN stock_location l ON l.id = x.location_id
              JOIN product_product pp ON pp.id = x.product_id
             WHERE pp.active
            """,
                companies=companies.ids,
            )
        )
        company_by_id = {c.id: c for c in companies}
        prec = self.env["decimal.precision"].precision_get("Product Unit")
        for product_id, location_id, company_id, warehouse_id, counted, book in rows:
            company = company_by_id.get(company_id)
            if not company:
                continue
            difference = abs(counted - book)
            if float_is_zero(difference, precision_digits=prec):
                continue
            if float_is_zero(book, precision_digits=prec):
                pct = 100.0
            else:
                pct = difference / abs(book) * 100.0
            tolerance = company.mes_alert_count_tolerance
            if float_compare(pct, tolerance, precision_digits=6) <= 0:
                continue
            self._alert_add(
                found,
                {
                    "company_id": company_id,
                    "product_id": product_id,
                    "warehouse_id": warehouse_id or False,
                    "location_id": location_id,
                    "kind": "anomaly",
                    "anomaly_type": "count_difference",
                    "level": "warning",
                    "qty_counted": counted,
                    "qty_book": book,
                    "difference_pct": round(pct, 2),
                    "threshold": tolerance,
                },
            )

    @api.model
    def _alert_purchase_prices(self, companies, found):
        """The last confirmed purchase price of each product against the one
        before it (per product unit, after discount, in company currency)."""
        rows = self.env.execute_query(
            SQL(
                """
            SELECT id, product_id, company_id, rn FROM (
                SELECT l.id, l.product_id, o.company_id,
                       ROW_NUMBER() OVER (
                           PARTITION BY o.company_id, l.product_id
                           ORDER BY COALESCE(o.date_approve, o.date_order) DESC,
                                    l.id DESC) AS rn
                  FROM purchase_order_line l
                  JOIN purchase_order o ON o.id = l.order_id
                  JOIN product_product pp ON pp.id = l.product_id
                 WHERE o.state = 'purchase'
                   AND o.company_id = ANY(%(companies)s)
                   AND l.display_type IS NULL
                   AND NOT COALESCE(l.is_downpayment, FALSE)
                   AND l.product_qty > 0 AND l.price_unit > 0
                   AND pp.active
            ) s WHERE rn <= 2
            """,
                companies=companies.ids,
            )
        )
        pairs = defaultdict(dict)
        for line_id, product_id, company_id, rn in rows:
            pairs[company_id, product_id][rn] = line_id
        pairs = {key: lines for key, lines in pairs.items() if len(lines) == 2}
        if not pairs:
            return
        Line = self.env["purchase.order.line"].sudo()
        lines = Line.browse([lid for pair in pairs.values() for lid in pair.values()])
        lines.fetch(
            ["price_unit", "discount", "product_uom_id", "product_id", "order_id"]
        )
        lines.order_id.fetch(["currency_rate", "name", "user_id", "picking_type_id"])
        company_by_id = {c.id: c for c in companies}

        def company_price(line):
            price = line.price_unit * (1 - (line.discount or 0.0) / 100.0)
            price = line.product_uom_id._compute_price(price, line.product_id.uom_id)
            rate = line.order_id.currency_rate or 1.0
            return price / rate

        for (company_id, product_id), pair in pairs.items():
            company = company_by_id[company_id]
            last, previous = Line.browse(pair[1]), Line.browse(pair[2])
            price, before = company_price(last), company_price(previous)
            if before <= 0:
                continue
            pct = (price - before) / before * 100.0
            tolerance = company.mes_alert_price_tolerance
            if float_compare(pct, tolerance, precision_digits=6) <= 0:
                continue
            self._alert_add(
                found,
                {
                    "company_id": company_id,
                    "product_id": product_id,
                    "kind": "anomaly",
                    "anomaly_type": "purchase_price",
                    "level": "warning",
                    "purchase_line_id": last.id,
                    "previous_purchase_line_id": previous.id,
                    "price_unit": company.currency_id.round(price),
                    "price_previous": company.currency_id.round(before),
                    "price_increase_pct": round(pct, 2),
                    "threshold": tolerance,
                    "user_id": last.order_id.user_id.id or False,
                },
            )

    @api.model
    def _alert_responsibles(self, found, companies):
        """Who each alert notifies: the buyer for purchase kinds (the order's
        or the main vendor's), the product's responsible for the others, else
        the company's alert responsible."""
        company_by_id = {c.id: c for c in companies}
        products = self.env["product.product"].browse(
            {vals["product_id"] for vals in found.values()}
        )
        by_company = defaultdict(list)
        for vals in found.values():
            by_company[vals["company_id"]].append(vals)

        # the main vendor of each product for a company (Odoo's vendor order)
        def is_buying(vals):
            return (
                vals["kind"] in PURCHASE_KINDS
                or vals.get("anomaly_type") == "purchase_price"
            )

        buying_ids = {v["product_id"] for v in found.values() if is_buying(v)}
        buyers = {}
        if buying_ids:
            sellers = (
                self.env["product.supplierinfo"]
                .sudo()
                .search(
                    [
                        (
                            "product_tmpl_id",
                            "in",
                            products.browse(buying_ids).product_tmpl_id.ids,
                        ),
                        ("partner_id.buyer_id", "!=", False),
                    ]
                )
            )
            for seller in sellers:
                for company_id in companies.ids:
                    if seller.company_id and seller.company_id.id != company_id:
                        continue
                    variants = (
                        seller.product_id or seller.product_tmpl_id.product_variant_ids
                    )
                    for product in variants:
                        buyers.setdefault(
                            (company_id, product.id), seller.partner_id.buyer_id.id
                        )
        for company_id, vals_list in by_company.items():
            company = company_by_id[company_id]
            in_company = products.with_company(company)
            in_company.mapped("responsible_id")  # prefetch the company's values
            for vals in vals_list:
                if vals.get("user_id"):
                    continue
                product = in_company.browse(vals["product_id"])
                user = False
                if is_buying(vals):
                    user = buyers.get((company_id, product.id))
                    user = user or company.mes_alert_purchase_user_id.id
                user = (
                    user
                    or product.responsible_id.id
                    or company.mes_alert_stock_user_id.id
                    or company.mes_alert_purchase_user_id.id
                )
                vals["user_id"] = user or False

    @api.model
    def _alert_write(self, companies, found, now):
        """Apply the alerts found to those still open: one INSERT of the new
        ones, one UPDATE of those whose figures changed, one of those seen
        again, one resolving those gone; then notify what became critical.
        Plain SQL over arrays: the ORM writes in batches of 100 rows, so its
        query count would grow with the products."""
        self._alert_responsibles(found, companies)
        self.env.flush_all()
        columns = ["id", "state", "notified_date", *KEY_FIELDS, *FIGURES]
        existing = {}
        for row in self.env.execute_query(
            SQL(
                "SELECT %s FROM mes_stock_alert "
                "WHERE company_id = ANY(%s) AND state != 'resolved'",
                SQL(", ").join(SQL.identifier(c) for c in columns),
                companies.ids,
            )
        ):
            alert = dict(zip(columns, row, strict=True))
            existing[self._alert_key(alert)] = alert
        to_create, changed, seen_ids = [], [], []
        for key, vals in found.items():
            alert = existing.pop(key, None)
            if alert is None:
                to_create.append(vals)
                continue
            seen_ids.append(alert["id"])
            if any(
                not self._same_figure(name, vals.get(name), alert[name])
                for name in FIGURES
            ):
                changed.append(dict(vals, id=alert["id"]))
            vals["id"] = alert["id"]
            vals["state"] = alert["state"]
            vals["notified_date"] = alert["notified_date"]
        uid = self.env.uid
        if to_create:
            created = {
                self._alert_key(dict(zip(("id", *KEY_FIELDS), row, strict=True))): row[
                    0
                ]
                for row in self.env.execute_query(
                    SQL(
                        """
                INSERT INTO mes_stock_alert (
                    %(columns)s, categ_id, state, state_sequence, level_sequence,
                    first_seen, last_seen, create_uid, create_date, write_uid,
                    write_date)
                SELECT %(names)s, pt.categ_id, 'open', 1,
                       CASE u.level WHEN 'critical' THEN 3
                                    WHEN 'warning' THEN 2 ELSE 1 END,
                       %(now)s, %(now)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM (%(rows)s) u
                  JOIN product_product pp ON pp.id = u.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
             RETURNING id, %(keys)s
                        """,
                        keys=SQL(", ").join(SQL.identifier(c) for c in KEY_FIELDS),
                        columns=SQL(", ").join(
                            SQL.identifier(c) for c in (*KEY_FIELDS, *FIGURES)
                        ),
                        names=SQL(", ").join(
                            SQL.identifier("u", c) for c in (*KEY_FIELDS, *FIGURES)
                        ),
                        rows=self._unnest(to_create, (*KEY_FIELDS, *FIGURES)),
                        now=now,
                        uid=uid,
                    )
                )
            }
            for vals in to_create:
                vals.update(
                    id=created[self._alert_key(vals)], state="open", notified_date=None
                )
        if changed:
            self.env.execute_query(
                SQL(
                    """
                UPDATE mes_stock_alert a
                   SET %(sets)s,
                       level_sequence = CASE u.level WHEN 'critical' THEN 3
                                        WHEN 'warning' THEN 2 ELSE 1 END,
                       write_uid = %(uid)s, write_date = %(now)s
                  FROM (%(rows)s) u
                 WHERE a.id = u.id
                    """,
                    sets=SQL(", ").join(
                        SQL("%s = %s", SQL.identifier(c), SQL.identifier("u", c))
                        for c in FIGURES
                    ),
                    rows=self._unnest(changed, ("id", *FIGURES)),
                    uid=uid,
                    now=now,
                )
            )
        if seen_ids:
            self.env.execute_query(
                SQL(
                    "UPDATE mes_stock_alert SET last_seen = %s WHERE id = ANY(%s)",
                    now,
                    seen_ids,
                )
            )
        gone_ids = [alert["id"] for alert in existing.values()]
        if gone_ids:
            self.env.execute_query(
                SQL(
                    """
                UPDATE mes_stock_alert
                   SET state = 'resolved', state_sequence = 3, resolved_date = %s,
                       write_uid = %s, write_date = %s
                 WHERE id = ANY(%s)
                    """,
                    now,
                    uid,
                    now,
                    gone_ids,
                )
            )
        self.invalidate_model()
        self._notify_critical(
            [
                vals
                for vals in found.values()
                if vals["level"] == "critical"
                and vals["state"] == "open"
                and not vals["notified_date"]
            ],
            companies,
            now,
        )
        return self.browse([vals["id"] for vals in found.values()])

    @api.model
    def _unnest(self, rows, columns):
        """SELECT * FROM unnest(<one typed array per column>) AS u(columns)."""
        types = {
            "id": "int4",
            "kind": "varchar",
            "anomaly_type": "varchar",
            "level": "varchar",
        }
        arrays = []
        for column in columns:
            field = self._fields[column]
            sql_type = types.get(column) or {
                "many2one": "int4",
                "integer": "int4",
                "float": "numeric",
                "monetary": "numeric",
                "datetime": "timestamp",
            }.get(field.type, "varchar")
            values = [row.get(column) for row in rows]
            if sql_type == "int4":
                values = [v or None for v in values]
            else:
                values = [None if v is False else v for v in values]
            arrays.append(SQL("%s::%s[]", values, SQL(sql_type)))
        return SQL(
            "SELECT * FROM unnest(%s) AS u(%s)",
            SQL(", ").join(arrays),
            SQL(", ").join(SQL.identifier(c) for c in columns),
        )

    @api.model
    def _same_figure(self, name, new, old):
        field = self._fields[name]
        if field.type in ("float", "monetary"):
            digits = field.get_digits(self.env) if field.type == "float" else (16, 2)
            return not float_compare(
                new or 0.0, old or 0.0, precision_digits=(digits or (16, 6))[1]
            )
        if field.type in ("many2one", "integer"):
            return (new or 0) == (old or 0)
        return (new or False) == (old or False)

    @api.model
    def _notify_critical(self, found, companies, now):
        """Notify the responsible of each open critical alert not notified
        yet, once: an activity on the alert (one INSERT for all), or one
        email per responsible listing them (company setting)."""
        if not found:
            return
        company_by_id = {c.id: c for c in companies}
        alerts = self.browse([vals["id"] for vals in found])
        activity_type = self.env.ref(
            "mes_inventory_mrp.mail_activity_type_mes_stock_alert",
            raise_if_not_found=False,
        )
        users = self.env["res.users"].browse({v["user_id"] for v in found} - {False})
        users.fetch(["partner_id", "email", "tz"])
        activities, mails, notified = [], defaultdict(list), []
        today = fields.Date.context_today(self)
        for vals, alert in zip(found, alerts, strict=True):
            company = company_by_id[vals["company_id"]]
            mode = company.mes_alert_notify
            user = users.browse(vals["user_id"]) if vals["user_id"] else users.browse()
            if mode != "none" and not user:
                continue  # notified once somebody is responsible
            notified.append(alert.id)
            if mode == "none":
                continue
            if mode == "email" and user.email:
                mails[company, user].append(alert)
                continue
            activities.append(
                {
                    "res_id": alert.id,
                    "res_name": alert.display_name,
                    "user_id": user.id,
                    "partner_id": user.partner_id.id,
                    "user_tz": user.tz or None,
                    "summary": self.env._(
                        "Critical stock alert: %s", alert.display_name
                    ),
                    "note": str(plaintext2html(alert._message_text())),
                }
            )
        if activities:
            self._insert_activities(activities, activity_type, today, now)
        if mails:
            self.env["mail.mail"].sudo().create(
                [
                    self._digest_mail(company, user, mail_alerts)
                    for (company, user), mail_alerts in mails.items()
                ]
            )
        if notified:
            self.env.execute_query(
                SQL(
                    "UPDATE mes_stock_alert SET notified_date = %s WHERE id = ANY(%s)",
                    now,
                    notified,
                )
            )
            self.invalidate_model(["notified_date"])

    @api.model
    def _insert_activities(self, activities, activity_type, today, now):
        """One activity per alert for its responsible, who follows the alert;
        in two statements whatever their number (the activities of a
        scheduled job: nobody is waiting for a notification in the
        browser)."""
        model_id = self.env["ir.model"]._get_id(self._name)
        uid = self.env.uid
        self.env.execute_query(
            SQL(
                """
            INSERT INTO mail_activity (
                res_model_id, res_model, res_id, res_name, activity_type_id,
                user_id, user_tz, summary, note, date_deadline, automated, active,
                create_uid, create_date, write_uid, write_date)
            SELECT %(model_id)s, %(model)s, u.res_id, u.res_name, %(type)s,
                   u.user_id, u.user_tz, u.summary, u.note, %(today)s, TRUE, TRUE,
                   %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM unnest(%(res_ids)s::int4[], %(names)s::varchar[],
                          %(users)s::int4[], %(tzs)s::varchar[],
                          %(summaries)s::varchar[], %(notes)s::text[])
                   AS u(res_id, res_name, user_id, user_tz, summary, note)
                """,
                model_id=model_id,
                model=self._name,
                type=activity_type.id if activity_type else None,
                today=today,
                uid=uid,
                now=now,
                res_ids=[a["res_id"] for a in activities],
                names=[a["res_name"] for a in activities],
                users=[a["user_id"] for a in activities],
                tzs=[a["user_tz"] for a in activities],
                summaries=[a["summary"] for a in activities],
                notes=[a["note"] for a in activities],
            )
        )
        self.env.execute_query(
            SQL(
                """
            INSERT INTO mail_followers (res_model, res_id, partner_id)
            SELECT %s, u.res_id, u.partner_id
              FROM unnest(%s::int4[], %s::int4[]) AS u(res_id, partner_id)
            ON CONFLICT DO NOTHING
                """,
                self._name,
                [a["res_id"] for a in activities],
                [a["partner_id"] for a in activities],
            )
        )
        self.env["mail.activity"].invalidate_model()
        self.env["mail.followers"].invalidate_model()
        self.invalidate_model(["activity_ids", "message_follower_ids"])

    @api.model
    def _digest_mail(self, company, user, alerts):
        """One email to ``user`` listing the alerts that became critical."""
        _ = self.env._
        items = "".join(
            "<li><b>%s</b>: %s</li>"
            % (
                plaintext2html(alert.display_name)
                .removeprefix("<p>")
                .removesuffix("</p>"),
                plaintext2html(alert._message_text())
                .removeprefix("<p>")
                .removesuffix("</p>"),
            )
            for alert in alerts
        )
        return {
            "subject": _(
                "%(company)s: %(count)s stock alert(s) became critical",
                company=company.name,
                count=len(alerts),
            ),
            "body_html": "<p>%s</p><ul>%s</ul>"
            % (_("Stock alerts that became critical:"), items),
            "email_to": user.email_formatted,
            "email_from": company.email_formatted or self.env.user.email_formatted,
            "recipient_ids": [fields.Command.set(user.partner_id.ids)],
            "auto_delete": True,
        }


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
