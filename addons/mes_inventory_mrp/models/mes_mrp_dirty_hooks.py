"""What marks products dirty for net-change MRP (see ``mes_mrp_dirty.py``).

Every hook only collects product ids in memory (``mark_dirty``); they are
written once per transaction. Kept in one file, by concern: each override is
a few lines around ``super()`` and changes nothing of the host's behaviour.
"""

# pylint: disable=consider-merging-classes-inherited

from odoo import api, models

from .mes_mrp_dirty import mark_all_dirty, mark_dirty

MOVE_FIELDS = {
    "date",
    "product_id",
    "product_uom_qty",
    "product_qty",
    "product_uom",
    "state",
    "location_id",
    "location_dest_id",
    "picking_type_id",
}
QUANT_FIELDS = {"quantity", "lot_id", "location_id", "product_id"}
LOT_FIELDS = {"mes_quality_state", "expiration_date", "product_id"}
TEMPLATE_FIELDS = {
    "mes_safety_stock",
    "mes_order_multiple",
    "mes_lot_days",
    "route_ids",
    "categ_id",
    "uom_id",
    "is_storable",
    "type",
    "name",
    "active",
    "company_id",
}
VARIANT_FIELDS = {"default_code", "active", "product_template_attribute_value_ids"}
ORDER_LINE_FIELDS = {"product_id", "product_qty", "product_uom_id", "date_planned"}
LOCATION_FIELDS = {
    "mes_mrp_nettable",
    "mes_project_id",
    "location_id",
    "usage",
    "active",
    "warehouse_id",
}
PROJECT_FIELDS = {"mes_hold_stock", "mes_use_free_stock", "company_id", "active"}
SUGGESTION_FIELDS = {"state", "product_qty", "date_required", "date_order", "action"}


def _variants(templates):
    return templates.with_context(active_test=False).product_variant_ids.ids


class StockMove(models.Model):
    _inherit = "stock.move"

    @api.model_create_multi
    def create(self, vals_list):
        moves = super().create(vals_list)
        planned = moves.filtered(lambda m: m.state != "draft")
        mark_dirty(self.env, planned.product_id.ids)
        return moves

    def write(self, vals):
        if MOVE_FIELDS.isdisjoint(vals):
            return super().write(vals)
        mark_dirty(self.env, self.product_id.ids + [vals.get("product_id")])
        return super().write(vals)

    def unlink(self):
        mark_dirty(self.env, self.product_id.ids)
        return super().unlink()


class StockQuant(models.Model):
    _inherit = "stock.quant"

    @api.model_create_multi
    def create(self, vals_list):
        quants = super().create(vals_list)
        mark_dirty(self.env, quants.product_id.ids)
        return quants

    def write(self, vals):
        if not QUANT_FIELDS.isdisjoint(vals):
            mark_dirty(self.env, self.product_id.ids + [vals.get("product_id")])
        return super().write(vals)

    def unlink(self):
        mark_dirty(self.env, self.product_id.ids)
        return super().unlink()


class StockLot(models.Model):
    _inherit = "stock.lot"

    def write(self, vals):
        if not LOT_FIELDS.isdisjoint(vals):
            mark_dirty(self.env, self.product_id.ids + [vals.get("product_id")])
        return super().write(vals)


def _bom_products(boms):
    """Products a BOM plans (its variant or its template's) and its components."""
    templates = boms.filtered(lambda b: not b.product_id).product_tmpl_id
    ids = boms.product_id.ids + _variants(templates)
    return ids + boms.bom_line_ids.product_id.ids


class MrpBom(models.Model):
    _inherit = "mrp.bom"

    @api.model_create_multi
    def create(self, vals_list):
        boms = super().create(vals_list)
        mark_dirty(self.env, _bom_products(boms))
        return boms

    def write(self, vals):
        before = _bom_products(self)
        res = super().write(vals)
        mark_dirty(self.env, before + _bom_products(self))
        return res

    def unlink(self):
        mark_dirty(self.env, _bom_products(self))
        return super().unlink()


class MrpBomLine(models.Model):
    _inherit = "mrp.bom.line"

    def _mes_planned_products(self):
        boms = self.bom_id
        return (
            self.product_id.ids
            + boms.product_id.ids
            + _variants(boms.filtered(lambda b: not b.product_id).product_tmpl_id)
        )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        mark_dirty(self.env, lines._mes_planned_products())
        return lines

    def write(self, vals):
        before = self._mes_planned_products()
        res = super().write(vals)
        mark_dirty(self.env, before + self._mes_planned_products())
        return res

    def unlink(self):
        mark_dirty(self.env, self._mes_planned_products())
        return super().unlink()


class ProductSupplierinfo(models.Model):
    _inherit = "product.supplierinfo"

    def _mes_planned_products(self):
        return self.product_id.ids + _variants(self.product_tmpl_id)

    @api.model_create_multi
    def create(self, vals_list):
        sellers = super().create(vals_list)
        mark_dirty(self.env, sellers._mes_planned_products())
        return sellers

    def write(self, vals):
        before = self._mes_planned_products()
        res = super().write(vals)
        mark_dirty(self.env, before + self._mes_planned_products())
        return res

    def unlink(self):
        mark_dirty(self.env, self._mes_planned_products())
        return super().unlink()


