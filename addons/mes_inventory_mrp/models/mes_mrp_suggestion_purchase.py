import math
from collections import defaultdict
from datetime import datetime, time, timedelta

from pytz import UTC, timezone

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import float_is_zero

from ..engine import Item, item_eps, select_vendor, size_order
from ..planning import VendorPricing, VendorRow
from ..planning.inputs import UomConverter
from .mes_guarded_mixin import guarded_action
from .mes_mrp_suggestion import lock_records

PURCHASE_GROUP = "purchase.group_purchase_user"


class MesMrpSuggestion(models.Model):
    """What a buyer does with buy suggestions: compare vendors, order them."""

    _inherit = "mes.mrp.suggestion"  # pylint: disable=consider-merging-classes-inherited

    purchase_order_id = fields.Many2one(
        related="purchase_line_id.order_id",
        string="Purchase Order",
        store=True,
        index="btree_not_null",
    )
    in_transit_qty = fields.Float(
        string="In Transit",
        digits="Product Unit",
        compute="_compute_in_transit",
        help="Quantity of the product on confirmed purchase orders not received "
        "yet, coming into the warehouses of the planning group (product unit).",
    )
    in_transit_date = fields.Date(
        string="Next Arrival",
        compute="_compute_in_transit",
        help="Scheduled date of the earliest purchase receipt in transit.",
    )

    @api.depends("product_id", "planning_group_id")
    def _compute_in_transit(self):
        transit = self._mes_in_transit(self.product_id, self.planning_group_id)
        for suggestion in self:
            qty, day = transit.get(
                (suggestion.product_id.id, suggestion.planning_group_id.id),
                (0.0, False),
            )
            suggestion.in_transit_qty = qty
            suggestion.in_transit_date = day

    @api.model
    def _mes_in_transit(self, products, groups):
        """``{(product id, group id): (qty, first date)}`` of open PO receipts.

        Receipt moves of purchase lines (not done or cancelled) into any
        warehouse of each planning group, summed in the product's unit, in one
        grouped query whatever the number of products.
        """
        if not products or not groups:
            return {}
        group_of_warehouse = {}
        for group in groups:
            for warehouse in group.warehouse_ids:
                group_of_warehouse[warehouse.id] = group.id
        if not group_of_warehouse:
            return {}
        Move = self.env["stock.move"]
        rows = Move._read_group(
            Domain("product_id", "in", products.ids)
            & Move._mes_purchase_in_transit_domain(groups.warehouse_ids),
            ["product_id", "location_dest_id"],
            ["product_qty:sum", "date:min"],
        )
        result = {}
        for product, location, qty, first in rows:
            key = (product.id, group_of_warehouse[location.warehouse_id.id])
            day = fields.Date.context_today(self, timestamp=first)
            old_qty, old_day = result.get(key, (0.0, False))
            result[key] = (old_qty + qty, min(old_day, day) if old_day else day)
        return result

    # ------------------------------------------------------------------
    # Vendor prices
    # ------------------------------------------------------------------

    @api.model
    def _mes_vendor_offers(self, product, company, day):
        """Vendor lines of ``product`` valid on ``day``, grouped per offer.

        An offer is what one vendor sells in one currency and one unit; its
        lines are its price breaks. Returns ``{(partner, currency, uom):
        supplierinfo records}`` in Odoo's vendor order.
        """
        sellers = (
            product.with_company(company)
            ._prepare_sellers()
            .filtered(
                lambda s: (
                    (not s.product_id or s.product_id == product)
                    and (not s.date_start or s.date_start <= day)
                    and (not s.date_end or s.date_end >= day)
                )
            )
        )
        offers = {}
        for seller in sellers:
            key = (seller.partner_id, seller.currency_id, seller.product_uom_id)
            offers[key] = offers.get(key, seller.browse()) | seller
        return offers

    @api.model
    def _mes_engine_vendors(self, lines, product, company, day):
        """The lines of one offer as the engine's vendors, made as the run makes
        them (``planning.vendors``), with rates of ``day``. Their dates are left
        out: the caller chose the offer's lines for the day."""
        rows = [
            VendorRow.of_record(line)._replace(date_start=None, date_end=None)
            for line in lines
        ]
        uoms = lines.product_uom_id | product.uom_id
        pricing = VendorPricing(
            self.env,
            company,
            {row.currency_id for row in rows},
            day,
            UomConverter({uom.id: uom.factor for uom in uoms}),
        )
        return pricing.vendors_of(rows, product.id, product.uom_id.id)

    @api.model
    def _mes_price_break(self, lines, product, qty, company, day):
        """The line of one offer that prices ``qty`` (product unit): the
        engine's choice (``select_vendor``, the run's rule): the cheapest line
        ``qty`` reaches; below every minimum, the first line."""
        vendors = self._mes_engine_vendors(lines, product, company, day)
        eps = item_eps(Item(id=product.id, rounding=product.uom_id.rounding))
        vendor, _qty = select_vendor(vendors, qty, day, eps)
        return lines.browse(vendor.id) if vendor else lines.browse()

    @api.model
    def _mes_offer_lines(self, supplierinfo, product, company, day):
        """All price breaks of the offer ``supplierinfo`` belongs to."""
        key = (
            supplierinfo.partner_id,
            supplierinfo.currency_id,
            supplierinfo.product_uom_id,
        )
        return self._mes_vendor_offers(product, company, day).get(key, supplierinfo)

    def _mes_net_qty(self):
        """Quantity really needed (product unit), before any vendor minimum."""
        self.ensure_one()
        pegged = sum(self.pegging_ids.mapped("product_qty"))
        return pegged if pegged > 0 else self.product_qty

    def _mes_quote(self, lines, today):
        """What ordering this suggestion from an offer gives.

        The quantity and line are the engine's (``size_order``), as a run
        would size this need with this offer alone: the net need, raised to
        the minimum of the line it reaches (below every minimum, the first
        line's), then to the order multiple and the unit's rounding.

        :param lines: the offer's price breaks (one vendor, currency, unit)
        :returns: dict with the line used, quantities, price, dates, lateness
        """
        self.ensure_one()
        product = self.product_id
        company = self.company_id
        vendor_uom = lines[:1].product_uom_id or product.uom_id
        # Days to purchase may be fractional: a started day counts, as in the run.
        item = Item(
            id=product.id,
            vendors=self._mes_engine_vendors(lines, product, company, today),
            order_multiple=product.mes_order_multiple or 0.0,
            rounding=product.uom_id.rounding,
            purchase_lead=math.ceil(company.days_to_purchase or 0),
        )
        _action, vendor, qty, lead = size_order(
            item, self._mes_net_qty(), today, item_eps(item)
        )
        line = lines.browse(vendor.id)
        purchase_qty = product.uom_id._compute_quantity(
            qty, vendor_uom, rounding_method="UP"
        )
        date_order = self.date_required - timedelta(days=lead)
        arrival = max(self.date_required, today + timedelta(days=lead))
        return {
            "supplierinfo": line,
            "min_qty": min(lines.mapped("min_qty"), default=0.0),
            "uom": vendor_uom,
            "product_qty": qty,
            "purchase_qty": purchase_qty,
            "price_unit": line.price,
            "price_subtotal": line.currency_id.round(purchase_qty * line.price),
            "date_order": max(date_order, today),
            "expedite": date_order < today,
            "date_arrival": arrival,
            "days_late": (arrival - self.date_required).days,
        }

    def _mes_check_buy_editable(self):
        self.env["purchase.order"].check_access("create")
        wrong = self.filtered(
            lambda s: s.action != "buy" or s.state not in ("new", "approved")
        )
        if wrong:
            raise UserError(
                _(
                    "Only buy suggestions that are not ordered or cancelled can "
                    "change vendor: %(names)s.",
                    names=", ".join(wrong.mapped("display_name")),
                )
            )

    def _mes_set_vendor(self, supplierinfo):
        """Order this suggestion from the offer of ``supplierinfo``.

        Quantity is raised to the vendor's minimum (then the order multiple),
        the price is that offer's price break for the quantity, and the order
        date is recomputed from the vendor's delay.
        """
        self.ensure_one()
        self._mes_check_buy_editable()
        if supplierinfo.product_tmpl_id != self.product_id.product_tmpl_id or (
            supplierinfo.product_id and supplierinfo.product_id != self.product_id
        ):
            raise UserError(
                _(
                    "Vendor line %(vendor)s is not for %(product)s: pick one of "
                    "the product's vendors.",
                    vendor=supplierinfo.display_name,
                    product=self.product_id.display_name,
                )
            )
        today = fields.Date.context_today(self)
        lines = self._mes_offer_lines(
            supplierinfo, self.product_id, self.company_id, max(self.date_order, today)
        )
        quote = self._mes_quote(lines, today)
        self.write(self._mes_quote_values(quote))
        return True

    def _mes_quote_values(self, quote):
        line = quote["supplierinfo"]
        values = {
            "partner_id": line.partner_id.id,
            "supplierinfo_id": line.id,
            "currency_id": line.currency_id.id,
            "price_unit": quote["price_unit"],
            "product_qty": quote["product_qty"],
            "purchase_qty": quote["purchase_qty"],
            "purchase_uom_id": quote["uom"].id,
            "price_subtotal": quote["price_subtotal"],
            "date_order": quote["date_order"],
        }
        if quote["expedite"]:
            values["exception"] = "expedite"
            values["exception_message"] = _(
                "Order today: the vendor's lead time ends after the need date."
            )
        elif self.exception == "expedite":
            values["exception"] = "none"
            values["exception_message"] = False
        return values

    def action_compare_vendors(self):
        """Open every vendor of these buy suggestions side by side."""
        self._mes_check_buy_editable()
        wizard = self.env["mes.vendor.comparison"].create(
            {"suggestion_ids": [fields.Command.set(self.ids)]}
        )
        return wizard._get_action()

    # ------------------------------------------------------------------
    # Purchase orders
    # ------------------------------------------------------------------

    def _mes_check_orderable(self):
        """Refuse the whole batch with every problem named; nothing is created."""
        self._mes_refuse_other_companies(
            _(
                "%(name)s belongs to company %(company)s: select that company "
                "to order it."
            )
        )
        self.check_access("write")
        problems = []
        for suggestion in self:
            name = suggestion.display_name
            if suggestion.state in ("ordered", "cancelled"):
                problems.append(
                    suggestion._mes_already_done_problem(suggestion.purchase_order_id)
                )
            elif not suggestion.action:
                problems.append(
                    _(
                        "%(name)s has no source: add a vendor on the product's "
                        "Purchase tab and run the MRP again.",
                        name=name,
                    )
                )
            elif suggestion.action != "buy":
                problems.append(
                    _(
                        "%(name)s is not a buy suggestion: only buy suggestions "
                        "become purchase orders.",
                        name=name,
                    )
                )
            elif not suggestion.partner_id:
                problems.append(
                    _(
                        "%(name)s has no vendor: add one on the product's Purchase "
                        "tab or pick one with Compare Vendors.",
                        name=name,
                    )
                )
            elif not (
                suggestion.warehouse_id or suggestion.planning_group_id.warehouse_id
            ).in_type_id:
                problems.append(
                    _(
                        "%(name)s has no receiving warehouse: set one on planning "
                        "group %(group)s.",
                        name=name,
                        group=suggestion.planning_group_id.display_name,
                    )
                )
            elif float_is_zero(
                suggestion.product_qty,
                precision_rounding=suggestion.product_id.uom_id.rounding,
            ):
                problems.append(
                    _("%(name)s has no quantity to order.", name=name),
                )
        if problems:
            raise UserError("\n".join(problems))

    def _mes_lock(self):
        """Lock the suggestions so two buyers cannot order them twice."""
        lock_records(
            self,
            _(
                "These suggestions are being ordered or planned by someone "
                "else right now: try again in a moment."
            ),
        )

    def _mes_po_key(self):
        """Vendor, company, currency and receipt type: one RFQ per key."""
        self.ensure_one()
        company = self.company_id
        currency = (
            self.currency_id
            or self.supplierinfo_id.currency_id
            or self.partner_id.with_company(company).property_purchase_currency_id
            or company.currency_id
        )
        warehouse = self.warehouse_id or self.planning_group_id.warehouse_id
        return (
            self.partner_id,
            company,
            currency,
            warehouse.in_type_id,
            self.project_id,
        )

    @api.model
    def _mes_noon(self, day, tz):
        """Noon of ``day`` in ``tz`` as naive UTC: the same day in any zone."""
        return (
            tz.localize(datetime.combine(day, time(12)))
            .astimezone(UTC)
            .replace(tzinfo=None)
        )

    def _mes_prepare_purchase_order(self, key):
        """Values of the RFQ of ``key`` for these suggestions: Odoo's own, as
        its buy rule prepares them (``stock.rule._prepare_purchase_order``),
        for MRP's receipt type, buyer, origin and order deadline."""
        partner, company, currency, picking_type, project = key
        partner = partner.with_company(company)
        supplier = self.supplierinfo_id.filtered(
            lambda s: s.partner_id == partner and s.currency_id == currency
        )[:1] or self.env["product.supplierinfo"].new(
            {"partner_id": partner.id, "currency_id": currency.id}
        )
        rule = picking_type.warehouse_id.buy_pull_id or self.env["stock.rule"].search(
            [("action", "=", "buy"), ("picking_type_id", "=", picking_type.id)],
            limit=1,
        )
        runs = sorted(set(self.run_id.mapped("display_name")))
        values = rule.with_company(company)._prepare_purchase_order(
            company,
            runs,
            [
                {
                    "supplier": supplier,
                    "date_order": self._mes_order_deadline(partner.buyer_id.tz),
                }
            ],
        )
        values.update(
            currency_id=currency.id,
            picking_type_id=picking_type.id,
            user_id=partner.buyer_id.id or self.env.uid,
            origin=", ".join(runs) or False,
            mes_from_mrp=True,
            # the host's project link: analytic distribution of the lines,
            # receipt into the project's location when it holds stock
            project_id=project.id,
        )
        return values

    def _mes_order_deadline(self, tz_name):
        """Order deadline of an RFQ for these suggestions: their first order-by
        day (today at the earliest), at noon in ``tz_name`` (the buyer's)."""
        tz = timezone(tz_name or self.env.user.tz or "UTC")
        today = fields.Date.context_today(self)
        first = min((s.date_order for s in self if s.date_order), default=today)
        return self._mes_noon(max(first, today), tz)

    @guarded_action
    def action_create_purchase_orders(self):
        """Turn these buy suggestions into requests for quotation, in one go.

        One RFQ per vendor, company, currency and receipt type, reusing a draft
        RFQ that MRP created and nobody sent yet. One line per product, vendor
        unit and need date (``date_planned`` = the suggestion's required date),
        in the vendor's unit at the vendor's price break for the line's
        quantity. Each suggestion is linked to its line and becomes ordered.
        Any refused suggestion stops the whole batch before anything is made.
        """
        if not self:
            raise UserError(_("Select the suggestions to order."))
        self.env["purchase.order"].check_access("create")
        self.env["purchase.order.line"].check_access("create")
        self._mes_check_orderable()
        self._mes_lock()
        self._mes_check_orderable()

        by_key = defaultdict(lambda: self.browse())
        for suggestion in self:
            by_key[suggestion._mes_po_key()] |= suggestion
        orders = self._mes_find_or_create_orders(by_key)
        for key, suggestions in by_key.items():
            suggestions._mes_fill_order(orders[key])
        touched = self.env["purchase.order"].union(*orders.values())
        return touched._get_mes_action()

    def _mes_find_or_create_orders(self, by_key):
        """``{key: purchase.order}``: reusable MRP drafts, the others created."""
        partners = self.env["res.partner"].union(*(key[0] for key in by_key))
        drafts = self.env["purchase.order"].search(
            [
                ("mes_from_mrp", "=", True),
                ("state", "=", "draft"),
                ("partner_id", "in", partners.ids),
                ("company_id", "in", self.company_id.ids),
            ],
            order="id",
        )
        found = {}
        for order in drafts:
            key = (
                order.partner_id,
                order.company_id,
                order.currency_id,
                order.picking_type_id,
                order.project_id,
            )
            found.setdefault(key, order)
        missing = [key for key in by_key if key not in found]
        created = self.env["purchase.order"].create(
            [by_key[key]._mes_prepare_purchase_order(key) for key in missing]
        )
        found.update(zip(missing, created, strict=True))
        for key in by_key:
            order = found[key]
            if key in missing:
                continue
            names = set(by_key[key].run_id.mapped("display_name"))
            known = set(filter(None, (order.origin or "").split(", ")))
            if names - known:
                order.origin = ", ".join(sorted(known | names))
        return {key: found[key] for key in by_key}

    def _mes_fill_order(self, order):
        """Add these suggestions (all of ``order``'s key) as lines of ``order``."""
        tz = order.get_order_timezone()
        today = fields.Date.context_today(self)
        groups = defaultdict(lambda: self.browse())
        for suggestion in self:
            uom = suggestion.purchase_uom_id or (
                suggestion.supplierinfo_id.product_uom_id
                or suggestion.product_id.uom_id
            )
            groups[(suggestion.product_id, uom, suggestion.date_required)] |= suggestion
        existing = {}
        for line in order.order_line:
            if line.display_type or not line.mes_suggestion_ids:
                continue
            day = fields.Date.to_date(
                UTC.localize(line.date_planned).astimezone(tz).date()
            )
            existing.setdefault((line.product_id, line.product_uom_id, day), line)

        new_lines = []
        new_groups = []
        Line = self.env["purchase.order.line"]
        for (product, uom, day), suggestions in groups.items():
            qty = sum(
                s.product_id.uom_id._compute_quantity(
                    s.product_qty, uom, rounding_method="UP"
                )
                for s in suggestions
            )
            line = existing.get((product, uom, day))
            if line:
                qty += line.product_qty
            first = suggestions[:1]
            lines = self._mes_offer_lines(
                first.supplierinfo_id or self._mes_any_vendor_line(first),
                product,
                order.company_id,
                max(first.date_order, today),
            ).filtered(lambda s: s.currency_id == order.currency_id) or (
                first.supplierinfo_id
            )
            seller = self._mes_price_break(
                lines,
                product,
                uom._compute_quantity(qty, product.uom_id, round=False),
                order.company_id,
                today,
            )
            price_unit = self._mes_order_price(seller, uom, order, product)
            values = {
                "product_qty": qty,
                "product_uom_id": uom.id,
                "price_unit": price_unit,
                "technical_price_unit": price_unit,
                "discount": seller.discount,
                "date_planned": self._mes_noon(day, tz),
            }
            if line:
                line.write(values)
                suggestions._mes_link_line(line)
                continue
            prepared = Line._prepare_purchase_order_line(
                product, qty, uom, order.company_id, order.partner_id, order
            )
            prepared.update(values)
            new_lines.append(prepared)
            new_groups.append(suggestions)
        created = Line.create(new_lines)
        for line, suggestions in zip(created, new_groups, strict=True):
            suggestions._mes_link_line(line)
        deadline = self._mes_order_deadline(order.user_id.tz)
        if deadline < order.date_order:
            order.date_order = deadline

    def _mes_any_vendor_line(self, suggestion):
        sellers = suggestion.product_id.with_company(
            suggestion.company_id
        )._prepare_sellers()
        return sellers.filtered(lambda s: s.partner_id == suggestion.partner_id)[:1]

    @api.model
    def _mes_order_price(self, seller, uom, order, product):
        """Unit price of ``seller`` for a line in ``uom`` on ``order``."""
        if not seller:
            return 0.0
        price = seller.product_uom_id._compute_price(seller.price, uom)
        line_taxes = order.fiscal_position_id.map_tax(
            product.supplier_taxes_id.filtered_domain(
                self.env["account.tax"]._check_company_domain(order.company_id)
            )
        )
        price = self.env["account.tax"]._fix_tax_included_price_company(
            price, product.supplier_taxes_id, line_taxes, order.company_id
        )
        if seller.currency_id != order.currency_id:
            price = seller.currency_id._convert(
                price, order.currency_id, order.company_id, fields.Date.today()
            )
        return price

    def _mes_link_line(self, line):
        self.write({"purchase_line_id": line.id, "state": "ordered"})
