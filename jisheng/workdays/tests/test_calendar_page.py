import pytest


@pytest.mark.django_db
def test_only_an_administrator_sees_the_calendar_page(areas, make_user, client_for) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(areas["county"], "system_admin")
    clerk = make_user(areas["township_a"], "counter_clerk")
    page = client_for(admin).get("/workdays/?year=2026")
    assert page.status_code == 200
    assert "2026-10-01" in page.content.decode()
    assert client_for(clerk).get("/workdays/").status_code == 403


@pytest.mark.django_db
def test_an_administrator_imports_a_year_through_the_page(areas, make_user, client_for) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    from jisheng.workdays import services

    admin = make_user(areas["county"], "system_admin")
    upload = SimpleUploadedFile("2027.csv", "2027-10-01,休,国庆节\n".encode())
    client_for(admin).post("/workdays/", {"imp-file": upload})
    services.calendar.invalidate()
    assert 2027 in services.covered_years()


def test_a_calendar_file_mistake_is_named_in_english_in_english_mode(db):
    import pytest
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from jisheng.workdays.services import parse_year_csv

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        parse_year_csv("2027-13-01,休\n")
    assert "is not a date" in " ".join(refused.value.messages)
    with pytest.raises(ValidationError) as chinese:
        parse_year_csv("2027-13-01,休\n")
    assert "无法识别" in " ".join(chinese.value.messages)
