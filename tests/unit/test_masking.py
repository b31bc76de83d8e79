"""One way to mask an access key id: every masker is redact.mask_key."""

from __future__ import annotations

import pytest

from awsguard import doctor, identity, monitor, redact, vault

KEYS = ["AKIAIOSFODNN7EXAMPLE", "ASIA12345678", "AKIA1234", "short", "ab"]


@pytest.mark.parametrize("key", KEYS)
def test_every_key_masker_agrees_with_redact(key: str) -> None:
    expected = redact.mask_key(key)
    assert monitor.mask_key(key) == expected
    assert vault.mask(key) == expected
    assert doctor.mask_key(key) == expected
    assert vault.LongTermKey(key, "secret").masked_id == expected
    # An endpoint that answers with the key id as the user id gets it masked too.
    assert identity._not_the_key(key, key) == expected


def test_no_key_is_nothing_to_mask() -> None:
    assert monitor.mask_key(None) is None and monitor.mask_key("") is None
    assert vault.mask("") == "" and doctor.mask_key(None) == ""
    assert identity._not_the_key("AIDAEXAMPLE", "AKIAIOSFODNN7EXAMPLE") == "AIDAEXAMPLE"
