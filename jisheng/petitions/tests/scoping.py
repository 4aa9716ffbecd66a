from typing import Any

from django.utils import timezone

from jisheng.petitions import services
from jisheng.petitions.services import NewItem

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


def make_objects(*, area: Any, marker: str) -> list[Any]:
    from jisheng.accounts.models import User
    from jisheng.accounts.services import roles_for

    clerk = User.objects.create_user(
        username=f"petitions-{marker}", password="x", area=area.parent, full_name=marker
    )
    clerk.roles.set(roles_for(["township_head"]))
    file = services.file_open(area=area, kind="person", name="王" + marker[:8], phone="13800138000", by=clerk)
    matter = services.matter_receive(
        file=file,
        area=area,
        kind="petition",
        channel="visit",
        field="benefits",
        title=marker,
        facts=marker,
        uploads=[services.Upload(f"{marker}.png", PNG)],
        by=clerk,
    )
    meeting = services.meeting_record(
        matter=matter, held_on=timezone.localdate(), attendees=marker, said=marker, by=clerk
    )
    item = services.ledger_item_create(
        area=area,
        item=NewItem(title=marker, responsible=clerk, office=marker, deadline=timezone.localdate()),
        source="petition",
        by=clerk,
    )
    outing = services.outing_record(
        area=area, held_on=timezone.localdate(), title=marker, walkers=marker, route=marker, by=clerk
    )
    survey = services.survey_create(
        area=area,
        title=marker,
        recipients=marker,
        sent_count=1,
        questions=[(marker, [f"{marker}1", f"{marker}2"])],
        by=clerk,
    )
    risk = services.risk_assess(area=area, project=marker, grade="high", findings=marker, by=clerk)
    return [file, matter, meeting, *matter.attachments.all(), item, outing, survey, risk]
