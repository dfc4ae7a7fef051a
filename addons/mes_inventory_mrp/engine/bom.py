"""Bills of materials as the planner sees them: levels, cycles, kit explosion."""

from collections import deque

from .types import BomCycleError


def used_edges(boms, items):
    """Return ``{parent: [(component, weight), ...]}`` for the BOMs the run explodes.

    A kit is always exploded, so its components sit on the kit's own level
    (weight 0); a normal BOM only matters when its product is made (weight 1).
    BOMs of bought products are ignored so that their loops do not stop a run.
    """
    edges = {}
    for bom in boms.values():
        if bom.kind == "phantom":
            weight = 0
        else:
            item = items.get(bom.product_id)
            if item is None or not item.make:
                continue
            weight = 1
        edges[bom.product_id] = [(line.component_id, weight) for line in bom.lines]
    return edges


def low_level_codes(nodes, edges):
    """Longest path from any top-level product, in BOM levels.

    ``nodes`` are all the product ids the run knows; ``edges`` comes from
    :func:`used_edges`. Raises :class:`BomCycleError` naming one cycle.
    """
    indegree = dict.fromkeys(nodes, 0)
    for parent, children in edges.items():
        indegree.setdefault(parent, 0)
        for child, _weight in children:
            indegree[child] = indegree.get(child, 0) + 1
    level = dict.fromkeys(indegree, 0)
    queue = deque(node for node, count in indegree.items() if count == 0)
    while queue:
        parent = queue.popleft()
        base = level[parent]
        for child, weight in edges.get(parent, ()):
            level[child] = max(level[child], base + weight)
            indegree[child] -= 1
            if indegree[child] == 0:
                queue.append(child)
    left = {node for node, count in indegree.items() if count > 0}
    if left:
        raise BomCycleError(_find_cycle(left, edges))
    return {node: level[node] for node in sorted(level)}


def _find_cycle(left, edges):
    # Every product left after Kahn's pass has a parent that is also left, so
    # walking up parents must come back to a product already seen.
    parents = {}
    for parent, children in edges.items():
        if parent not in left:
            continue
        for child, _weight in children:
            if child in left:
                parents.setdefault(child, set()).add(parent)
    path = []
    seen = {}
    node = min(left)
    while node not in seen:
        seen[node] = len(path)
        path.append(node)
        node = min(parents[node])
    cycle = path[seen[node] :]
    cycle.reverse()  # walked child -> parent; report parent -> child
    start = cycle.index(min(cycle))
    return cycle[start:] + cycle[:start]


def flatten_kits(product_id, boms, cache):
    """Components of ``product_id`` with kits exploded through, per one unit.

    Returns ``[(component_id, qty), ...]`` merged per component, in the order
    components first appear in the BOM lines (deterministic). Only called once
    cycles are ruled out.
    """
    if product_id in cache:
        return cache[product_id]
    merged = {}
    for line in boms[product_id].lines:
        child = boms.get(line.component_id)
        if child is not None and child.kind == "phantom":
            for leaf, qty in flatten_kits(line.component_id, boms, cache):
                merged[leaf] = merged.get(leaf, 0.0) + qty * line.qty
        else:
            merged[line.component_id] = merged.get(line.component_id, 0.0) + line.qty
    result = list(merged.items())
    cache[product_id] = result
    return result


def reached(edges, changed):
    """``changed`` and every component below them through ``edges`` (the
    products whose plan a change of ``changed`` can alter)."""
    seen = set(changed)
    todo = list(seen)
    while todo:
        for child, _weight in edges.get(todo.pop(), ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen
