import base64
import csv
import io
from datetime import datetime

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

REQUIRED_COLUMNS = ("location", "product", "quantity")


class MesStockCountImport(models.TransientModel):
    """Import a physical count snapshot (CSV) as counts to reconcile.

    Columns: ``location`` (barcode or full name), ``product`` (internal
    reference or barcode), ``lot`` (optional), ``quantity`` (in the product's
    unit, zero or more), ``counted_at`` (optional, ISO date and time). Every
    line is checked before anything is written.
    """

    _name = "mes.stock.count.import"
    _description = "Import Stock Count Snapshot"

    file = fields.Binary(string="CSV File", required=True)
    filename = fields.Char()
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    create_reconciliation = fields.Boolean(
        default=True, help="Open a reconciliation of the imported counts at once."
    )

    def _read_rows(self):
        try:
            text = base64.b64decode(self.file).decode("utf-8-sig")
        except (ValueError, UnicodeDecodeError) as exc:
            raise UserError(
                self.env._("The file is not a UTF-8 CSV file (%(error)s).", error=exc)
            ) from None
        reader = csv.DictReader(io.StringIO(text))
        columns = {c.strip().lower() for c in reader.fieldnames or []}
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            raise UserError(
                self.env._(
                    "Column(s) %(missing)s missing: the header must name location, "
                    "product, quantity (lot and counted_at are optional).",
                    missing=", ".join(missing),
                )
            )
        return [
            {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            for row in reader
        ]

    def _parse(self, rows):
        """(count values, error lines) for all rows, read in bulk."""
        company = self.company_id
        company_domain = Domain("company_id", "in", [False, company.id])
        locations = self.env["stock.location"].search(
            company_domain & Domain("usage", "=", "internal")
        )
        loc_by = {}
        for loc in locations:
            loc_by.setdefault(loc.complete_name, loc)
            if loc.barcode:
                loc_by[loc.barcode] = loc
        codes = {r.get("product") for r in rows if r.get("product")}
        products = self.env["product.product"].search(
            company_domain
            & (
                Domain("default_code", "in", list(codes))
                | Domain("barcode", "in", list(codes))
            )
        )
        prod_by = {}
        for product in products:
            for key in (product.default_code, product.barcode):
                if key:
                    prod_by.setdefault(key, product)
        lot_names = {r.get("lot") for r in rows if r.get("lot")}
        lots = self.env["stock.lot"].search(
            company_domain
            & Domain("name", "in", list(lot_names))
            & Domain("product_id", "in", products.ids)
        )
        lot_by = {(lot.product_id.id, lot.name): lot for lot in lots}
        vals_list, errors = [], []
        for number, row in enumerate(rows, start=2):
            _ = self.env._
            location = loc_by.get(row.get("location"))
            product = prod_by.get(row.get("product"))
            problems = []
            if not location:
                problems.append(_("location %s unknown", row.get("location")))
            if not product:
                problems.append(_("product %s unknown", row.get("product")))
            elif not product.is_storable:
                problems.append(_("product %s is not storable", product.display_name))
            lot = self.env["stock.lot"]
            if product and row.get("lot"):
                lot = lot_by.get((product.id, row["lot"]))
                if not lot:
                    problems.append(_("lot %s unknown for this product", row["lot"]))
            elif product and product.tracking != "none":
                problems.append(_("lot required: the product is tracked"))
            try:
                quantity = float(row.get("quantity", ""))
                if quantity < 0:
                    problems.append(_("quantity %s is negative", row["quantity"]))
            except ValueError:
                problems.append(_("quantity %s is not a number", row.get("quantity")))
                quantity = 0.0
            counted_at = fields.Datetime.now()
            if row.get("counted_at"):
                try:
                    counted_at = datetime.fromisoformat(row["counted_at"]).replace(
                        tzinfo=None
                    )
                except ValueError:
                    problems.append(
                        _("counted_at %s is not an ISO date", row["counted_at"])
                    )
            if problems:
                errors.append(
                    _(
                        "line %(n)s: %(problems)s",
                        n=number,
                        problems="; ".join(problems),
                    )
                )
                continue
            vals_list.append(
                {
                    "company_id": company.id,
                    "location_id": location.id,
                    "product_id": product.id,
                    "lot_id": lot.id,
                    "quantity": quantity,
                    "counted_at": counted_at,
                    "source": "import",
                    "origin": self.filename or _("CSV import"),
                }
            )
        return vals_list, errors

    def action_import(self):
        """Create the counts (all or none) and, if asked, a reconciliation."""
        self.ensure_one()
        rows = self._read_rows()
        if not rows:
            raise UserError(self.env._("The file has no count line."))
        vals_list, errors = self._parse(rows)
        if errors:
            raise UserError(
                self.env._(
                    "Nothing was imported; fix these lines and import again:\n%s",
                    "\n".join(errors),
                )
            )
        counts = self.env["mes.stock.count"].create(vals_list)
        if not self.create_reconciliation:
            return {
                "type": "ir.actions.act_window",
                "res_model": "mes.stock.count",
                "view_mode": "list,form",
                "domain": [("id", "in", counts.ids)],
            }
        run = self.env["mes.stock.reconciliation"].create(
            {"company_id": self.company_id.id, "location_ids": counts.location_id.ids}
        )
        run.action_compute()
        return {
            "type": "ir.actions.act_window",
            "res_model": "mes.stock.reconciliation",
            "res_id": run.id,
            "view_mode": "form",
        }