class ProductTemplate(models.Model):
    _inherit = "product.template"

    @api.model_create_multi
    def create(self, vals_list):
        templates = super().create(vals_list)
        # A product with a safety stock is planned without any demand.
        mark_dirty(
            self.env, _variants(templates.filtered(lambda t: t.mes_safety_stock))
        )
        return templates

    def write(self, vals):
        if not TEMPLATE_FIELDS.isdisjoint(vals):
            mark_dirty(self.env, _variants(self))
        return super().write(vals)


class ProductProduct(models.Model):
    _inherit = "product.product"

    def write(self, vals):
        if not VARIANT_FIELDS.isdisjoint(vals):
            mark_dirty(self.env, self.ids)
        return super().write(vals)


class PurchaseOrderLine(models.Model):
    _inherit = "purchase.order.line"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        mark_dirty(self.env, lines.product_id.ids)
        return lines

    def write(self, vals):
        if not ORDER_LINE_FIELDS.isdisjoint(vals):
            mark_dirty(self.env, self.product_id.ids + [vals.get("product_id")])
        return super().write(vals)

    def unlink(self):
        mark_dirty(self.env, self.product_id.ids)
        return super().unlink()


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    def write(self, vals):
        if {"state", "picking_type_id", "project_id"} & set(vals):
            mark_dirty(self.env, self.order_line.product_id.ids)
        return super().write(vals)


class MesMrpForecast(models.Model):
    _inherit = "mes.mrp.forecast"

    @api.model_create_multi
    def create(self, vals_list):
        forecasts = super().create(vals_list)
        mark_dirty(self.env, forecasts.product_id.ids)
        return forecasts

    def write(self, vals):
        mark_dirty(self.env, self.product_id.ids + [vals.get("product_id")])
        return super().write(vals)

    def unlink(self):
        mark_dirty(self.env, self.product_id.ids)
        return super().unlink()


class MesMrpSuggestion(models.Model):
    _inherit = "mes.mrp.suggestion"

    def write(self, vals):
        # Approved suggestions are supply (and their components demand).
        if not SUGGESTION_FIELDS.isdisjoint(vals):
            firm = self.filtered(lambda s: s.state != "new" or vals.get("state"))
            mark_dirty(self.env, firm.product_id.ids)
        return super().write(vals)

    def unlink(self):
        mark_dirty(self.env, self.filtered(lambda s: s.state != "new").product_id.ids)
        return super().unlink()


class StockRoute(models.Model):
    _inherit = "stock.route"

    @api.model_create_multi
    def create(self, vals_list):
        mark_all_dirty(self.env)
        return super().create(vals_list)

    def write(self, vals):
        mark_all_dirty(self.env)
        return super().write(vals)


class StockRule(models.Model):
    _inherit = "stock.rule"

    @api.model_create_multi
    def create(self, vals_list):
        mark_all_dirty(self.env)
        return super().create(vals_list)

    def write(self, vals):
        mark_all_dirty(self.env)
        return super().write(vals)


class ProductCategory(models.Model):
    _inherit = "product.category"

    def write(self, vals):
        if {"route_ids", "parent_id"} & set(vals):
            mark_all_dirty(self.env)
        return super().write(vals)


class StockLocation(models.Model):
    _inherit = "stock.location"

    def write(self, vals):
        if not LOCATION_FIELDS.isdisjoint(vals):
            mark_all_dirty(self.env)
        return super().write(vals)


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    def write(self, vals):
        mark_all_dirty(self.env)
        return super().write(vals)


class ResCompany(models.Model):
    _inherit = "res.company"

    def write(self, vals):
        if "days_to_purchase" in vals:
            mark_all_dirty(self.env)
        return super().write(vals)


class UomUom(models.Model):
    _inherit = "uom.uom"

    def write(self, vals):
        if {"factor", "relative_factor", "rounding", "relative_uom_id"} & set(vals):
            mark_all_dirty(self.env)
        return super().write(vals)


class ProjectProject(models.Model):
    _inherit = "project.project"

    def write(self, vals):
        # Whether a project holds stock or may use free stock changes the pools
        # of every product: the next net-change run plans everything.
        if PROJECT_FIELDS.isdisjoint(vals):
            return super().write(vals)
        held = bool(self.filtered("mes_hold_stock"))
        res = super().write(vals)
        if held or self.filtered("mes_hold_stock"):
            mark_all_dirty(self.env)
        return res


class MrpProduction(models.Model):
    _inherit = "mrp.production"

    def write(self, vals):
        # The project of an MO is the project of its component and finished
        # moves (demand and supply of that project).
        if "project_id" in vals:
            mark_dirty(
                self.env, (self.move_raw_ids | self.move_finished_ids).product_id.ids
            )
        return super().write(vals)


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def write(self, vals):
        if "project_id" in vals:
            mark_dirty(self.env, self.move_ids.product_id.ids)
        return super().write(vals)
