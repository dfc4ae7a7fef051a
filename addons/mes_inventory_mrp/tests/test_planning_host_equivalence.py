"""The loaders re-do in bulk SQL what the host decides record by record: these
tests hold them equal to the host's own methods on generated plants.

- BOM choice: ``mrp.bom._bom_find`` (one product and many at once);
- BOM lines: ``mrp.bom.line._skip_bom_line``;
- vendor and price break: ``product.product._select_seller`` (quantities around
  the minimums, dates around the validity dates, two currencies, discounts);
- resupply from outside the pool: Odoo's procurement (``stock.rule.run``) with
  the route the run picked, and without a route for routes set on the product
  or its category.

Known, documented differences (readme/USAGE.md), not compared:

- a product below every vendor minimum: Odoo's procurement falls back on the
  first vendor line whatever its validity dates; the run takes the first line
  valid on the need date (none valid: no source). Compared: the first valid line;
- a warehouse's *Resupply From* route applies to every product of the group's
  warehouses in the run; Odoo uses it only when set on the product, its
  category, or the warehouse's routes. Compared: the rule chain of that route.
"""

from contextlib import closing

from odoo.exceptions import UserError
from odoo.tests import tagged

from ..engine import Item, item_eps, select_vendor
from ..planning.boms import BomSet
from ..planning.inputs import MrpInputs
from ..planning.products import load_products, load_uoms
from ..planning.routes import load_transfer_sources
from ..planning.scope import PlanningScope
from ..planning.vendors import load_vendors
from .mrp_common import MrpCase, day
from .planning_plant import build_plant

SEEDS = (1, 2, 3)


