from typing import Any

import pytest


@pytest.fixture(autouse=True)
def jobs_in_the_request(settings: Any) -> None:
    """Runs and exports are jobs of ``jisheng worker``; the page tests run them in the request."""
    settings.JISHENG_JOBS_SYNC = True
