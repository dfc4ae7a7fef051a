from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL, float_compare
from odoo.tools.mail import plaintext2html

from .mes_stock_alert import FIGURES, KEY_FIELDS, PURCHASE_KINDS


class MesStockAlert(models.Model):
    """Writing the alerts found and notifying the critical ones, in a fixed
    number of statements."""

    _inherit = "mes.stock.alert"  # pylint: disable=consider-merging-classes-inherited

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
                        ("partner_id.active", "=", True),
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
                    user = buyers.get((company_id, product.id))  # main vendor's
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
            "auto_delete": True,
        }
