"""Loaded by pytest before Django starts (see pyproject's addopts): every catalogue is compiled afresh
before any test asks for a translation (copies and checkouts make modification times unreliable)."""

from jisheng.core.translations import compile_catalogues

compile_catalogues(force=True)
