from collections import defaultdict
from datetime import datetime, time, timedelta

from odoo import api, fields, models
from odoo.tools import SQL, float_compare, float_is_zero

from .mes_stock_alert import OPEN_MOVE_STATES
from .stock_move import mes_lock_key


class MesStockAlert(models.Model):
    """The daily job: what is wrong in stock, read in a fixed number of
    queries (plain SQL over every product at once, never one per product)."""

    _inherit = "mes.stock.alert"  # pylint: disable=consider-merging-classes-inherited

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
        # one job at a time (the daily action and Compute Now): the second
        # waits and then sees what the first wrote
        self.env.execute_query(
            SQL("SELECT pg_advisory_xact_lock(%s)", mes_lock_key("stock_alerts"))
        )
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
