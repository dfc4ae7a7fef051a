from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class MrpWorkcenter(models.Model):
    _inherit = "mrp.workcenter"

    mes_line_location_id = fields.Many2one(
        "stock.location",
        string="Line-side Location",
        domain="[('usage', '=', 'internal')]",
        check_company=True,
        index="btree_not_null",
        help="Internal location at the work center, inside a shop-floor "
        "warehouse. Components consumed by this work center's operations are "
        "picked here from central stock and consumed from here.",
    )

    @api.constrains("mes_line_location_id")
    def _check_mes_line_location(self):
        for workcenter in self:
            location = workcenter.mes_line_location_id
            if location and (location.usage != "internal" or not location.warehouse_id):
                raise ValidationError(
                    _(
                        "Work center %(wc)s: line-side location %(loc)s must be an "
                        "internal location inside a warehouse.",
                        wc=workcenter.display_name,
                        loc=location.display_name,
                    )
                )
