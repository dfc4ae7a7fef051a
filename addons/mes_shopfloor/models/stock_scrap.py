from odoo import api, models


class StockScrap(models.Model):
    _inherit = "stock.scrap"

    @api.depends("workorder_id", "production_id", "product_id")
    def _compute_location_id(self):
        res = super()._compute_location_id()
        # A component of an open MO routed to the line side is scrapped there,
        # where it lies, not in the MO's (central) source location.
        for scrap in self:
            production = scrap.production_id or scrap.workorder_id.production_id
            if not production or production.state == "done" or not scrap.product_id:
                continue
            move = production.move_raw_ids.filtered(
                lambda m, p=scrap.product_id: (
                    m.product_id == p and m.state not in ("done", "cancel")
                )
            )[:1]
            if move and move.location_id != production.location_src_id:
                scrap.location_id = move.location_id
        return res
