"""The handler registry: one handler per kind, registered by a higher app, found by kind."""

import pytest

from jisheng.exchange import handlers


def handler(*, message):
    return {}


def test_a_registered_handler_is_found_by_its_kind():
    handlers.register("test.registry", handler)
    try:
        assert handlers.handler_for("test.registry") is handler
        assert "test.registry" in handlers.kinds()
    finally:
        handlers.unregister("test.registry")
    assert handlers.handler_for("test.registry") is None


def test_a_second_handler_for_one_kind_is_a_mistake():
    handlers.register("test.twice", handler)
    try:
        with pytest.raises(ValueError, match="already has a handler"):
            handlers.register("test.twice", lambda *, message: {})
        handlers.register("test.twice", handler)  # the same one again is harmless
    finally:
        handlers.unregister("test.twice")


def test_a_kind_must_be_short_and_not_empty():
    with pytest.raises(ValueError):
        handlers.register("", handler)
    with pytest.raises(ValueError):
        handlers.register("x" * 49, handler)


def test_a_refusal_carries_its_reason():
    assert handlers.Refused("查无此人").reason == "查无此人"
