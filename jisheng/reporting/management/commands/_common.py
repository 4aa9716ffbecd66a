"""Argument handling shared by the reporting commands: form, period and area given on the command line."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from jisheng.areas.codes import normalize_code
from jisheng.areas.models import Area

from ...definitions import Form, form_files
from ...models import ReportForm
from ...periods import Period, parse


def form_spec(code: str) -> Form:
    """The stored form (the version reports use) or, before forms are loaded, the policy file."""
    stored = ReportForm.objects.filter(code=code).first()
    if stored is not None:
        return stored.spec()
    files = form_files()
    if code not in files:
        raise CommandError(f"未知报表 / unknown form: {code} (可用 / known: {', '.join(sorted(files))})")
    return files[code]


def period_of(key: str, form: Form | None = None) -> Period:
    try:
        period = parse(key)
    except ValidationError as exc:
        raise CommandError(f"周期无效 / bad period: {key}") from exc
    if form is not None and period.type != form.period_type:
        raise CommandError(
            f"周期 {key} 与报表 {form.code} 的周期类型 {form.period_type} 不符 / period type mismatch"
        )
    return period


def area_of(code: str) -> Area:
    try:
        area = Area.objects.filter(code=normalize_code(code)).first()
    except ValidationError as exc:
        raise CommandError(f"区划代码无效 / bad area code: {code}") from exc
    if area is None:
        raise CommandError(f"区划不存在 / no such area: {code}")
    return area
