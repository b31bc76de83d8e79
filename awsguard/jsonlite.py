"""`json.loads` for the shim's path, without importing `json`.

`import json` costs the shim 6-10 ms: `json.decoder` imports `re`, and `re` imports
`enum`, `functools` and `collections`. The decoding itself is done by the C
scanner in `_json` either way; this module drives that scanner directly, so small
files and datagrams (realcli.json, the vault index, a CSM datagram) are read for a
fraction of a millisecond. Same answers as `json.loads` for every document; an
invalid one raises ValueError (`json` is imported then, to word the error).
"""

from __future__ import annotations

_WHITESPACE = " \t\n\r"  # JSON's whitespace (json.decoder.WHITESPACE), nothing else
_scan = None  # the C scanner, made on first use; False: there is none


class _Context:
    """What `_json.make_scanner` reads from a decoder: json.loads' defaults."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {
        "NaN": float("nan"),
        "Infinity": float("inf"),
        "-Infinity": float("-inf"),
    }.__getitem__
    memo: dict = {}  # noqa: RUF012 - read by the pure-Python scanner only


def _scanner():
    global _scan
    if _scan is None:
        try:
            from _json import make_scanner
        except ImportError:  # not CPython: json's own decoder does it all
            _scan = False
        else:
            _scan = make_scanner(_Context())
    return _scan


def _strict(text: str | bytes) -> object:
    import json  # worded like json.loads (with the position), or its answer

    return json.loads(text)


def loads(text: str | bytes | bytearray) -> object:
    """The value of the JSON document `text`, as json.loads gives it; ValueError when
    invalid."""
    scan = _scanner()
    if isinstance(text, (bytes, bytearray)):
        if scan is False or text[:3] == b"\xef\xbb\xbf":
            return _strict(bytes(text))
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            return _strict(bytes(text))  # UTF-16 or -32 (json detects them), or invalid
    if scan is False:
        return _strict(text)
    start = len(text) - len(text.lstrip(_WHITESPACE))
    try:
        value, end = scan(text, start)
    except (StopIteration, ValueError, RecursionError):
        return _strict(text)
    if text[end:].strip(_WHITESPACE):
        return _strict(text)  # "Extra data"
    return value
