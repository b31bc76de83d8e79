"""ARNs and wildcard matching as IAM does it.

Actions match case-insensitively with `*` and `?`. Resource ARNs match segment by
segment: partition, service, region and account each on their own (a wildcard there
does not cross a colon), and the resource part as a whole, where `*` may span `:` and
`/` (`arn:aws:s3:::bucket/*` covers every key, however deep).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache, cache


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


def parse_arn(text: str) -> Arn | None:
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return Arn(*parts[1:])


def glob_to_regex(pattern: str, *, literal_spans: tuple[tuple[int, int], ...] = ()) -> str:
    """Regex source for an IAM glob: `*` any run, `?` one character, the rest literal.

    `literal_spans` are (start, end) ranges copied literally even if they hold `*` or
    `?`: that is where `${*}` and `${?}` and substituted variable values landed.
    """
    out: list[str] = []
    i = 0
    spans = sorted(literal_spans)
    span_index = 0
    while i < len(pattern):
        if span_index < len(spans) and spans[span_index][0] == i:
            start, end = spans[span_index]
            out.append(re.escape(pattern[start:end]))
            i = end
            span_index += 1
            continue
        char = pattern[i]
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


@lru_cache(maxsize=8192)
def _compiled(source: str, ignore_case: bool) -> re.Pattern[str]:
    return re.compile(source, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


@lru_cache(maxsize=8192)
def _glob_matcher(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    return _compiled(glob_to_regex(pattern), ignore_case)


def glob_matcher(pattern: str, *, ignore_case: bool = False) -> re.Pattern[str]:
    return _glob_matcher(pattern, ignore_case)


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    if pattern == "*":
        return True
    if "*" not in pattern and "?" not in pattern:
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    return glob_matcher(pattern, ignore_case=ignore_case).fullmatch(value) is not None


def action_matches(pattern: str, action: str) -> bool:
    """`s3:Get*` matches `s3:GetObject`; service prefix and name case-insensitive."""
    return glob_match(pattern, action, ignore_case=True)


@lru_cache(maxsize=8192)
def arn_pattern_regex(pattern: str, literal_spans: tuple[tuple[int, int], ...] = ()) -> re.Pattern:
    """Compile an ARN pattern so each of the first five segments stays in its segment."""
    if pattern == "*" and not literal_spans:
        return _compiled(".*", False)
    # Split on the first five colons outside literal spans.
    cuts: list[int] = []
    for index, char in enumerate(pattern):
        if len(cuts) == 5:
            break
        if char == ":" and not any(s <= index < e for s, e in literal_spans):
            cuts.append(index)
    # With fewer than six segments the last one written covers the rest of the ARN.
    bounds = [0, *[c + 1 for c in cuts]]
    ends = [*cuts, len(pattern)]
    pieces: list[str] = []
    for number, (start, end) in enumerate(zip(bounds, ends, strict=True)):
        spans = tuple(
            (max(s, start) - start, min(e, end) - start)
            for s, e in literal_spans
            if s < end and e > start
        )
        if number < len(cuts):
            source = _segment_source(pattern[start:end], spans)
        else:
            source = glob_to_regex(pattern[start:end], literal_spans=spans)
        pieces.append(source)
    return _compiled(":".join(pieces), False)


def _segment_source(segment: str, spans: tuple[tuple[int, int], ...]) -> str:
    out: list[str] = []
    i = 0
    while i < len(segment):
        span = next((s for s in spans if s[0] == i), None)
        if span:
            out.append(re.escape(segment[span[0]:span[1]]))
            i = span[1]
            continue
        char = segment[i]
        out.append("[^:]*" if char == "*" else "[^:]" if char == "?" else re.escape(char))
        i += 1
    return "".join(out)


def arn_matches(pattern: str, value: str) -> bool:
    """Does the Resource (or ArnLike value) `pattern` cover the ARN `value`?"""
    if pattern == "*":
        return True
    if "*" not in pattern and "?" not in pattern:
        return pattern == value
    if (pattern.endswith("*") and pattern.count("*") == 1 and "?" not in pattern
            and pattern.count(":") >= 5):
        # The only wildcard ends the resource part: a prefix test, no regex needed.
        return value.startswith(pattern[:-1])
    return arn_pattern_regex(pattern).fullmatch(value) is not None


def _globs_meet(a: str, b: str, no_colon: bool) -> bool:
    """Could one string match both globs? `*` and `?` in either; with `no_colon` a
    wildcard does not stand for ':' (the first five ARN segments)."""

    @cache
    def meet(i: int, j: int) -> bool:
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i] == "*":
            # the star stands for nothing, or swallows one more character of b
            if meet(i + 1, j):
                return True
            if j < len(b) and not (no_colon and b[j] == ":"):
                return meet(i, j + 1) if b[j] != "*" else meet(i, j + 1) or meet(i + 1, j + 1)
            return False
        if j < len(b) and b[j] == "*":
            if meet(i, j + 1):
                return True
            return i < len(a) and not (no_colon and a[i] == ":") and meet(i + 1, j)
        if i == len(a) or j == len(b):
            return False
        x, y = a[i], b[j]
        if x == "?" or y == "?":
            other = y if x == "?" else x
            if no_colon and other == ":":
                return False
            return meet(i + 1, j + 1)
        return x == y and meet(i + 1, j + 1)

    return meet(0, 0)


def _arn_segments(text: str) -> list[str]:
    return text.split(":", 5)


def arn_patterns_meet(pattern: str, request: str) -> bool:
    """Does the policy's Resource `pattern` cover any ARN that the request's resource
    `request` (itself holding `*` or `?`) stands for? IAM compares a wildcard request
    (a Resource of "*" for an action without resource types, or an ARN pattern given to
    a simulator) by whether the two sets of ARNs overlap."""
    if pattern == "*" or request == "*":
        return True
    first, second = _arn_segments(pattern), _arn_segments(request)
    if len(first) < 6 or len(second) < 6:
        return _globs_meet(pattern, request, False)
    for number in range(5):
        if not _globs_meet(first[number], second[number], True):
            return False
    return _globs_meet(first[5], second[5], False)


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


ACCOUNT_RE = re.compile(r"^\d{12}$")


def account_of(arn_text: str) -> str | None:
    arn = parse_arn(arn_text)
    if arn and ACCOUNT_RE.match(arn.account):
        return arn.account
    return None
