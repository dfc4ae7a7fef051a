from odoo import _, api, fields, models


class MesMrpPegging(models.Model):
    """Why a suggestion exists: the demand it serves, down to the top-level one."""

    _name = "mes.mrp.pegging"
    _description = "MRP Pegging"
    _order = "suggestion_id, date, id"

    suggestion_id = fields.Many2one(
        "mes.mrp.suggestion", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="suggestion_id.company_id", store=True)
    product_id = fields.Many2one(related="suggestion_id.product_id")
    project_id = fields.Many2one(related="suggestion_id.project_id", string="Project")
    demand_type = fields.Selection(
        [
            ("move", "Stock Move"),
            ("forecast", "Forecast"),
            ("planned_order", "Planned Order"),
            ("safety_stock", "Safety Stock"),
        ],
        required=True,
        default="move",
    )
    move_id = fields.Many2one("stock.move", string="Demand Move", ondelete="set null")
    parent_suggestion_id = fields.Many2one(
        "mes.mrp.suggestion",
        string="Parent Planned Order",
        ondelete="set null",
        index="btree_not_null",
    )
    forecast_id = fields.Many2one("mes.mrp.forecast", ondelete="cascade")
    root_move_id = fields.Many2one(
        "stock.move", string="Top-level Demand Move", ondelete="set null"
    )
    root_forecast_id = fields.Many2one(
        "mes.mrp.forecast", string="Top-level Forecast", ondelete="set null"
    )
    sequence = fields.Integer(
        default=0, help="Position of the need among the suggestion's pegging."
    )
    root_key = fields.Char(
        string="Top-level Demand Key",
        help="Technical: the planner's name of the top-level demand "
        "(move:<id>, forecast:<id>, firmbom:<suggestion>:<line>).",
    )
    product_qty = fields.Float(string="Quantity", digits="Product Unit", default=0.0)
    quantity = fields.Float(
        related="product_qty", readonly=False, string="Pegged Quantity"
    )
    date = fields.Date(string="Need Date")
    demand_description = fields.Char(string="Demand", compute="_compute_descriptions")
    root_description = fields.Char(
        string="Top-level Demand", compute="_compute_descriptions"
    )

    @api.model
    def _describe_move(self, move):
        reference = (
            move.picking_id.name
            or move.raw_material_production_id.name
            or move.production_id.name
            or move.reference
            or move.origin
            or ""
        )
        partner = move.picking_id.partner_id or move.partner_id
        if partner:
            return "%s (%s)" % (reference, partner.display_name)
        return reference

    @api.depends(
        "demand_type", "move_id", "parent_suggestion_id", "forecast_id", "root_move_id"
    )
    def _compute_descriptions(self):
        for peg in self:
            if peg.demand_type == "safety_stock":
                text = _("Safety stock")
            elif peg.move_id:
                text = self._describe_move(peg.move_id)
            elif peg.forecast_id:
                text = _("Forecast %(date)s", date=peg.forecast_id.date)
            elif peg.parent_suggestion_id:
                text = peg.parent_suggestion_id.display_name
            else:
                text = ""
            peg.demand_description = text
            if peg.root_move_id:
                peg.root_description = self._describe_move(peg.root_move_id)
            elif peg.root_forecast_id:
                peg.root_description = _(
                    "Forecast %(date)s", date=peg.root_forecast_id.date
                )
            else:
                peg.root_description = text
