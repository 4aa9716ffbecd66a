"""Errors under /api/ are JSON, also those Django answers before the API sees the request."""


def test_a_method_the_operation_does_not_take_is_answered_in_json(client):
    response = client.generic("TRACE", "/api/v1/hall/items")
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    assert "TRACE" in response.json()["detail"]


def test_an_unknown_api_path_is_answered_in_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["detail"] == "未找到。"


def test_pages_outside_the_api_keep_their_html_errors(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
