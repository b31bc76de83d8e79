"""awsguard.record: the shim's light data classes behave like dataclasses where we use them."""

from __future__ import annotations

import pytest

from awsguard.record import FrozenInstanceError, field, record


@record(frozen=True)
class Key:
    access_key_id: str
    secret: str = field(repr=False)
    note: str = "none"
    tags: list = field(default_factory=list, repr=False)


def test_a_field_without_a_default_is_required_even_when_hidden_from_repr() -> None:
    with pytest.raises(TypeError, match="missing argument 'secret'"):
        Key("AKIA")
    with pytest.raises(TypeError, match="missing argument 'secret'"):
        Key(access_key_id="AKIA", note="x")


def test_hidden_fields_are_kept_but_not_shown() -> None:
    key = Key("AKIA", "s3cr3t")
    assert key.secret == "s3cr3t" and key.note == "none" and key.tags == []
    assert "s3cr3t" not in repr(key) and repr(key) == "Key(access_key_id='AKIA', note='none')"
    assert Key("AKIA", "s3cr3t").tags is not key.tags  # a fresh list each time


def test_defaults_keyword_arguments_and_frozen_instances() -> None:
    key = Key("AKIA", secret="s", note="n", tags=[1])
    assert key == Key("AKIA", "s", "n", [1]) and key != Key("AKIA", "t", "n", [1])
    with pytest.raises(FrozenInstanceError):
        key.note = "other"  # type: ignore[misc]
    with pytest.raises(TypeError, match="unexpected"):
        Key("AKIA", "s", colour="red")
    with pytest.raises(TypeError, match="twice"):
        Key("AKIA", "s", access_key_id="AKIA")
