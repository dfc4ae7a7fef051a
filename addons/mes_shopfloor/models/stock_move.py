from odoo import fields, models


class StockMove(models.Model):
    _inherit = "stock.move"

    mes_fg_production_id = fields.Many2one(
        "mrp.production",
        string="Finished Goods of",
        index="btree_not_null",
        readonly=True,
        copy=False,
        help="Manufacturing order whose finished goods this receipt move stores.",
    )

    def _mes_allows_unreleased_lots(self):
        # A finished-goods receipt stores what was just produced, pending or not.
        return bool(self.mes_fg_production_id) or super()._mes_allows_unreleased_lots()

    mes_event_id = fields.Many2one(
        "mes.event",
        string="Shop-floor Event",
        index="btree_not_null",
        copy=False,
        readonly=True,
        ondelete="restrict",
        help="Shop-floor event that posted this move (for a move posting "
        "several events of one batch: the first one; each move line names "
        "its own event). Checked hourly against the events applied.",
    )

    def _should_bypass_reservation(self, forced_location=False):
        # Moves of shop-floor events are validated in the statement that
        # creates them, from quants the batch locked and found free: a
        # reservation made and released at once would only cost time.
        if self.id in self.env.context.get("mes_event_post_ids", ()):
            return True
        return super()._should_bypass_reservation(forced_location)

    def _skip_push(self):
        # What a shop-floor event consumed on the line is gone into the
        # production location: there is nothing to push further from there.
        if (
            self.id in self.env.context.get("mes_event_post_ids", ())
            and self.location_dest_id.usage == "production"
        ):
            return True
        return super()._skip_push()

    def _check_company(self, fnames=None):
        # The moves of a batch of events are built from records the batch
        # checked against the event's company (events/resolver.py); checking
        # each of them again field by field is most of the time of posting.
        posted = self.env.context.get("mes_event_post_ids")
        if posted and posted.issuperset(self._ids):
            return
        super()._check_company(fnames=fnames)
