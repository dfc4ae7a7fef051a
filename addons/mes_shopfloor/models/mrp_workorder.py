from odoo import fields, models

from .mrp_production_kitting import KITTING_STATES


class MrpWorkorder(models.Model):
    _inherit = "mrp.workorder"

    mes_kitting_state = fields.Selection(
        KITTING_STATES,
        string="Kitting",
        readonly=True,
        copy=False,
        help="Kitting of the components consumed by this operation; refreshed "
        "with its manufacturing order's.",
    )
