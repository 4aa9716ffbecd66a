"""Computed items of a form for every village of an area and period, and their sums up the tree.

One grouped query per measure covers every village of the area (see measures.count_by_village); the
items, sub-items and higher levels are sums of those grouped rows.
"""

from __future__ import annotations

from collections import defaultdict

from jisheng.areas.codes import PREFIX_LENGTH, code_range, level_of
from jisheng.areas.models import Area, Level

from .definitions import Form
from .measures import MEASURES, count_by_village
from .periods import Period

Figures = dict[str, float]


def compute_villages(form: Form, period: Period, prefix: str) -> dict[str, Figures]:
    """{village code: {item code: value}} for every computed item and every village under prefix."""
    by_measure: dict[str, list] = defaultdict(list)
    for item in form.items:
        if item.is_computed:
            by_measure[item.measure].append(item)
    villages = Area.objects.filter(code__range=code_range(prefix), level=Level.VILLAGE).values_list(
        "code", flat=True
    )
    result: dict[str, Figures] = {
        code: {item.code: 0 for item in form.items if item.is_computed} for code in villages
    }
    for measure_code, items in by_measure.items():
        measure = MEASURES[measure_code]
        dims = sorted({name for item in items for name in item.dimensions})
        counts = count_by_village(measure, period.start, period.end, prefix, dims)
        for village, grouped in counts.items():
            figures = result.setdefault(village, {i.code: 0 for i in form.items if i.is_computed})
            for key, count in grouped.items():
                values = dict(zip(dims, key, strict=True))
                for item in items:
                    if all(values[name] == str(value) for name, value in item.where.items()):
                        figures[item.code] += count
    return result


def rollup(figures_by_village: dict[str, Figures], level: int) -> dict[str, Figures]:
    """Sum village figures into the areas of ``level`` (keyed by their padded 12-digit code).

    A key may also be an office above the villages that counts its own rows (petitions handled at a
    township or the county): those figures belong to that area's total and the totals above it, never to
    a level below it — a county's own key, cut to a township's length, would otherwise stand for the
    county and replace its total."""
    length = PREFIX_LENGTH[level]
    totals: dict[str, Figures] = {}
    for village, figures in figures_by_village.items():
        if level_of(village) < level:
            continue  # an office's own figures above this level (petitions)
        code = village[:length].ljust(12, "0")
        target = totals.setdefault(code, {})
        for item, value in figures.items():
            target[item] = target.get(item, 0) + value
    return totals


def compute_area(form: Form, period: Period, area: Area) -> Figures:
    """The computed items of one area (a village, or the sum of all villages below it)."""
    villages = compute_villages(form, period, area.prefix)
    if area.level == Level.VILLAGE:
        return villages.get(area.code, {item.code: 0 for item in form.items if item.is_computed})
    summed = rollup(villages, area.level).get(area.code)
    return summed or {item.code: 0 for item in form.items if item.is_computed}


def compute_tree(form: Form, period: Period, area: Area) -> dict[str, Figures]:
    """Figures of ``area`` and of every area below it, down to the villages, from one pass."""
    villages = compute_villages(form, period, area.prefix)
    tree: dict[str, Figures] = dict(villages)
    for level in range(area.level, Level.VILLAGE):
        tree.update(rollup(villages, level))
    tree.setdefault(area.code, {item.code: 0 for item in form.items if item.is_computed})
    return tree
