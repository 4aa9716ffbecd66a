"""Settings the HTTP path's speed rests on (issue 17): compiled templates are kept, nothing debug-only
is on, and database connections are kept between requests."""

from __future__ import annotations

from django.conf import settings
from django.template import engines
from django.template.loaders.cached import Loader as CachedLoader


def test_templates_are_compiled_once_and_kept_by_the_cached_loader() -> None:
    engine = engines["django"].engine  # type: ignore[attr-defined]
    assert not engine.debug
    assert [type(loader) for loader in engine.template_loaders] == [CachedLoader]
    assert "loaders" not in settings.TEMPLATES[0]["OPTIONS"]


def test_the_server_keeps_its_database_connections_and_runs_without_debug() -> None:
    assert not settings.DEBUG
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] >= 60
    assert not settings.SESSION_SAVE_EVERY_REQUEST
