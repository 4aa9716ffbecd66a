"""What a certificate carries beyond the holder: for the 生育服务证, the spouse and the child's order."""

from __future__ import annotations

from django.db.models import Max, Q

from jisheng.certificates.signing import mask_id_number

from ..models import Application

BIRTH_SERVICE_CERTIFICATE = "生育服务证"
ORDER_WORDS = {1: "一", 2: "二", 3: "三"}


def child_order_text(order: int) -> str:
    """第一个子女（一孩）; orders beyond three are written in figures."""
    word = ORDER_WORDS.get(order)
    return f"第{word}个子女（{word}孩）" if word else f"第{order}个子女"


def certificate_details(application: Application) -> dict[str, str]:
    """The lines printed on the certificate: the application's own details, and for a 生育服务证 the
    spouse (from the current marriage in the registry) and which child of the couple it is for."""
    details = {str(k): str(v) for k, v in application.details.items() if isinstance(v, str)}
    person = application.person
    if application.item.certificate != BIRTH_SERVICE_CERTIFICATE or person is None:
        return details
    from jisheng.registry.models import Birth, Marriage

    marriage = (
        Marriage.objects.filter(Q(husband=person) | Q(wife=person), divorce_date__isnull=True)
        .select_related("husband", "wife")
        .order_by("-date")
        .first()
    )
    parents = [person]
    if marriage is not None:
        spouse = marriage.wife if marriage.husband_id == person.pk else marriage.husband
        parents.append(spouse)
        details["配偶姓名"] = spouse.name
        details["配偶公民身份号码"] = mask_id_number(spouse.id_number)
        day = marriage.date
        details["结婚登记日期"] = f"{day.year}年{day.month}月{day.day}日"
    births = Birth.objects.filter(Q(mother__in=parents) | Q(father__in=parents))
    # The couple's children so far, counted once each; the registry's own birth order wins when higher.
    born = max(births.count(), births.aggregate(top=Max("birth_order"))["top"] or 0)
    details["本次登记子女孩次"] = child_order_text(born + 1)
    return details
