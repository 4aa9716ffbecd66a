def test_an_administrator_changes_a_time_limit_and_the_guide_shows_it(
    areas, make_user, client_for, catalogue, client
) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(areas["city"], "city_staff")
    item = catalogue["free-contraception"]
    response = client_for(admin).post(
        f"/hall/catalogue/{item.pk}/",
        {
            "time_limit_counter": 1,
            "time_limit_online": 4,
            "fee": "0",
            "summary": item.summary,
            "may_refuse_at_intake": "on",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.time_limit_counter, item.time_limit_online) == (1, 4) and item.catalogue_version.endswith(
        "+local"
    )
    assert "4 个工作日" in client.get(f"/portal/items/{item.code}/").content.decode()


def test_a_clerk_cannot_edit_the_catalogue(areas, make_user, client_for, catalogue) -> None:  # type: ignore[no-untyped-def]
    clerk = make_user(areas["township_a"], "counter_clerk")
    assert client_for(clerk).get("/hall/catalogue/").status_code == 403
