"""Smoke tests of the plant blueprint: plain pytest, no database, a second or so.

``pytest -p no:odoo tests/benchmarks`` (not part of ``make test``: the benchmark
itself is run by ``make bench``).
"""

import generate_plant as gp
import pytest


@pytest.fixture(scope="module")
def small():
    return gp.Blueprint("S", seed=gp.DEFAULT_SEED)


def test_same_seed_same_plant(small):
    again = gp.Blueprint("S", seed=gp.DEFAULT_SEED)
    assert again.boms == small.boms
    assert again.sellers == small.sellers
    assert again.stock == small.stock
    assert again.deliveries == small.deliveries
    assert again.productions == small.productions
    assert again.purchases == small.purchases
    other = gp.Blueprint("S", seed=gp.DEFAULT_SEED + 1)
    assert other.boms != small.boms


def test_size_s_counts(small):
    assert len(small.level_of) == 200
    lines = sum(len(x) for x in small.boms.values())
    assert 900 <= lines <= 1_100
    assert sum(len(p[3]) for p in small.deliveries) == 300
    assert set(small.level_of) == {0, 1, 2, 3, 4}


def _depth(bp, product, memo):
    if product not in memo:
        lines = bp.boms.get(product, ())
        memo[product] = 1 + max((_depth(bp, c, memo) for c, _q in lines), default=0)
    return memo[product]


def test_levels_between_three_and_five(small):
    memo = {}
    depths = {_depth(small, i, memo) for i in small.by_level[0]}
    assert min(depths) >= 2
    assert max(depths) == 5
    # components always sit on a deeper level than their parent: no cycle
    for parent, lines in small.boms.items():
        for component, qty in lines:
            assert small.level_of[component] > small.level_of[parent]
            assert qty == int(qty) and qty >= 1


def test_every_product_is_used_and_leaves_are_bought(small):
    used = {c for lines in small.boms.values() for c, _q in lines}
    assert set(range(len(small.by_level[0]), 200)) <= used
    assert set(small.sellers) == set(small.by_level[4])
    assert not set(small.boms) & set(small.by_level[4])


def test_first_vendor_has_the_smallest_minimum(small):
    for lines in small.sellers.values():
        assert 1 <= len(lines) <= 3
        assert [s["sequence"] for s in lines] == list(range(1, len(lines) + 1))
        assert lines[0]["min_qty"] == min(s["min_qty"] for s in lines)


def test_dates_inside_the_horizon(small):
    assert all(-3 <= day <= gp.HORIZON_DAYS for _wh, day, _c, _l in small.deliveries)
    assert all(0 <= day <= 60 for _p, _wh, day, _q in small.productions)
    assert all(1 <= day <= 30 for _v, _wh, day, _l in small.purchases)
