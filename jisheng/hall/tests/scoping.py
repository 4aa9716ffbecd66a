import datetime
from typing import Any

from jisheng.hall import services
from jisheng.hall.models import Application, Post, ServiceItem
from tests.factories import A_RESIDENT, SETUP, make_person, make_user


def make_objects(*, area: Any, marker: str) -> list[Any]:
    if not ServiceItem.objects.exists():
        services.catalogue_load(by=SETUP)
    township = area.parent
    clerk = make_user(area=township, roles=("counter_clerk",), username=f"hall-a-{marker}", full_name=marker)
    clerk2 = make_user(area=township, roles=("counter_clerk",), username=f"hall-b-{marker}")
    post = services.post_create(office=township, name=marker, holder_a=clerk, holder_b=clerk2, by=SETUP)
    person = make_person(area=area, name=marker, sex="2", birth=datetime.date(1990, 1, 1), phone="")
    application = services.application_submit(
        item=ServiceItem.objects.get(code="migrant-marital-certificate"),
        person=person,
        channel="online",
        phone="13800138000",
        by=A_RESIDENT,
        uploads=[services.Upload(material_code="photo", name=f"{marker}.pdf", content=b"%PDF-1.4\n")],
    )
    return [application, post, application.files.get()]


__all__ = ["Application", "Post", "make_objects"]
