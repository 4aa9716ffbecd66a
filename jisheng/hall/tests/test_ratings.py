"""好差评 as the national scheme: five named levels, nothing chosen in advance, one rating per visit or
online case, a bad rating followed up within 15 working days, and the resident may appeal the reply."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from jisheng.hall import services
from jisheng.hall.models import Rating, RatingLevel
from tests.factories import A_RESIDENT

from .conftest import PHONE, upload


@pytest.fixture
def concluded(catalogue: Any, resident: Any, staff: Any) -> Any:
    application = services.application_submit(
        item=catalogue["migrant-marital-certificate"],
        person=resident,
        channel="online",
        phone=PHONE,
        by=A_RESIDENT,
        uploads=[upload("photo")],
    )
    return services.application_approve(application=application, by=staff["clerk"])


def _portal(client: Any, application: Any) -> Any:
    client.post("/portal/track/", {"number": application.number, "phone": PHONE})
    return client


def test_the_five_levels_are_named_as_the_national_scheme_names_them() -> None:
    from django.utils import translation

    with translation.override("zh-hans"):
        labels = [str(label) for _, label in RatingLevel.choices]
    assert labels == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]


def test_the_rating_form_offers_the_five_levels_with_none_chosen(client: Any, concluded: Any) -> None:
    page = _portal(client, concluded).get(f"/portal/track/{concluded.number}/").content.decode()
    form = page[page.index('id="rate-form"') :]
    form = form[: form.index("</form>")]
    for label in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert label in form
    assert form.count('type="radio"') == 5 and "checked" not in form and "<select" not in form


def test_a_rating_without_a_level_is_refused_and_nothing_is_stored(client: Any, concluded: Any) -> None:
    response = _portal(client, concluded).post(
        f"/portal/track/{concluded.number}/rate", {"comment": "还行"}, follow=True
    )
    assert "请选择" in response.content.decode() and not Rating.objects.exists()


def test_the_database_refuses_a_second_rating_of_the_same_case(concluded: Any) -> None:
    services.rating_submit(application=concluded, level=RatingLevel.SATISFIED, by=A_RESIDENT)
    with pytest.raises(ValidationError, match="已经评价"):
        services.rating_submit(application=concluded, level=RatingLevel.VERY_SATISFIED, by=A_RESIDENT)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(
            application=concluded, level=5, created_at=concluded.decided_at, channel="online"
        )


def test_a_bad_rating_is_followed_up_within_fifteen_working_days_and_can_be_appealed(
    client: Any, concluded: Any, staff: Any, client_for: Any
) -> None:
    from django.utils import timezone

    from jisheng.workdays.calendar import add_working_days

    portal = _portal(client, concluded)
    portal.post(f"/portal/track/{concluded.number}/rate", {"level": "2", "comment": "等太久"})
    rating = Rating.objects.get(application=concluded)
    assert rating.level == RatingLevel.DISSATISFIED and rating.channel == "online"
    assert rating.follow_up_due == add_working_days(timezone.localdate(), 15)

    clerk = client_for(staff["clerk"])
    listing = clerk.get("/hall/ratings/").content.decode()
    assert concluded.number in listing and "不满意" in listing
    clerk.post("/hall/ratings/", {"rating": rating.pk, "reply": "已电话回访并致歉"})
    rating.refresh_from_db()
    assert rating.reply == "已电话回访并致歉" and rating.replied_by == staff["clerk"]

    page = portal.get(f"/portal/track/{concluded.number}/").content.decode()
    assert "已电话回访并致歉" in page and 'id="appeal"' in page
    portal.post(f"/portal/track/{concluded.number}/appeal", {"appeal": "回复没有解决问题"})
    rating.refresh_from_db()
    assert rating.appeal == "回复没有解决问题" and rating.appeal_due is not None
    with pytest.raises(ValidationError, match="已经申诉"):
        services.rating_appeal(rating=rating, text="再次申诉", by=A_RESIDENT)

    # The clerk whose reply is appealed does not answer the appeal; the township head does.
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.rating_appeal_answer(rating=rating, answer="维持", by=staff["clerk"])
    client_for(staff["head"]).post(
        "/hall/ratings/", {"rating": rating.pk, "action": "appeal", "answer": "已约谈窗口人员，整改到位"}
    )
    rating.refresh_from_db()
    assert rating.appeal_reply == "已约谈窗口人员，整改到位" and rating.appeal_replied_by == staff["head"]
    assert "已约谈窗口人员" in portal.get(f"/portal/track/{concluded.number}/").content.decode()


def test_a_good_rating_needs_no_follow_up(concluded: Any) -> None:
    rating = services.rating_submit(application=concluded, level="3", by=A_RESIDENT)
    assert rating.follow_up_due is None and rating.get_level_display() in ("基本满意", "Fairly satisfied")
    assert isinstance(rating.created_at, datetime.datetime)


def test_a_reply_after_the_fifteen_working_days_is_shown_as_late(
    concluded: Any, staff: Any, client_for: Any
) -> None:
    rating = services.rating_submit(application=concluded, level=RatingLevel.VERY_DISSATISFIED, by=A_RESIDENT)
    Rating.objects.filter(pk=rating.pk).update(follow_up_due=datetime.date(2026, 1, 5))
    rating.refresh_from_db()
    listing = client_for(staff["clerk"]).get("/hall/ratings/").content.decode()
    assert '<span class="badge bad">2026-01-05</span>' in listing
    services.rating_reply(rating=rating, reply="已回访", by=staff["clerk"])
    rating.refresh_from_db()
    assert rating.replied_late
    assert "超过 15 个工作日才答复" in client_for(staff["clerk"]).get("/hall/ratings/").content.decode()
