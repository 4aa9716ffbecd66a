"""Settings every PostgreSQL connection of Jisheng's carries."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own settings")


@pytest.mark.django_db
def test_the_jit_compiler_is_off_for_every_connection():
    # With thirty counties' partitions the JIT spent longer compiling the month report than running it.
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
