"""The lean Secret Service reader's pure parts: addresses, wire format, when it applies."""

from __future__ import annotations

import struct

import pytest

from awsguard import secretbus


def test_unix_path_and_abstract_addresses_are_found_in_order() -> None:
    address = "tcp:host=x,port=1;unix:abstract=/tmp/dbus-a,guid=1;unix:path=/run/user/0/bus"
    assert secretbus.socket_targets(address) == [b"\0/tmp/dbus-a", "/run/user/0/bus"]


def test_percent_escapes_in_a_bus_path_are_decoded() -> None:
    assert secretbus.socket_targets("unix:path=/tmp/a%20b%2cc") == ["/tmp/a b,c"]


def test_an_address_without_a_unix_socket_has_no_target() -> None:
    assert secretbus.socket_targets("tcp:host=localhost,port=4") == []


def test_without_a_bus_address_the_runtime_dir_bus_is_used(tmp_path) -> None:
    (tmp_path / "bus").touch()
    assert secretbus.bus_address({"XDG_RUNTIME_DIR": str(tmp_path)}) == (
        f"unix:path={tmp_path}/bus"
    )
    with pytest.raises(secretbus.Unavailable, match="no D-Bus session bus"):
        secretbus.bus_address({"XDG_RUNTIME_DIR": str(tmp_path / "none")})


def test_signatures_split_into_complete_types() -> None:
    assert secretbus.split_signature("sa{ss}(oayays)av") == ["s", "a{ss}", "(oayays)", "av"]


def test_a_method_call_reads_back_as_written() -> None:
    raw = secretbus.method_call(
        7,
        "org.freedesktop.secrets",
        "/org/freedesktop/secrets/aliases/default",
        "org.freedesktop.Secret.Collection",
        "SearchItems",
        "a{ss}sv",
        ({"service": "awsguard", "username": "key:dev"}, "plain", ("s", "")),
    )
    kind, fields, body, length = secretbus.parse_message(raw + b"trailing")
    assert kind == secretbus.METHOD_CALL
    assert length == len(raw)
    assert fields[1] == "/org/freedesktop/secrets/aliases/default"
    assert fields[3] == "SearchItems"
    assert fields[8] == "a{ss}sv"
    assert body == ({"service": "awsguard", "username": "key:dev"}, "plain", ("s", ""))


def test_a_secret_struct_with_bytes_reads_back() -> None:
    raw = secretbus.method_call(
        1, "d", "/p", "i", "m", "(oayays)", (("/s/1", b"", b"s\x00cret\xff", "text/plain"),)
    )
    assert secretbus.parse_message(raw)[2] == (("/s/1", b"", b"s\x00cret\xff", "text/plain"),)


def test_a_partial_message_waits_for_more_bytes() -> None:
    raw = secretbus.method_call(1, "d", "/p", "i", "m", "s", ("x" * 100,))
    assert secretbus.parse_message(raw[:20]) is None
    assert secretbus.parse_message(raw[:-1]) is None
    assert secretbus.parse_message(raw) is not None


def test_a_big_endian_message_is_not_read() -> None:
    with pytest.raises(secretbus.Unavailable, match="big-endian"):
        secretbus.parse_message(b"B" + bytes(15) + struct.pack("<I", 0))


@pytest.mark.parametrize(
    ("environ", "why"),
    [
        ({"AWSGUARD_FAST_KEYRING": "0"}, "AWSGUARD_FAST_KEYRING=0"),
        (
            {"PYTHON_KEYRING_BACKEND": "keyrings.alt.file.EncryptedKeyring"},
            "PYTHON_KEYRING_BACKEND=keyrings.alt.file.EncryptedKeyring",
        ),
        ({"XDG_CURRENT_DESKTOP": "KDE"}, "KDE"),
    ],
)
def test_another_chosen_backend_keeps_the_keyring_package(
    environ: dict, why: str, tmp_path
) -> None:
    environ = {"HOME": str(tmp_path), **environ}
    assert why in (secretbus.applies(environ) or "")


def test_the_secret_service_backend_by_name_or_by_default_takes_the_fast_path(tmp_path) -> None:
    assert secretbus.applies({"HOME": str(tmp_path)}) is None
    assert (
        secretbus.applies(
            {"HOME": str(tmp_path), "PYTHON_KEYRING_BACKEND": secretbus.KEYRING_BACKEND}
        )
        is None
    )


def test_a_keyringrc_file_leaves_the_choice_to_the_keyring_package(tmp_path) -> None:
    rc = tmp_path / "config" / "python_keyring" / "keyringrc.cfg"
    rc.parent.mkdir(parents=True)
    rc.write_text("[backend]\ndefault-keyring=keyrings.alt.file.EncryptedKeyring\n")
    why = secretbus.applies({"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")})
    assert why is not None and "keyringrc.cfg" in why


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("org.freedesktop.DBus.Error.UnknownObject", "No such object"),
        ("org.freedesktop.Secret.Error.NoSuchObject", "No such item"),
        (
            "org.freedesktop.DBus.Error.UnknownMethod",
            "Object does not exist at path \u201c/org/freedesktop/secrets/collection/login/7\u201d",
        ),
    ],
)
def test_an_item_replaced_between_search_and_read_is_searched_again(name, message) -> None:
    assert secretbus._item_gone(secretbus.BusError(name, message))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("org.freedesktop.DBus.Error.UnknownMethod", "No such method \u201cGetSecret\u201d"),
        ("org.freedesktop.Secret.Error.IsLocked", "Cannot get secret of a locked object"),
        ("org.freedesktop.DBus.Error.AccessDenied", "Object does not exist at path /x"),
    ],
)
def test_other_errors_of_the_read_are_not_retried(name, message) -> None:
    assert not secretbus._item_gone(secretbus.BusError(name, message))
