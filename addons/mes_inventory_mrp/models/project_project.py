from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError


class ProjectProject(models.Model):
    _inherit = "project.project"

    mes_hold_stock = fields.Boolean(
        string="Holds Stock",
        help="The project holds its own stock: a location per warehouse (created "
        "when first needed, under the warehouse's stock) that only this project's "
        "manufacturing orders and deliveries take from and that the MRP nets for "
        "this project alone. Goods bought or made for the project go there.",
    )
    mes_use_free_stock = fields.Boolean(
        string="May Use Free Stock",
        default=True,
        help="When the project's own stock and supply do not cover its demand, "
        "free stock and free supply (not held by any project) serve it. Uncheck "
        "it to plan and reserve every need of the project from its own stock.",
    )
    mes_stock_location_ids = fields.One2many(
        "stock.location", "mes_project_id", string="Project Stock Locations"
    )

    @api.constrains("mes_hold_stock", "mes_use_free_stock")
    def _check_mes_use_free_stock(self):
        for project in self:
            if not project.mes_hold_stock and not project.mes_use_free_stock:
                raise ValidationError(
                    _(
                        "Project %(project)s holds no stock of its own, so it must "
                        "be allowed to use free stock: check Holds Stock, or check "
                        "May Use Free Stock.",
                        project=project.display_name,
                    )
                )

    def write(self, vals):
        if vals.get("mes_hold_stock") is False:
            self._mes_check_no_held_stock()
        res = super().write(vals)
        if "name" in vals:
            # The locations are named after the project.
            self.sudo().mes_stock_location_ids.write({"name": vals["name"]})
        return res

    def _mes_check_no_held_stock(self):
        quants = (
            self.env["stock.quant"]
            .sudo()
            ._read_group(
                [
                    ("location_id.mes_project_id", "in", self.ids),
                    ("quantity", "!=", 0),
                ],
                ["location_id"],
                limit=1,
            )
        )
        if quants:
            location = quants[0][0]
            raise UserError(
                _(
                    "Project %(project)s still holds stock in %(location)s: move "
                    "it to free stock (an internal transfer with the project) "
                    "before the project stops holding stock.",
                    project=location.mes_project_id.display_name,
                    location=location.display_name,
                )
            )

    def _mes_stock_location(self, warehouse):
        """The project's stock location in ``warehouse``, created under the
        warehouse's stock location when the project has none there yet."""
        self.ensure_one()
        if not self.mes_hold_stock:
            raise UserError(
                _(
                    "Project %(project)s does not hold stock: check Holds Stock on "
                    "the project first.",
                    project=self.display_name,
                )
            )
        if self.company_id and self.company_id != warehouse.company_id:
            raise UserError(
                _(
                    "Project %(project)s belongs to %(company)s, warehouse "
                    "%(warehouse)s to %(other)s: a project holds stock only in "
                    "the warehouses of its company.",
                    project=self.display_name,
                    company=self.company_id.name,
                    warehouse=warehouse.name,
                    other=warehouse.company_id.name,
                )
            )
        # sudo: whoever buys or makes for the project may cause its location
        # to be made; the location is the project's, not the user's.
        Location = self.env["stock.location"].sudo()
        parent = warehouse.sudo().lot_stock_id
        location = Location.search(
            [("mes_project_id", "=", self.id), ("location_id", "=", parent.id)],
            limit=1,
        )
        if not location:
            location = Location.create(
                {
                    "name": self.name,
                    "location_id": parent.id,
                    "usage": "internal",
                    "company_id": warehouse.company_id.id,
                    "mes_project_id": self.id,
                }
            )
        return location.with_env(self.env)

    def _mes_project_locations(self):
        """``{project id: stock.location}`` of these projects (one query)."""
        locations = (
            self.env["stock.location"]
            .sudo()
            .search([("mes_project_id", "in", self.ids)])
        )
        result = {}
        for location in locations:
            result.setdefault(location.mes_project_id.id, locations.browse())
            result[location.mes_project_id.id] |= location
        return result

    def action_mes_view_stock(self):
        """The project's stock: quants in its locations."""
        self.ensure_one()
        action = self.env["stock.quant"]._get_quants_action(extend=True)
        action.pop("path", None)
        action.update(
            domain=[("location_id.mes_project_id", "=", self.id)],
            name=_("Stock of %(project)s", project=self.display_name),
        )
        return action
