"""Bills of materials: which BOM a product uses, which lines apply, what is kept.

The choices are the host's, re-done over bulk rows (a run reads every BOM in
three queries instead of calling the ORM per product), and held equal to the
host's methods by ``tests/test_planning_host_equivalence.py``:

- ``BomSet.bom_id_for`` is ``mrp.bom._bom_find``: active BOMs of the company
  (or of no company) in ``sequence, product_id, id`` order; a variant BOM wins
  over a template BOM found later, the first template BOM otherwise;
- ``BomSet.skips_line`` is ``mrp.bom.line._skip_bom_line`` for a variant: per
  attribute, the variant must have one of the line's values (a line restricted
  to "never" attribute values is skipped: a variant has none).
"""

from collections import defaultdict
from typing import NamedTuple

from odoo.tools import SQL

from ..engine import Bom, BomLine, Demand
from .rows import select


class BomRow(NamedTuple):
    id: int
    product_tmpl_id: int
    product_id: int | None  # variant BOM
    product_qty: float
    product_uom_id: int
    type: str  # "normal" or "phantom" (kit)
    produce_delay: int | None


class BomLineRow(NamedTuple):
    id: int
    bom_id: int
    product_id: int
    product_qty: float
    product_uom_id: int
    ptav_ids: list  # "Apply on Variants" values; empty: every variant


class BomSet:
    """Every BOM a run of ``company`` may use, with their lines (three queries)."""

    def __init__(self, env, company):
        # The order of _bom_find: one search for the order, one read.
        bom_ids = (
            env["mrp.bom"]
            .with_context(active_test=True)
            .search(
                [
                    ("company_id", "in", [False, company.id]),
                    ("type", "in", ["normal", "phantom"]),
                ],
                order="sequence, product_id, id",
            )
            .ids
        )
        self.rows = {row.id: row for row in read_boms(env, bom_ids)}
        self.lines = read_lines(env, bom_ids)
        self.lines_of = defaultdict(list)
        for line in self.lines:
            self.lines_of[line.bom_id].append(line)
        self.by_variant = {}
        self.by_template = {}
        for bom_id in bom_ids:
            row = self.rows[bom_id]
            if row.product_id:
                if (
                    row.product_tmpl_id not in self.by_template
                    and row.product_id not in self.by_variant
                ):
                    self.by_variant[row.product_id] = bom_id
            elif row.product_tmpl_id not in self.by_template:
                self.by_template[row.product_tmpl_id] = bom_id
        self.attribute_line_of = attribute_lines(env, self.lines)

    def product_ids(self):
        """Products the BOMs name: components and variants with their own BOM."""
        ids = {line.product_id for line in self.lines}
        ids.update(self.by_variant)
        return ids

    def bom_id_for(self, product):
        """The BOM ``_bom_find`` gives ``product`` (a ``PlannedProduct``), or None."""
        return self.by_variant.get(product.id) or self.by_template.get(product.tmpl_id)

    def skips_line(self, line, product):
        """True when ``_skip_bom_line`` skips ``line`` for the variant ``product``."""
        if not line.ptav_ids:
            return False
        by_attribute = defaultdict(set)
        for ptav in line.ptav_ids:
            by_attribute[self.attribute_line_of.get(ptav)].add(ptav)
        return any(not (values & product.ptavs) for values in by_attribute.values())


def read_boms(env, bom_ids):
    return select(
        env,
        BomRow,
        SQL(
            """
            SELECT id, product_tmpl_id, product_id, product_qty, product_uom_id,
                   type, produce_delay
              FROM mrp_bom WHERE id = ANY(%s)
            """,
            bom_ids,
        ),
    )


def read_lines(env, bom_ids):
    """Lines of ``bom_ids`` in BOM order, with their variant restriction."""
    return select(
        env,
        BomLineRow,
        SQL(
            """
            SELECT l.id, l.bom_id, l.product_id, l.product_qty, l.product_uom_id,
                   ARRAY(SELECT r.product_template_attribute_value_id
                           FROM mrp_bom_line_product_template_attribute_value_rel r
                          WHERE r.mrp_bom_line_id = l.id) AS ptav_ids
              FROM mrp_bom_line l
             WHERE l.bom_id = ANY(%s)
          ORDER BY l.bom_id, l.sequence, l.id
            """,
            bom_ids,
        ),
    )


