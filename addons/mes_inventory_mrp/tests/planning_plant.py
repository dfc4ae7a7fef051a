"""Generated plants for the host-equivalence tests of the planning loaders.

``build_plant(env, seed)`` makes, in the test's transaction, a small plant with
what makes the host's choices interesting: templates with variants ("always"
attributes) and a "never" attribute, template and variant BOMs in mixed
sequences, archived BOMs and another company's, kits, lines restricted to some
variants, vendors with minimums, price breaks, discounts, validity dates,
variant-only lines, vendor units, two currencies, another company's lines and an
archived vendor, and warehouses resupplied from outside the pool through routes
set on products, on a category, or on the warehouse only.
"""

import random
from datetime import timedelta

from odoo import Command

from .mrp_common import RUN_DATE


def build_plant(env, seed, company, other_company, foreign_currency, group):
    """Create the plant of ``seed``; returns a dict of the records made."""
    rng = random.Random(seed)
    unit = env.ref("uom.product_uom_unit")
    dozen = env.ref("uom.product_uom_dozen")
    kg = env.ref("uom.product_uom_kgm")
    gram = env.ref("uom.product_uom_gram")
    manufacture = env.ref("mrp.route_warehouse0_manufacture")

    Attribute = env["product.attribute"]
    color = Attribute.create(
        {
            "name": f"Color {seed}",
            "create_variant": "always",
            "value_ids": [
                Command.create({"name": n}) for n in ("Red", "Blue", "Green")
            ],
        }
    )
    size = Attribute.create(
        {
            "name": f"Size {seed}",
            "create_variant": "always",
            "value_ids": [Command.create({"name": n}) for n in ("S", "L")],
        }
    )
    finish = Attribute.create(
        {
            "name": f"Finish {seed}",
            "create_variant": "no_variant",
            "value_ids": [Command.create({"name": n}) for n in ("Matte", "Gloss")],
        }
    )

    # Warehouses: the group's (WH receiving, plus a second one) and two outside.
    pool_wh = group.warehouse_id
    second = env["stock.warehouse"].create(
        {"name": f"Line {seed}", "code": f"L{seed}", "company_id": company.id}
    )
    group.warehouse_ids = [Command.link(second.id)]
    central = env["stock.warehouse"].create(
        {"name": f"Central {seed}", "code": f"C{seed}", "company_id": company.id}
    )
    depot = env["stock.warehouse"].create(
        {"name": f"Depot {seed}", "code": f"D{seed}", "company_id": company.id}
    )
    # New warehouses join the company's pool: the supplying ones plan apart.
    group.warehouse_ids = [Command.unlink(central.id), Command.unlink(depot.id)]
    env["mes.mrp.planning.group"].create(
        {
            "name": f"Suppliers {seed}",
            "company_id": company.id,
            "warehouse_ids": [Command.set((central | depot).ids)],
            "warehouse_id": central.id,
        }
    )
    pool_wh.resupply_wh_ids = [Command.link(central.id), Command.link(depot.id)]
    second.resupply_wh_ids = [Command.link(central.id)]
    Route = env["stock.route"]
    resupply_routes = Route.search(
        [("supplied_wh_id", "in", (pool_wh | second).ids)], order="id"
    )
    for route in resupply_routes:
        route.sequence = rng.choice((5, 10, 20))
        for rule in route.rule_ids:
            rule.delay = rng.randint(0, 3)
    category = env["product.category"].create({"name": f"Resupplied {seed}"})
    child_category = env["product.category"].create(
        {"name": f"Resupplied child {seed}", "parent_id": category.id}
    )
    category.route_ids = [Command.link(rng.choice(resupply_routes).id)]

    Partner = env["res.partner"]
    vendors = Partner.create([{"name": f"Vendor {seed}-{i}"} for i in range(4)])
    archived_vendor = Partner.create({"name": f"Gone {seed}", "active": False})

    # Templates: index order is BOM level order (components have lower ones).
    Template = env["product.template"]
    templates = Template.browse()
    for index in range(12):
        vals = {
            "name": f"Part {seed}-{index}",
            "is_storable": True,
            "uom_id": rng.choice((unit, unit, kg)).id,
        }
        kind = rng.random()
        if kind < 0.35:
            vals["attribute_line_ids"] = [
                Command.create(
                    {
                        "attribute_id": color.id,
                        "value_ids": [Command.set(color.value_ids.ids)],
                    }
                ),
                Command.create(
                    {
                        "attribute_id": finish.id,
                        "value_ids": [Command.set(finish.value_ids.ids)],
                    }
                ),
            ]
        elif kind < 0.55:
            vals["attribute_line_ids"] = [
                Command.create(
                    {
                        "attribute_id": color.id,
                        "value_ids": [Command.set(color.value_ids[:2].ids)],
                    }
                ),
                Command.create(
                    {
                        "attribute_id": size.id,
                        "value_ids": [Command.set(size.value_ids.ids)],
                    }
                ),
            ]
        routes = []
        if rng.random() < 0.4:
            routes.append(manufacture.id)
        if rng.random() < 0.25:
            routes.append(rng.choice(resupply_routes).id)
        if routes:
            vals["route_ids"] = [Command.set(routes)]
        if rng.random() < 0.25:
            vals["categ_id"] = rng.choice((category, child_category)).id
        if rng.random() < 0.1:
            vals["company_id"] = other_company.id
        templates |= Template.create(vals)

    # BOMs of the upper templates, made of lower templates' variants.
    Bom = env["mrp.bom"]
    for index, template in enumerate(templates):
        if index < 3:
            continue
        components = templates[:index].product_variant_ids.filtered(
            lambda p: p.company_id in (company, p.env["res.company"])
        )
        for _n in range(rng.randint(0, 3)):
            variant = rng.random() < 0.3 and rng.choice(template.product_variant_ids)
            lines = []
            for component in rng.sample(list(components), min(len(components), 3)):
                line = {
                    "product_id": component.id,
                    "product_qty": rng.choice((1.0, 2.0, 0.5)),
                    "product_uom_id": (
                        gram
                        if component.uom_id == kg and rng.random() < 0.5
                        else component.uom_id
                    ).id,
                }
                ptavs = template.attribute_line_ids.product_template_value_ids
                if not variant and ptavs and rng.random() < 0.6:
                    line["bom_product_template_attribute_value_ids"] = [
                        Command.set(
                            rng.sample(ptavs.ids, rng.randint(1, min(3, len(ptavs))))
                        )
                    ]
                lines.append(Command.create(line))
            Bom.create(
                {
                    "product_tmpl_id": template.id,
                    "product_id": variant.id if variant else False,
                    "product_qty": rng.choice((1.0, 2.0)),
                    "type": "phantom" if rng.random() < 0.2 else "normal",
                    "sequence": rng.randint(1, 4),
                    "company_id": rng.choice(
                        (False, False, company.id, other_company.id)
                    ),
                    "active": rng.random() > 0.15,
                    "produce_delay": rng.randint(0, 3),
                    "bom_line_ids": lines,
                }
            )

    # Vendor lines (dates around the run date; some end before, some start after).
    Info = env["product.supplierinfo"]
    prices = rng.sample(range(100, 5000), 200)
    for template in templates:
        for _n in range(rng.randint(0, 5)):
            tie = rng.random() < 0.1 and Info.search(
                [("product_tmpl_id", "=", template.id)], limit=1
            )
            vals = {
                "product_tmpl_id": template.id,
                "partner_id": rng.choice((*vendors, archived_vendor)).id,
                "sequence": rng.randint(1, 3),
                "min_qty": rng.choice((0.0, 0.0, 5.0, 10.0, 24.0, 50.0)),
                "price": prices.pop() / 100.0,
                "delay": rng.randint(0, 10),
                "currency_id": rng.choice((company.currency_id, foreign_currency)).id,
                "company_id": rng.choice(
                    (False, company.id, company.id, other_company.id)
                ),
                "discount": rng.choice((0.0, 0.0, 10.0, 25.0)),
            }
            if tie:
                # The same price as another line of the same vendor and sequence.
                vals.update(
                    partner_id=tie.partner_id.id,
                    sequence=tie.sequence,
                    price=tie.price,
                    currency_id=tie.currency_id.id,
                    discount=tie.discount,
                    company_id=tie.company_id.id,
                )
            if template.uom_id == unit and rng.random() < 0.3:
                vals["product_uom_id"] = dozen.id
            if rng.random() < 0.3:
                vals["date_start"] = RUN_DATE + timedelta(days=rng.randint(-10, 20))
            if rng.random() < 0.3:
                vals["date_end"] = RUN_DATE + timedelta(days=rng.randint(-5, 30))
            if template.product_variant_count > 1 and rng.random() < 0.3:
                vals["product_id"] = rng.choice(template.product_variant_ids).id
            Info.create(vals)
    return {
        "templates": templates,
        "products": templates.product_variant_ids,
        "warehouses": pool_wh | second,
        "outside": central | depot,
        "resupply_routes": resupply_routes,
    }
