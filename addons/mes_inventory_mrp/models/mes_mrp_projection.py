from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..engine import BomCycleError


class MesMrpProjection(models.TransientModel):
    """Projected stock of one product per day, computed when the user opens it.

    The engine runs read-only on the pool's current data (nothing is written but
    these transient rows), so the projection is always today's.
    """

    _name = "mes.mrp.projection"
    _description = "MRP Projected Stock"
    _order = "date, id"

    planning_group_id = fields.Many2one("mes.mrp.planning.group", readonly=True)
    company_id = fields.Many2one(
        related="planning_group_id.company_id", store=True, index=True
    )
    product_id = fields.Many2one("product.product", readonly=True, index=True)
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    project_id = fields.Many2one(
        "project.project",
        readonly=True,
        help="Rows of the stock this project holds (its own stock, receipts and "
        "orders, and the demand it serves itself); empty: the whole pool.",
    )
    date = fields.Date(readonly=True)
    demand = fields.Float(digits="Product Unit", readonly=True)
    receipts = fields.Float(
        digits="Product Unit", readonly=True, help="Existing supply at its own date."
    )
    planned = fields.Float(
        string="Planned Orders",
        digits="Product Unit",
        readonly=True,
        help="New suggestions at their required date.",
    )
    expired = fields.Float(digits="Product Unit", readonly=True)
    in_qc = fields.Float(
        string="In QC",
        digits="Product Unit",
        readonly=True,
        help="On hand in lots not released by quality: not netted.",
    )
    on_hand = fields.Float(
        string="Projected On Hand",
        digits="Product Unit",
        readonly=True,
        help="Projected at the end of the day, planned orders included.",
    )

    @api.model
    def _open_for_product(self, product, planning_group=None):
        """Projection rows of ``product`` in every planning group of the current
        company (or in ``planning_group``), opened on the first group; the
        search panel switches to another group."""
        groups = planning_group or self.env["mes.mrp.planning.group"].search(
            [("company_id", "=", self.env.company.id)]
        )
        if not groups:
            raise UserError(
                _(
                    "Company %(company)s has no MRP planning group: create one "
                    "under Manufacturing > Configuration > Planning Groups.",
                    company=self.env.company.name,
                )
            )
        vals_list = []
        for group in groups:
            vals_list += self._compute_rows(product, group)
        records = self.create(vals_list)
        return {
            "type": "ir.actions.act_window",
            "name": _("Projected stock: %(product)s", product=product.display_name),
            "res_model": self._name,
            "view_mode": "list,graph",
            "views": [(False, "list"), (False, "graph")],
            "domain": [("id", "in", records.ids)],
            "context": {
                "create": False,
                "delete": False,
                "searchpanel_default_planning_group_id": groups[0].id,
                "search_default_mes_whole_pool": 1,
            },
        }

    @api.model
    def _compute_rows(self, product, group):
        """Vals of the projection rows of ``product`` in ``group``'s pool."""
        # A throw-away run record in memory carries the group and the user's tz.
        run = self.env["mes.mrp.run"].new(
            {"planning_group_id": group.id, "user_id": self.env.user.id}
        )
        inputs = run._load_inputs()
        try:
            result = run._plan(inputs)
        except BomCycleError as error:
            raise UserError(
                _(
                    "The bills of materials of these products loop: %(products)s. "
                    "Remove the loop from one of their BOMs.",
                    products=", ".join(run._product_names(error.item_ids, inputs)),
                )
            ) from error
        in_qc = inputs.in_qc.get(product.id, 0.0)
        rows = result.projection.get(product.id) or []
        vals_list = [
            {
                "planning_group_id": group.id,
                "product_id": product.id,
                "date": row.date,
                "demand": row.demand,
                "receipts": row.receipts,
                "planned": row.planned,
                "expired": row.expired,
                "in_qc": in_qc,
                "on_hand": row.on_hand,
            }
            for row in rows
        ]
        for (item_id, project_id), project_rows in result.project_projection.items():
            if item_id != product.id:
                continue
            vals_list += [
                {
                    "planning_group_id": group.id,
                    "product_id": product.id,
                    "project_id": project_id,
                    "date": row.date,
                    "demand": row.demand,
                    "receipts": row.receipts,
                    "planned": row.planned,
                    "expired": row.expired,
                    "on_hand": row.on_hand,
                }
                for row in project_rows
            ]
        if not vals_list:
            vals_list.append(
                {
                    "planning_group_id": group.id,
                    "product_id": product.id,
                    "date": inputs.run_date,
                    "in_qc": in_qc,
                }
            )
        return vals_list
