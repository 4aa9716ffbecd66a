"""Health data are sealed at rest with SM4: the raw rows hold no result, referral, follow-up or visit note
in the clear, the pages and the screening figures read them as before, and the migration seals rows
written before it (and opens them again when reversed)."""

import datetime
import importlib

import pytest
from django.db import connection
from django.db.models import Count

from jisheng.core.crypto import fields as sealed
from jisheng.outreach import queries, services
from jisheng.outreach.models import HealthReferral, PrePregnancyCheck, Screening, Visit

from . import factories

TODAY = datetime.date.today()
MIGRATION = "jisheng.outreach.migrations.0006_seal_health_data_and_visit_notes"


def raw(table, pk, *columns):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()


class _Editor:
    def __init__(self):
        self.connection = connection


@pytest.fixture
def officer(areas, make_user):
    return make_user(areas["village_a"], "village_officer")


@pytest.fixture
def health_rows(areas, officer):
    village = areas["village_a"]
    woman = factories.person(village)
    screening = services.screening_invite(by=officer, woman=woman, kind="cervical", invited_on=TODAY)
    services.screening_record(
        by=officer, screening=screening, screened_on=TODAY, result="suspected", referral="县妇幼保健院"
    )
    check = services.prepregnancy_book(
        by=officer, wife=factories.person(village, name="李娜"), booked_on=TODAY
    )
    services.prepregnancy_done(
        by=officer, check=check, done_on=TODAY, result="risk", follow_up="补叶酸三个月"
    )
    referral = services.referral_record(
        by=officer,
        person=woman,
        kind="infertility",
        referred_on=TODAY,
        referred_to="省妇幼保健院生殖中心",
        reason="婚后五年未孕",
    )
    services.referral_outcome(by=officer, referral=referral, outcome="已受孕")
    visit = services.visit_record(
        by=officer,
        household=factories.household(village),
        visited_on=TODAY,
        met="户主",
        asked="想了解取环手术",
        promised="联系乡卫生院",
        follow_up_due=None,
    )
    return {"screening": screening, "check": check, "referral": referral, "visit": visit}


def test_the_raw_rows_hold_no_health_finding_or_visit_note_in_the_clear(health_rows):
    result, referral = raw("outreach_screening", health_rows["screening"].pk, "result", "referral")
    assert result.startswith("sm4siv:") and "suspected" not in result
    assert referral.startswith("sm4gcm:") and "妇幼" not in referral
    result, follow_up = raw("outreach_prepregnancycheck", health_rows["check"].pk, "result", "follow_up")
    assert result.startswith("sm4siv:") and follow_up.startswith("sm4gcm:") and "叶酸" not in follow_up
    row = raw("outreach_healthreferral", health_rows["referral"].pk, "referred_to", "reason", "outcome")
    assert all(value.startswith("sm4gcm:") for value in row) and "未孕" not in "".join(row)
    asked, promised = raw("outreach_visit", health_rows["visit"].pk, "asked", "promised")
    assert asked.startswith("sm4gcm:") and "取环" not in asked and promised.startswith("sm4gcm:")
    (summary,) = raw("outreach_handoff", health_rows["visit"].handoff.pk, "summary")
    assert summary.startswith("sm4gcm:") and "取环" not in summary

    assert Screening.objects.get(pk=health_rows["screening"].pk).referral == "县妇幼保健院"
    assert PrePregnancyCheck.objects.get(pk=health_rows["check"].pk).follow_up == "补叶酸三个月"
    assert HealthReferral.objects.get(pk=health_rows["referral"].pk).outcome == "已受孕"
    assert Visit.objects.get(pk=health_rows["visit"].pk).asked == "想了解取环手术"


def test_results_are_still_filtered_and_grouped_by_category_on_the_sealed_column(areas, officer, health_rows):
    woman = factories.person(areas["village_a"], name="赵敏")
    normal = services.screening_invite(by=officer, woman=woman, kind="breast", invited_on=TODAY)
    services.screening_record(by=officer, screening=normal, screened_on=TODAY, result="normal")

    assert list(Screening.objects.filter(result="normal")) == [normal]
    assert Screening.objects.filter(result__in=["suspected", "abnormal"]).get() == health_rows["screening"]
    grouped = dict(Screening.objects.order_by().values_list("result").annotate(n=Count("pk")))
    assert grouped == {"normal": 1, "suspected": 1}
    rates = queries.screening_rates(areas["village_a"].prefix, TODAY, TODAY)
    assert (rates["invited"], rates["screened"], rates["abnormal"], rates["referred"]) == (2, 2, 1, 1)


def test_the_health_list_still_shows_results_masked_and_the_reveal_opens_them(
    areas, make_user, client_for, health_rows
):
    client = client_for(make_user(areas["village_a"], "village_officer"))
    html = client.get("/outreach/health/?kind=screening").content.decode()
    assert "●●●" in html and "县妇幼保健院" not in html
    revealed = services.health_reveal(
        by=make_user(areas["village_a"], "village_officer"), obj=health_rows["screening"], reason="随访"
    )
    assert revealed["referral"] == "县妇幼保健院"


def test_the_migration_seals_rows_written_in_the_clear_and_reversed_opens_them(health_rows):
    screening = health_rows["screening"]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE outreach_screening SET result = %s, referral = %s WHERE id = %s",
            ["suspected", "县妇幼保健院", screening.pk],
        )
    assert Screening.objects.get(pk=screening.pk).referral == "县妇幼保健院"  # plaintext still reads
    migration = importlib.import_module(MIGRATION)

    migration.seal_rows(None, _Editor())
    result, referral = raw("outreach_screening", screening.pk, "result", "referral")
    assert sealed.is_sealed(result) and sealed.is_sealed(referral)
    assert Screening.objects.filter(result="suspected").get().referral == "县妇幼保健院"

    migration.open_rows(None, _Editor())
    assert raw("outreach_screening", screening.pk, "result", "referral") == ("suspected", "县妇幼保健院")
    (asked,) = raw("outreach_visit", health_rows["visit"].pk, "asked")
    assert asked == "想了解取环手术"
    migration.seal_rows(None, _Editor())


def test_the_audit_trail_names_each_step_without_copying_a_finding_or_a_visit_note(health_rows):
    from jisheng.audit.models import AuditEvent

    events = AuditEvent.objects.filter(action__startswith="outreach.")
    assert {"outreach.screening_record", "outreach.prepregnancy_done", "outreach.referral_record"} <= set(
        events.values_list("action", flat=True)
    )
    for event in events:
        written = f"{event.before} {event.after}"
        for finding in ("suspected", "县妇幼保健院", "补叶酸", "risk", "未孕", "已受孕", "取环", "乡卫生院"):
            assert finding not in written, (event.action, finding)
    done = events.get(action="outreach.screening_record")
    assert done.after["screened_on"] and "result" not in done.after
