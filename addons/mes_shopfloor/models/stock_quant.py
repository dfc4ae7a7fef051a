from odoo import api, models


class StockQuant(models.Model):
    _inherit = "stock.quant"

    def try_lock_for_update(self, *, allow_referencing=False, limit=None):
        # A batch of shop-floor events locks its quants once, in one query;
        # posting its moves must not lock them again one by one.
        locked = self.env.context.get("mes_locked_quant_ids")
        if locked and self._ids:
            if limit == 1 and self._ids[0] in locked:
                return self[:1]
            if limit is None and locked.issuperset(self._ids):
                return self
        return super().try_lock_for_update(
            allow_referencing=allow_referencing, limit=limit
        )

    @api.model_create_multi
    def create(self, vals_list):
        quants = super().create(vals_list)
        locked = self.env.context.get("mes_locked_quant_ids")
        if locked is not None:
            # created by this transaction: nobody else can hold them
            locked.update(quants.ids)
        return quants