@tagged("post_install", "-at_install")
class TestPlanningHostEquivalence(MrpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "Other Plant"})
        # One rate, long before the run: every date converts alike.
        cls.foreign = cls._foreign_currency(2.0)

    def _plant(self, seed):
        plant = build_plant(
            self.env, seed, self.company, self.other_company, self.foreign, self.group
        )
        run = self.env["mes.mrp.run"].new(
            {"planning_group_id": self.group.id, "user_id": self.planner.id}
        )
        self.env.flush_all()
        scope = PlanningScope.of_run(run)
        inputs = MrpInputs(
            run_date=scope.run_date,
            convert=load_uoms(self.env),
            precision=self.env["decimal.precision"].precision_get("Product Unit"),
        )
        load_products(scope, inputs, plant["products"].ids)
        return plant, scope, inputs

    def test_bom_choice_and_lines_are_the_hosts(self):
        Bom = self.env["mrp.bom"]
        compared = lines_compared = 0
        for seed in SEEDS:
            with self.subTest(seed=seed):
                plant, _scope, inputs = self._plant(seed)
                bom_set = BomSet(self.env, self.company)
                products = plant["products"].filtered(
                    lambda p, planned=inputs.products: p.id in planned
                )
                host_all = Bom._bom_find(products, company_id=self.company.id)
                for product in products:
                    planned = inputs.products[product.id]
                    host = host_all[product]
                    self.assertEqual(
                        Bom._bom_find(product, company_id=self.company.id)[product],
                        host,
                        "the host's one-product and many-product searches agree",
                    )
                    self.assertEqual(
                        bom_set.bom_id_for(planned),
                        host.id or None,
                        f"BOM of {product.display_name}",
                    )
                    compared += 1
                    rows = {row.id: row for row in bom_set.lines_of.get(host.id, ())}
                    for line in host.bom_line_ids:
                        self.assertEqual(
                            bom_set.skips_line(rows[line.id], planned),
                            bool(line._skip_bom_line(product)),
                            f"line {line.product_id.display_name} of "
                            f"{host.display_name} for {product.display_name}",
                        )
                        lines_compared += 1
        # The plants are made to exercise the rules, not to pass trivially.
        self.assertGreater(compared, 60)
        self.assertGreater(lines_compared, 40)

    def test_vendor_choice_is_the_hosts(self):
        compared = fallbacks = 0
        for seed in SEEDS:
            with self.subTest(seed=seed):
                plant, scope, inputs = self._plant(seed)
                rows_of_template, pricing = load_vendors(scope, inputs)
                days = {day(offset) for offset in (-11, -6, 0, 1, 5, 12, 21, 31)}
                for product in plant["products"].filtered(
                    lambda p, planned=inputs.products: p.id in planned
                ):
                    planned = inputs.products[product.id]
                    vendors = pricing.vendors_of(
                        rows_of_template.get(planned.tmpl_id, ()),
                        product.id,
                        planned.uom_id,
                    )
                    eps = item_eps(
                        Item(id=product.id, rounding=product.uom_id.rounding)
                    )
                    host_product = product.with_company(self.company)
                    minimums = {v.min_qty for v in vendors}
                    quantities = {0.5, 1.0, 100.0, 1000.0}
                    quantities |= {m for m in minimums if m}
                    quantities |= {m - 1 for m in minimums if m > 1}
                    quantities |= {m + 1 for m in minimums}
                    for when in sorted(days):
                        for qty in sorted(quantities):
                            vendor, ordered = select_vendor(vendors, qty, when, eps)
                            host = host_product._select_seller(
                                quantity=qty, date=when, uom_id=product.uom_id
                            )
                            if not host:
                                # Below every minimum: the first valid line.
                                host = host_product._get_filtered_sellers(
                                    quantity=None, date=when
                                )[:1]
                                fallbacks += bool(host)
                            self.assertEqual(
                                vendor.id if vendor else None,
                                host.id or None,
                                f"vendor of {qty} {product.display_name} on {when}",
                            )
                            if host:
                                minimum = host.product_uom_id._compute_quantity(
                                    host.min_qty, product.uom_id, round=False
                                )
                                self.assertAlmostEqual(ordered, max(qty, minimum))
                            compared += 1
        self.assertGreater(compared, 1000)
        self.assertGreater(fallbacks, 20)

    def test_resupply_rules_are_the_hosts(self):
        Rule = self.env["stock.rule"]
        compared = unforced = 0
        for seed in SEEDS:
            with self.subTest(seed=seed):
                plant, scope, inputs = self._plant(seed)
                load_transfer_sources(scope, inputs)
                warehouses = plant["warehouses"]
                for product in plant["products"].filtered(
                    lambda p, planned=inputs.products: p.id in planned
                ):
                    transfer = inputs.transfers.get(product.id)
                    template = product.product_tmpl_id
                    own = (template.route_ids | template.categ_id.total_route_ids) & (
                        plant["resupply_routes"]
                    )
                    if own and not transfer:
                        self.fail(f"{product.display_name} has a resupply route")
                    if not transfer:
                        continue
                    if self.env["mrp.bom"]._bom_find(
                        product, company_id=self.company.id, bom_type="phantom"
                    )[product]:
                        continue  # Odoo's procurement explodes a kit: no rule
                    rule = Rule.browse(transfer.rule_id)
                    warehouse = self.env["stock.warehouse"].browse(
                        transfer.warehouse_id
                    )
                    self.assertIn(warehouse, warehouses)
                    chain = self._host_chain(product, warehouse, rule.route_id)
                    self.assertEqual(
                        chain,
                        (rule, transfer.source_warehouse_id, transfer.delay),
                        f"resupply of {product.display_name}",
                    )
                    compared += 1
                    if own and transfer.warehouse_id == self.group.warehouse_id.id:
                        # The route Odoo itself picks for the product, when it
                        # only has resupply routes (no Manufacture route).
                        if template.route_ids - plant["resupply_routes"]:
                            continue
                        chain = self._host_chain(product, warehouse)
                        self.assertEqual(
                            chain[0],
                            rule,
                            f"route Odoo picks for {product.display_name}",
                        )
                        unforced += 1
        self.assertGreater(compared, 15)
        self.assertGreater(unforced, 3)

    def _host_chain(self, product, warehouse, route=None):
        """(first rule, source warehouse id, total delay) of Odoo's procurement
        of ``product`` into ``warehouse``'s stock, with ``route`` forced."""
        Rule = self.env["stock.rule"]
        reference = self.env["stock.reference"].create({"name": "equivalence"})
        values = {
            "warehouse_id": warehouse,
            "date_planned": day(30),
            "reference_ids": reference,
        }
        if route:
            values["route_ids"] = route
        with closing(self.env.cr.savepoint()):
            try:
                Rule.run(
                    [
                        Rule.Procurement(
                            product,
                            1.0,
                            product.uom_id,
                            warehouse.lot_stock_id,
                            product.display_name,
                            "equivalence",
                            self.company,
                            values,
                        )
                    ]
                )
                result = self._chain_of(reference, warehouse)
            except UserError:
                result = (Rule.browse(), None, 0)  # no rule: not resupplied
            self.env.flush_all()
        # What the procurement made is rolled back: drop it from the caches.
        self.env.invalidate_all()
        return result

    def _chain_of(self, reference, warehouse):
        """(first rule, source warehouse id, total delay) of the moves of
        ``reference``, from the one into ``warehouse``'s stock upstream."""
        move = reference.move_ids.filtered(
            lambda m: m.location_dest_id == warehouse.lot_stock_id
        )
        first = move.rule_id
        delay = 0
        while True:
            delay += move.rule_id.delay
            if not move.move_orig_ids:
                return (first, move.location_id.warehouse_id.id, delay)
            move = move.move_orig_ids

    def test_plant_is_planned(self):
        """The generated plants also run through the whole MRP."""
        for seed in SEEDS:
            plant = build_plant(
                self.env,
                seed,
                self.company,
                self.other_company,
                self.foreign,
                self.group,
            )
            mine = plant["products"].filtered(lambda p: not p.company_id)
            for product in mine[:12]:
                self._delivery(product, 7.0, 10)
        run = self._run()
        self.assertEqual(run.state, "done")
        self.assertTrue(run.suggestion_count)
