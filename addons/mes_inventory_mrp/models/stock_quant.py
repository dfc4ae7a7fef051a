from odoo import api, fields, models
from odoo.fields import Domain


class StockQuant(models.Model):
    _inherit = "stock.quant"

    mes_project_id = fields.Many2one(
        related="location_id.mes_project_id",
        store=True,
        index="btree_not_null",
        string="Held for Project",
    )

    def _get_gather_domain(
        self,
        product_id,
        location_id,
        lot_id=None,
        package_id=None,
        owner_id=None,
        strict=False,
    ):
        domain = super()._get_gather_domain(
            product_id, location_id, lot_id, package_id, owner_id, strict
        )
        states = self.env.context.get("mes_reservable_lot_states")
        if states:
            domain &= self.env["stock.lot"]._mes_usable_domain(states=states)
        excluded = self.env.context.get("mes_exclude_location_ids")
        if excluded:
            # stock held by projects (see stock.move reservation)
            domain &= Domain("location_id", "not in", excluded)
        if self.env.context.get("mes_skip_frozen"):
            # a location being counted keeps its stock until the count is done
            domain &= Domain("location_id.mes_frozen", "=", False)
        return domain

    def _get_reserve_quantity(
        self,
        product_id,
        location_id,
        quantity,
        uom_id=None,
        lot_id=None,
        package_id=None,
        owner_id=None,
        strict=False,
    ):
        # Reserving never takes a lot that is not released, except for moves that
        # put received or produced goods away (they may carry pending or
        # quarantined lots), nor from a frozen location (a count in progress);
        # un-reserving (negative quantity) sees every quant.
        if product_id.uom_id.compare(quantity, 0) > 0:
            states = ("released",)
            if self.env.context.get("mes_reserve_unreleased"):
                states = ("pending", "released", "quarantine")
            self = self.with_context(
                mes_reservable_lot_states=states, mes_skip_frozen=True
            )
        return super()._get_reserve_quantity(
            product_id,
            location_id,
            quantity,
            uom_id=uom_id,
            lot_id=lot_id,
            package_id=package_id,
            owner_id=owner_id,
            strict=strict,
        )

    @api.model
    def _get_removal_strategy(self, product_id, location_id):
        strategy = super()._get_removal_strategy(product_id, location_id)
        # sudo: the removal strategy is the product's, category's and
        # locations' setting, read for whoever reserves (as the host does).
        if strategy != "fifo" or not product_id.sudo().use_expiration_date:
            return strategy
        # FEFO by default for expiry-tracked products, unless the category or a
        # location explicitly asks for FIFO.
        if product_id.sudo().categ_id.removal_strategy_id:
            return strategy
        loc = location_id.sudo()
        while loc:
            if loc.removal_strategy_id:
                return strategy
            loc = loc.location_id
        return "fefo"
