from typing import Any

import pytest


@pytest.fixture
def forms(db: Any) -> dict[str, Any]:
    from jisheng.reporting.services import forms_load

    return {form.code: form for form in forms_load(by=None)}


@pytest.fixture
def month() -> Any:
    from jisheng.reporting.periods import parse

    return parse("2026-M10")
