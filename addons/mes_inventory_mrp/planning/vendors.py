"""Vendor lines (``product.supplierinfo``) as the engine's vendors.

The engine picks the vendor and price break (``engine.lot_sizing.select_vendor``,
Odoo's ``_select_seller``); it compares lines on the figures made here, for the
run (``load_vendors``) and for a buyer's quote (``mes.mrp.suggestion._mes_quote``)
alike: the minimum in the product's unit, the price after the line's discount,
per product unit, in the company currency at the rates of one day.
"""

from collections import defaultdict
from datetime import date
from typing import NamedTuple

from odoo.tools import SQL

from ..engine import Vendor
from .inputs import VendorLine
from .rows import select


class VendorRow(NamedTuple):
    id: int
    partner_id: int
    product_id: int | None  # a line for one variant only
    tmpl_id: int
    sequence: int
    min_qty: float | None  # vendor unit
    price: float | None  # vendor unit and currency, before discount
    delay: int | None
    date_start: date | None
    date_end: date | None
    uom_id: int
    currency_id: int | None
    discount: float | None

    @classmethod
    def of_record(cls, seller):
        """The row of one ``product.supplierinfo`` record."""
        return cls(
            id=seller.id,
            partner_id=seller.partner_id.id,
            product_id=seller.product_id.id or None,
            tmpl_id=seller.product_tmpl_id.id,
            sequence=seller.sequence,
            min_qty=seller.min_qty,
            price=seller.price,
            delay=seller.delay,
            date_start=seller.date_start or None,
            date_end=seller.date_end or None,
            uom_id=seller.product_uom_id.id,
            currency_id=seller.currency_id.id or None,
            discount=seller.discount,
        )


class VendorPricing:
    """Makes engine vendors of one company, at the currency rates of one day."""

    def __init__(self, env, company, currency_ids, day, convert):
        self.convert = convert
        self.company_currency_id = company.currency_id.id
        ids = set(filter(None, currency_ids)) | {self.company_currency_id}
        self.rates = env["res.currency"].browse(ids)._get_rates(company, day)
        self.company_rate = self.rates.get(self.company_currency_id) or 1.0

    def vendor(self, row, uom_id):
        """The engine's ``Vendor`` of ``row`` for a product in unit ``uom_id``."""
        per_product = self.convert(1.0, uom_id, row.uom_id)
        currency_rate = (
            self.rates.get(row.currency_id or self.company_currency_id) or 1.0
        )
        return Vendor(
            id=row.id,
            partner_id=row.partner_id,
            min_qty=self.convert(row.min_qty or 0.0, row.uom_id, uom_id),
            price=(row.price or 0.0)
            * (1.0 - (row.discount or 0.0) / 100.0)
            * per_product
            * self.company_rate
            / currency_rate,
            delay=row.delay or 0,
            date_start=row.date_start or None,
            date_end=row.date_end or None,
            sequence=row.sequence or 0,
        )

    def vendors_of(self, rows, product_id, uom_id):
        """Engine vendors of product ``product_id`` among its template's ``rows``
        (in Odoo's seller order): lines for another variant are left out."""
        return tuple(
            self.vendor(row, uom_id)
            for row in rows
            if not row.product_id or row.product_id == product_id
        )


def load_vendors(scope, inputs):
    """Vendor lines of the planned products' templates, in ``_prepare_sellers``
    order (one query): lines of active vendors, of the company or of none.

    Fills ``inputs.vendors`` (what a suggestion shows of its line); returns
    ``(rows per template id, VendorPricing)``.
    """
    rows = select(
        scope.env,
        VendorRow,
        SQL(
            """
            SELECT s.id, s.partner_id, s.product_id, s.product_tmpl_id AS tmpl_id,
                   s.sequence, s.min_qty, s.price, s.delay, s.date_start, s.date_end,
                   s.product_uom_id AS uom_id, s.currency_id, s.discount
              FROM product_supplierinfo s
              JOIN res_partner p ON p.id = s.partner_id
             WHERE p.active
               AND (s.company_id IS NULL OR s.company_id = %(company)s)
               AND s.product_tmpl_id = ANY(%(templates)s)
          ORDER BY s.sequence, s.min_qty DESC, s.price, s.id
            """,
            company=scope.company.id,
            templates=list({p.tmpl_id for p in inputs.products.values()}),
        ),
    )
    rows_of_template = defaultdict(list)
    for row in rows:
        rows_of_template[row.tmpl_id].append(row)
        inputs.vendors[row.id] = VendorLine(
            partner_id=row.partner_id,
            uom_id=row.uom_id,
            price=row.price or 0.0,
            currency_id=row.currency_id,
        )
    pricing = VendorPricing(
        scope.env,
        scope.company,
        {row.currency_id for row in rows},
        inputs.run_date,
        inputs.convert,
    )
    return rows_of_template, pricing
