"""Loaded by pytest before Django starts (see pyproject's addopts): a catalogue edited since the last
run is recompiled before any test asks for a translation."""

from jisheng.core.translations import compile_catalogues

compile_catalogues()