def attribute_lines(env, lines):
    """``{attribute value id: its attribute line id}`` for the values ``lines``
    are restricted to (none: no query)."""
    ptav_ids = {ptav for line in lines for ptav in line.ptav_ids}
    if not ptav_ids:
        return {}
    return dict(
        env.execute_query(
            SQL(
                "SELECT id, attribute_line_id "
                "FROM product_template_attribute_value WHERE id = ANY(%s)",
                list(ptav_ids),
            )
        )
    )


def build_boms(bom_set, inputs):
    """Engine BOMs of ``inputs.products``; returns the ids of the kits.

    A product is made with its normal BOM only when the Manufacture route
    applies to it; a kit is always exploded. Quantities per one unit of the
    parent, in the component's unit.
    """
    products = inputs.products
    convert = inputs.convert
    kits = set()
    for pid, product in products.items():
        bom_id = bom_set.bom_id_for(product)
        if not bom_id:
            continue
        bom = bom_set.rows[bom_id]
        parent_qty = convert(bom.product_qty, bom.product_uom_id, product.uom_id)
        if parent_qty <= 0:
            continue
        lines = []
        for line in bom_set.lines_of[bom_id]:
            component = products.get(line.product_id)
            if component is None or bom_set.skips_line(line, product):
                continue
            factor = (
                convert(line.product_qty, line.product_uom_id, component.uom_id)
                / parent_qty
            )
            lines.append(BomLine(component_id=line.product_id, qty=factor))
        if bom.type == "phantom":
            kits.add(pid)
        elif not product.manufacture:
            continue
        inputs.bom_of[pid] = bom_id
        product.produce_delay = bom.produce_delay or 0
        inputs.boms.append(
            Bom(id=bom_id, product_id=pid, kind=bom.type, lines=tuple(lines))
        )
    return kits


def keep_reached(inputs, kits):
    """Keep only what the inputs reach; returns the kits that are kept.

    Products with stock, demand, supply or safety stock, and the components of
    their BOMs (storable ones, or kits that explode further). Rows of products
    the run does not plan (not storable, another company's) are dropped.
    """
    products = inputs.products
    bom_of_product = {bom.product_id: bom for bom in inputs.boms}
    reached = {row.item_id for row in inputs.stock}
    reached.update(row.item_id for row in inputs.demands)
    reached.update(row.item_id for row in inputs.supplies)
    reached.update(pid for pid, p in products.items() if p.safety > 0)
    reached &= set(products)
    todo = list(reached)
    kept_boms = []
    while todo:
        bom = bom_of_product.get(todo.pop())
        if bom is None:
            continue
        lines = tuple(
            line
            for line in bom.lines
            if products[line.component_id].storable or line.component_id in kits
        )
        kept_boms.append(
            Bom(id=bom.id, product_id=bom.product_id, kind=bom.kind, lines=lines)
        )
        for line in lines:
            if line.component_id not in reached:
                reached.add(line.component_id)
                todo.append(line.component_id)
    inputs.boms = kept_boms
    inputs.stock = [row for row in inputs.stock if row.item_id in reached]
    inputs.demands = [row for row in inputs.demands if row.item_id in reached]
    inputs.supplies = [row for row in inputs.supplies if row.item_id in reached]
    for pid in set(products) - reached:
        del products[pid]
        inputs.bom_of.pop(pid, None)
    return kits & reached


def add_firm_components(inputs, firm_rows):
    """Firm make orders consume their components from their start date."""
    bom_of_product = {bom.product_id: bom for bom in inputs.boms}
    held = {project.id for project in inputs.projects}
    for row in firm_rows:
        bom = bom_of_product.get(row.product_id)
        if row.action != "make" or bom is None or bom.kind != "normal":
            continue
        for position, line in enumerate(bom.lines):
            inputs.demands.append(
                Demand(
                    id="firmbom:%d:%d" % (row.id, position),
                    item_id=line.component_id,
                    date=row.date_order,
                    qty=row.qty * line.qty,
                    project_id=row.project_id if row.project_id in held else None,
                )
            )
