from collections import defaultdict

from odoo import api, fields, models
from odoo.fields import Domain


class MesMrpProjection(models.TransientModel):
    """Purchases in transit beside the projected stock they feed."""

    _inherit = "mes.mrp.projection"

    in_transit = fields.Float(
        string="In Transit (PO)",
        digits="Product Unit",
        readonly=True,
        help="Part of the receipts of the day that comes from confirmed purchase "
        "orders not received yet (late ones count today).",
    )

    @api.model
    def _compute_rows(self, product, group):
        vals_list = super()._compute_rows(product, group)
        if not vals_list:
            return vals_list
        first_day = min(vals["date"] for vals in vals_list)
        by_day = defaultdict(float)
        Move = self.env["stock.move"]
        moves = Move.search(
            Domain("product_id", "=", product.id)
            & Move._mes_purchase_in_transit_domain(group.warehouse_ids)
        )
        for move in moves:
            day = fields.Date.context_today(self, timestamp=move.date)
            by_day[max(day, first_day)] += move.product_qty
        seen = set()
        for vals in vals_list:
            if vals.get("project_id"):
                continue  # a project's rows: the pool's rows show what is in transit
            vals["in_transit"] = by_day.get(vals["date"], 0.0)
            seen.add(vals["date"])
        for day in sorted(set(by_day) - seen):
            # A receipt day the projection did not list (should not happen).
            vals_list.append(
                {
                    "planning_group_id": group.id,
                    "product_id": product.id,
                    "date": day,
                    "in_transit": by_day[day],
                }
            )
        return vals_list
