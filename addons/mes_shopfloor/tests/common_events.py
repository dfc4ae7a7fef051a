from types import SimpleNamespace

from odoo.fields import Command


def build_event_fixture(env, tag="EV"):
    """Products, stock, a confirmed MO with a work order and a device user
    with an API key; ``tag`` keeps names unique (committed fixtures)."""
    company = env.company
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", company.id)], limit=1
    )
    stock = warehouse.lot_stock_id
    Location = env["stock.location"]
    line_side = Location.create(
        {"name": f"Line {tag}", "usage": "internal", "location_id": stock.id}
    )
    buffer = Location.create(
        {"name": f"Buffer {tag}", "usage": "internal", "location_id": stock.id}
    )
    Product = env["product.product"]
    comp = Product.create(
        {
            "name": f"Resin {tag}",
            "default_code": f"RES-{tag}",
            "is_storable": True,
            "tracking": "lot",
            "standard_price": 10.0,
        }
    )
    screw = Product.create(
        {
            "name": f"Screw {tag}",
            "default_code": f"SCR-{tag}",
            "barcode": f"400{abs(hash(tag)) % 10**9}",
            "is_storable": True,
            "standard_price": 0.5,
        }
    )
    finished = Product.create(
        {
            "name": f"Housing {tag}",
            "default_code": f"HSG-{tag}",
            "is_storable": True,
            "tracking": "serial",
            "standard_price": 100.0,
        }
    )
    bulk = Product.create(
        {
            "name": f"Compound {tag}",
            "default_code": f"CMP-{tag}",
            "is_storable": True,
            "tracking": "lot",
            "standard_price": 4.0,
        }
    )
    lot = env["stock.lot"].create(
        {"name": f"LOT-{tag}-1", "product_id": comp.id, "company_id": company.id}
    )
    Quant = env["stock.quant"]
    Quant._update_available_quantity(comp, line_side, 100.0, lot_id=lot)
    Quant._update_available_quantity(screw, line_side, 500.0)
    Quant._update_available_quantity(screw, stock, 50.0)
    workcenter = env["mrp.workcenter"].create(
        {"name": f"Press {tag}", "code": f"PR-{tag}", "time_efficiency": 100}
    )
    bom = env["mrp.bom"].create(
        {
            "product_tmpl_id": finished.product_tmpl_id.id,
            "product_qty": 1.0,
            "bom_line_ids": [
                Command.create({"product_id": comp.id, "product_qty": 2.0}),
                Command.create({"product_id": screw.id, "product_qty": 4.0}),
            ],
            "operation_ids": [
                Command.create(
                    {
                        "name": "Press",
                        "workcenter_id": workcenter.id,
                        "time_cycle_manual": 30,
                    }
                )
            ],
        }
    )
    bulk_bom = env["mrp.bom"].create(
        {
            "product_tmpl_id": bulk.product_tmpl_id.id,
            "product_qty": 1.0,
            "bom_line_ids": [
                Command.create({"product_id": screw.id, "product_qty": 1.0}),
            ],
        }
    )

    def make_mo(product, bom_record, qty):
        mo = env["mrp.production"].create(
            {
                "product_id": product.id,
                "bom_id": bom_record.id,
                "product_qty": qty,
                "location_src_id": stock.id,
            }
        )
        mo.action_confirm()
        return mo

    mo = make_mo(finished, bom, 5.0)
    bulk_mo = make_mo(bulk, bulk_bom, 10.0)
    device = env["res.users"].create(
        {
            "name": f"Terminal {tag}",
            "login": f"terminal-{tag.lower()}",
            "password": f"terminal-{tag.lower()}-pw",
            "company_id": company.id,
            "company_ids": [Command.set(company.ids)],
            "group_ids": [
                Command.set(
                    [
                        env.ref("base.group_user").id,
                        env.ref("mes_shopfloor.group_shopfloor_device").id,
                    ]
                )
            ],
        }
    )
    operator = env["res.users"].create(
        {
            "name": f"Operator {tag}",
            "login": f"operator-{tag.lower()}",
            "company_id": company.id,
            "company_ids": [Command.set(company.ids)],
            "group_ids": [Command.set([env.ref("mrp.group_mrp_user").id])],
        }
    )
    return SimpleNamespace(
        company=company,
        warehouse=warehouse,
        stock=stock,
        line_side=line_side,
        buffer=buffer,
        comp=comp,
        screw=screw,
        finished=finished,
        bulk=bulk,
        lot=lot,
        workcenter=workcenter,
        bom=bom,
        mo=mo,
        bulk_mo=bulk_mo,
        device=device,
        operator=operator,
    )


def quant_total(env, product, location, lot=None):
    domain = [
        ("product_id", "=", product.id),
        ("location_id", "child_of", location.id),
    ]
    if lot is not None:
        domain.append(("lot_id", "=", lot.id))
    return sum(env["stock.quant"].search(domain).mapped("quantity"))
