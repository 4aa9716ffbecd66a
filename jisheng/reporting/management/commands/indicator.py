import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ... import compute, definitions
from ...queries import indicator_result
from ._common import area_of, form_spec, period_of


class Command(BaseCommand):
    help = "`indicator INDICATOR --period KEY --area CODE [--json]`: value, numerator and denominator, live from the registry."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("indicator")
        parser.add_argument("--period", required=True)
        parser.add_argument("--area", required=True)
        parser.add_argument(
            "--form", default="", help="form whose items the formula uses (default: the period's form)"
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        known = definitions.indicators()
        indicator = known.get(options["indicator"])
        if indicator is None:
            raise CommandError(
                f"未知指标 / unknown indicator: {options['indicator']} (可用 / known: {', '.join(known)})"
            )
        period = period_of(options["period"])
        form_code = options["form"] or _form_for(period.type)
        form = form_spec(form_code)
        area = area_of(options["area"])
        result = indicator_result(indicator, compute.compute_area(form, period, area))
        payload = {**result.as_dict(), "period": period.key, "area": area.code, "area_name": area.name}
        if indicator.source != "registry":
            payload["note"] = "该指标来自手工填报, 信息库无数据 / entered by hand, not in the registry"
        if options["json"]:
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        value = "—" if result.value is None else f"{result.value:.2f}"
        self.stdout.write(f"{indicator.name} / {indicator.code}  {area.name} {period.key}")
        self.stdout.write(
            f"值 value: {value} {indicator.unit}  (正常 normal: {indicator.normal_range or '—'})"
        )
        self.stdout.write(f"分子 numerator ({indicator.numerator}): {_show(result.numerator)}")
        self.stdout.write(f"分母 denominator ({indicator.denominator}): {_show(result.denominator)}")
        if "note" in payload:
            self.stdout.write(payload["note"])


def _form_for(period_type: str) -> str:
    return {
        "day3": "village_3day",
        "week": "village_week",
        "quarter": "village_quarter",
        "year": "village_year",
    }.get(period_type, "village_month")


def _show(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"
