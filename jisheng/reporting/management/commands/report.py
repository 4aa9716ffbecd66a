import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ... import compute
from ._common import area_of, form_spec, period_of


class Command(BaseCommand):
    help = "Reporting: `report compute FORM --period KEY --area CODE [--json]` prints the computed items."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        computed = actions.add_parser(
            "compute", help="computed items of a form, as the prefilled report shows them"
        )
        computed.add_argument("form")
        computed.add_argument("--period", required=True)
        computed.add_argument("--area", required=True)
        computed.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        form = form_spec(options["form"])
        period = period_of(options["period"], form)
        area = area_of(options["area"])
        figures = compute.compute_area(form, period, area)
        items: list[dict[str, Any]] = [
            {"code": item.code, "label": item.label, "value": figures[item.code]}
            for item in form.items
            if item.is_computed
        ]
        if options["json"]:
            payload = {
                "form": form.code,
                "period": period.key,
                "area": area.code,
                "area_name": area.name,
                "items": items,
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        self.stdout.write(
            f"{form.name} / {form.code}  {period.key} ({period.start} – {period.end})  {area.code} {area.name}"
        )
        width = max(len(item["code"]) for item in items)
        for item in items:
            self.stdout.write(f"{item['code']:<{width}}  {item['value']:>8}  {item['label']}")
