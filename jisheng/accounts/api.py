from django.http import HttpRequest
from ninja import Router, Schema

router = Router(tags=["accounts"])


class MeOut(Schema):
    username: str
    full_name: str
    area_code: str
    area_name: str
    roles: list[str]


@router.get("/me", response=MeOut, summary="The calling staff member")
def me(request: HttpRequest) -> MeOut:
    user = request.user
    return MeOut(
        username=user.username,
        full_name=user.full_name,  # type: ignore[union-attr]
        area_code=user.area_id or "",  # type: ignore[union-attr]
        area_name=str(user.area),  # type: ignore[union-attr]
        roles=sorted(user.role_codes()),  # type: ignore[union-attr]
    )
