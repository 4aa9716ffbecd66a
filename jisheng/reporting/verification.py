"""核实: checks a report's figures and returns its findings (plain dicts, stored on the report).

Kinds: ``arithmetic`` (figures that contradict each other, e.g. boys + girls ≠ births: the report can be
neither submitted nor approved), ``rule`` (other validation rules from the policy files), ``registry``
(a figure that differs from what the registry says for the same area and period), ``children`` (a
compiled figure that differs from the sum of the approved reports below: also blocking) and ``outlier``
(a figure far from the area's own history: z-score, or outside the minimum–maximum of earlier periods).
Every finding's message is a sentence in the words of the form, never a code.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

from . import expressions
from .definitions import Form, rules_for

Z_LIMIT = 3.0
MIN_HISTORY = 4
BLOCKING_KINDS = ("arithmetic", "children")


def blocking(findings: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Findings no explanation excuses: the report must be corrected."""
    return [finding for finding in findings if finding.get("kind") in BLOCKING_KINDS]


def _number(value: Any) -> float | None:
    return None if value is None or value == "" else float(value)


def check_rules(form: Form, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    figures = {code: _number(value) for code, value in values.items()}
    findings = []
    for rule in rules_for(form):
        left = expressions.evaluate(rule.left, figures)
        right = expressions.evaluate(rule.right, figures)
        if left is None or right is None:
            continue
        if not expressions.COMPARISONS[rule.op](left, right):
            findings.append(
                {
                    "kind": "arithmetic" if rule.arithmetic else "rule",
                    "code": rule.code,
                    "importance": "high" if rule.arithmetic else rule.importance,
                    "message": rule.message.format(left=f"{left:g}", right=f"{right:g}"),
                }
            )
    return findings


def check_registry(
    form: Form, values: Mapping[str, Any], registry: Mapping[str, Any]
) -> list[dict[str, Any]]:
    findings = []
    for item in form.items:
        if not item.is_computed or item.code not in registry:
            continue
        reported, expected = _number(values.get(item.code)), _number(registry[item.code])
        if reported is None or expected is None or reported == expected:
            continue
        findings.append(
            {
                "kind": "registry",
                "code": item.code,
                "item": item.code,
                "importance": "high",
                "message": _(
                    "“%(item)s” reported %(reported)s, the registry has %(registry)s (difference %(diff)s)"
                )
                % {
                    "item": item.label,
                    "reported": f"{reported:g}",
                    "registry": f"{expected:g}",
                    "diff": f"{reported - expected:+g}",
                },
                "reported": reported,
                "registry": expected,
                "difference": reported - expected,
            }
        )
    return findings


def check_outliers(
    form: Form, values: Mapping[str, Any], history: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    findings = []
    for item in form.items:
        if item.parent:
            continue  # the total carries the signal; sub-items would repeat it
        value = _number(values.get(item.code))
        past = [number for row in history if (number := _number(row.get(item.code))) is not None]
        if value is None or len(past) < MIN_HISTORY:
            continue
        mean, spread = statistics.fmean(past), statistics.pstdev(past)
        if spread > 0 and abs(value - mean) / spread > Z_LIMIT:
            findings.append(
                {
                    "kind": "outlier",
                    "code": f"z:{item.code}",
                    "item": item.code,
                    "importance": "medium",
                    "message": _(
                        "“%(item)s” is %(value)s, more than %(limit)s standard deviations from the mean "
                        "%(mean)s of the previous %(count)s periods (z = %(z)s)"
                    )
                    % {
                        "item": item.label,
                        "value": f"{value:g}",
                        "limit": f"{Z_LIMIT:g}",
                        "mean": f"{mean:.1f}",
                        "count": len(past),
                        "z": f"{(value - mean) / spread:.1f}",
                    },
                }
            )
        elif value < min(past) or value > max(past):
            findings.append(
                {
                    "kind": "outlier",
                    "code": f"range:{item.code}",
                    "item": item.code,
                    "importance": "low",
                    "message": _(
                        "“%(item)s” is %(value)s, outside the range %(low)s–%(high)s of the previous %(count)s periods"
                    )
                    % {
                        "item": item.label,
                        "value": f"{value:g}",
                        "low": f"{min(past):g}",
                        "high": f"{max(past):g}",
                        "count": len(past),
                    },
                }
            )
    return findings


def check_children(
    form: Form, values: Mapping[str, Any], children: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """A compiled report's figures against the sum of the approved reports below it."""
    if children is None:
        return []
    findings = []
    for item in form.items:
        reported, summed = _number(values.get(item.code)), _number(children.get(item.code))
        if reported == summed:
            continue
        findings.append(
            {
                "kind": "children",
                "code": f"children:{item.code}",
                "item": item.code,
                "importance": "high",
                "message": _(
                    "“%(item)s” is %(reported)s, but the approved reports below add up to %(summed)s"
                )
                % {
                    "item": item.label,
                    "reported": "—" if reported is None else f"{reported:g}",
                    "summed": "—" if summed is None else f"{summed:g}",
                },
            }
        )
    return findings


def verify(
    form: Form,
    values: Mapping[str, Any],
    registry: Mapping[str, Any],
    history: Sequence[Mapping[str, Any]],
    children: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    return [
        *check_rules(form, values),
        *check_children(form, values, children),
        *check_registry(form, values, registry),
        *check_outliers(form, values, history),
    ]
