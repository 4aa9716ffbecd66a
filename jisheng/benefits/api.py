"""API of the benefit process: runs (nothing saved), batches and the decisions on them.

Every operation reads through ``visible_to(request.user)`` and changes through services, like the pages.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.areas.models import Area
from jisheng.areas.scoping import get_visible_or_404, visible_area

from . import engine, services
from .models import Batch
from .rules import get_programme, programmes

router = Router(tags=["benefits"])


class RunIn(Schema):
    programme: str
    year: int
    area: str


class BatchIn(RunIn):
    pass


class DecisionIn(Schema):
    step: str  # notice | review | approve | pay
    accept: bool = True
    reason: str = ""
    days: int | None = None


def _batch_out(batch: Batch) -> dict[str, Any]:
    return {
        "id": batch.pk,
        "programme": batch.programme_id,
        "name": batch.programme_name,
        "version": batch.version,
        "year": batch.year,
        "area": batch.area_id,
        "status": batch.status,
        "total": f"{batch.total:.2f}",
        "notice_start": batch.notice_start,
        "notice_end": batch.notice_end,
    }


def _area_for(request: HttpRequest, code: str) -> Area:
    area: Area | None = visible_area(request.user, code)
    if area is None:
        raise HttpError(404, _("No such area, or it is outside your area."))
    return area


@router.get("/programmes")
def programme_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "id": p.id,
            "name": p.name,
            "region": p.region,
            "source": p.source,
            "versions": [v.version for v in p.versions],
        }
        for p in programmes().values()
    ]


@router.post("/runs")
def run(request: HttpRequest, payload: RunIn) -> dict[str, Any]:
    """Propose beneficiaries over an area of the caller's; nothing is saved."""
    area = _area_for(request, payload.area)
    try:
        result = engine.run(get_programme(payload.programme), payload.year, area.code)
    except (KeyError, ValueError) as exc:
        raise HttpError(400, str(exc)) from exc
    return {
        "programme": payload.programme,
        "version": result.version.version,
        "persons": len(result.proposals),
        "households": result.households,
        "total": f"{result.total:.2f}",
        "proposals": [
            {
                "id_number": d.subject.id_number,
                "name": d.subject.name,
                "amount": f"{d.amount:.2f}",
                "reasons": d.reasons,
            }
            for d in result.proposals
        ],
        "near_misses": [
            {"id_number": d.subject.id_number, "name": d.subject.name, "near": d.near}
            for d in result.near_misses
        ],
    }


@router.get("/batches")
def batch_list(request: HttpRequest, status: str = "") -> list[dict[str, Any]]:
    batches = Batch.objects.visible_to(request.user)
    if status:
        batches = batches.filter(status=status)
    return [_batch_out(b) for b in batches[:500]]


@router.get("/batches/{batch_id}")
def batch_detail(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    batch = get_visible_or_404(Batch.objects.all(), request.user, pk=batch_id)
    lines = batch.lines.all()
    return {
        **_batch_out(batch),
        "lines": [
            {
                "id": line.pk,
                "name": line.name,
                "id_number": line.id_number,
                "amount": f"{line.amount:.2f}",
                "status": line.status,
                "reasons": line.reasons.splitlines(),
            }
            for line in lines
        ],
    }


@router.post("/batches")
def batch_create(request: AuthenticatedHttpRequest, payload: BatchIn) -> dict[str, Any]:
    area = _area_for(request, payload.area)
    try:
        batch = services.batch_propose(
            programme_id=payload.programme, year=payload.year, area=area, by=request.user
        )
    except KeyError as exc:
        raise HttpError(400, str(exc)) from exc
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or _("You may not do this.")) from exc
    return _batch_out(batch)


@router.post("/batches/{batch_id}/decisions")
def batch_decide(request: AuthenticatedHttpRequest, batch_id: int, payload: DecisionIn) -> dict[str, Any]:
    """One step of the process: notice, review, approve or pay (issue the bank file's payments)."""
    batch = get_visible_or_404(Batch.objects.all(), request.user, pk=batch_id)
    by = request.user
    try:
        if payload.step == "notice":
            batch = services.batch_start_notice(batch=batch, days=payload.days, by=by)
        elif payload.step == "review":
            batch = services.batch_review(batch=batch, accept=payload.accept, reason=payload.reason, by=by)
        elif payload.step == "approve":
            batch = services.batch_approve(batch=batch, accept=payload.accept, reason=payload.reason, by=by)
        elif payload.step == "pay":
            services.payments_issue(batch=batch, by=by)
            batch.refresh_from_db()
        else:
            raise HttpError(400, _("step must be notice, review, approve or pay"))
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or _("You may not do this.")) from exc
    except ValidationError as exc:
        raise HttpError(409, "；".join(exc.messages)) from exc
    return _batch_out(batch)
