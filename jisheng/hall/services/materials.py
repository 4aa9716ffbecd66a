"""Reading a case's submitted papers: each opening of a photo or PDF is a disclosure, in the trail."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from jisheng.areas.scoping import can_see_area
from jisheng.audit.services import record
from jisheng.core.actor import Actor, is_staff

from ..models import SubmittedFile


@transaction.atomic(durable=True)
def material_view_record(*, submitted: SubmittedFile, by: Actor) -> None:
    """Record that ``by`` opened a submitted file, before the file is handed over (so a viewing that
    happened is never missing from the trail). Outermost."""
    application = submitted.application
    if not is_staff(by) or not can_see_area(by, application.area_id):
        raise PermissionDenied(_("This application is outside your area."))
    record(
        by=by,
        action="disclosure.case_material",
        obj=application,
        after={
            "kind": "case_material",
            "count": 1,
            "file": submitted.pk,
            "material": submitted.material_code,
            "name": submitted.original_name,
        },
    )
