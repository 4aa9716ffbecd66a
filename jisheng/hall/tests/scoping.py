from typing import Any

from jisheng.hall import services
from jisheng.hall.models import Application, Post, ServiceItem
from tests.factories import A_RESIDENT, SETUP


def make_objects(*, area: Any, marker: str) -> list[Any]:
    from jisheng.accounts.models import Role, User
    from jisheng.registry.models import Person

    if not ServiceItem.objects.exists():
        services.catalogue_load(by=SETUP)
    township = area.parent
    clerk = User.objects.create_user(
        username=f"hall-a-{marker}", password="x", area=township, full_name=marker
    )
    clerk2 = User.objects.create_user(username=f"hall-b-{marker}", password="x", area=township)
    for user in (clerk, clerk2):
        user.roles.set(Role.objects.filter(code="counter_clerk"))
    post = services.post_create(office=township, name=marker, holder_a=clerk, holder_b=clerk2, by=SETUP)
    person = Person.objects.create(
        name=marker, id_number=_next_id(), sex="2", birth_date="1990-01-01", residence_area=area
    )
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


_serial = iter(range(100, 1000, 2))  # an even last digit: a woman


def _next_id() -> str:
    """A valid ID number of a woman born 1990-01-01, different at each call (one live person per ID)."""
    body = f"41172319900101{next(_serial)}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
