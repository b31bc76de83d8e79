"""Group 8, network settings: proxies, AWS_CA_BUNDLE, endpoint overrides, FIPS and dual-stack."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .common import Check, FAIL, OK, WARN, mask_env_value, mask_url


# --- 8. network settings -------------------------------------------------------------------

_PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy")


def _no_proxy_matches(host: str, no_proxy: str) -> bool:
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        if not entry:
            continue
        if entry == "*":
            return True
        entry = entry.split(":")[0].lstrip(".")
        if host == entry or host.endswith("." + entry):
            return True
    return False


def check_proxy(environ: Mapping[str, str], endpoint: str | None) -> Check:
    present = [n for n in _PROXY_VARS if environ.get(n)]
    if not present:
        return Check("network.proxy", OK, "no proxy: the CLI connects directly")
    lines = [f"{n}={mask_env_value(n, environ[n])}" for n in present]
    status = OK
    fix = None
    for upper in ("HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY"):
        lower = upper.lower()
        if environ.get(upper) and environ.get(lower) and environ[upper] != environ[lower]:
            lines.append(f"{upper} and {lower} differ: the lower-case one wins")
            status = WARN
            fix = f"set {upper} and {lower} to the same value, or unset one"
    https = environ.get("https_proxy") or environ.get("HTTPS_PROXY")
    http = environ.get("http_proxy") or environ.get("HTTP_PROXY")
    no_proxy = environ.get("no_proxy") or environ.get("NO_PROXY") or ""
    target = endpoint or "https://sts.amazonaws.com"
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(target)
        host = (parts.hostname or "").lower()
        proxy = https if parts.scheme == "https" else http
    except ValueError:
        host, proxy = "", None
    if host and proxy and not _no_proxy_matches(host, no_proxy):
        lines.append(f"requests to {host} go through {mask_url(proxy)}")
    elif host:
        lines.append(f"requests to {host} go direct")
    summary = "proxy settings: " + ", ".join(n for n in present)
    return Check("network.proxy", status, summary, tuple(lines), fix)


def check_ca_bundle(environ: Mapping[str, str], profile: Mapping[str, Any]) -> Check:
    if environ.get("AWS_CA_BUNDLE"):
        value, origin = environ["AWS_CA_BUNDLE"], "AWS_CA_BUNDLE"
    elif isinstance(profile.get("ca_bundle"), str) and profile.get("ca_bundle"):
        value, origin = str(profile["ca_bundle"]), "ca_bundle in the profile"
    else:
        return Check("network.ca-bundle", OK, "default CA certificates (no AWS_CA_BUNDLE)")
    path = Path(os.path.expanduser(value))
    if not path.is_file():
        return Check(
            "network.ca-bundle",
            FAIL,
            f"{origin}={value} is not a file: every HTTPS call fails",
            fix=f"point {origin} at a PEM bundle, or unset it",
        )
    try:
        with open(path, "rb") as handle:
            head = handle.read(65536)
    except OSError as err:
        return Check(
            "network.ca-bundle",
            FAIL,
            f"{origin}={value} cannot be read: {err.strerror or err}",
            fix=f"fix the permissions of {path}, or unset {origin}",
        )
    if b"-----BEGIN CERTIFICATE-----" not in head:
        return Check(
            "network.ca-bundle",
            WARN,
            f"{origin}={value} holds no PEM certificate",
            fix=f"point {origin} at a PEM bundle",
        )
    return Check("network.ca-bundle", OK, f"custom CA bundle {value} (from {origin})")


def endpoint_settings(
    environ: Mapping[str, str], profile: Mapping[str, Any], services: Mapping[str, Any]
) -> tuple[list[str], bool]:
    """(lines describing every endpoint override, whether they are ignored)."""
    lines = []
    for name in sorted(environ):
        if name.startswith("AWS_ENDPOINT_URL") and environ[name]:
            lines.append(f"{name}={mask_url(environ[name])}")
    if isinstance(profile.get("endpoint_url"), str) and profile["endpoint_url"]:
        lines.append(f"endpoint_url = {mask_url(str(profile['endpoint_url']))} (profile)")
    services_name = profile.get("services")
    if isinstance(services_name, str) and services_name:
        block = services.get(services_name)
        if block is None:
            lines.append(f"services = {services_name}, but no [services {services_name}] section")
        else:
            for service, values in block.items():
                if isinstance(values, dict) and values.get("endpoint_url"):
                    lines.append(
                        f"[services {services_name}] {service} endpoint_url = "
                        f"{mask_url(values['endpoint_url'])}"
                    )
    from ..resolve import endpoints_ignored

    return lines, endpoints_ignored(environ, profile)


def _bad_url(value: str) -> bool:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value.split(" ", 1)[0])
    except ValueError:
        return True
    return parts.scheme not in ("http", "https") or not parts.hostname


def check_endpoints(
    environ: Mapping[str, str],
    profile: Mapping[str, Any],
    services: Mapping[str, Any],
    acknowledged: bool = False,
    cli_reads_them: str | None = None,
) -> Check:
    """`cli_reads_them`: None when the real CLI reads configured endpoints, else its
    version (AWS CLI 2.9 ignores AWS_ENDPOINT_URL and endpoint_url: resolve decides)."""
    lines, ignored = endpoint_settings(environ, profile, services)
    if not lines:
        return Check("network.endpoints", OK, "no endpoint overrides: requests go to AWS")
    if cli_reads_them is not None:
        return Check(
            "network.endpoints",
            WARN,
            f"endpoint overrides are set but AWS CLI {cli_reads_them} does not read them: "
            "requests go to AWS's own endpoints",
            tuple(lines),
            "pass --endpoint-url on the command line, or upgrade the CLI (configured "
            "endpoints: 2.13.0 / 1.29.0); remove the settings if AWS is what you want",
        )
    if ignored:
        return Check(
            "network.endpoints",
            OK,
            "endpoint overrides are set but ignored (AWS_IGNORE_CONFIGURED_ENDPOINT_URLS / "
            "ignore_configured_endpoint_urls)",
            tuple(lines),
        )
    bad = [line for line in lines if "=" in line and _bad_url(line.split("=", 1)[1].strip())]
    if bad:
        return Check(
            "network.endpoints",
            FAIL,
            f"an endpoint override is not an http(s) URL: {bad[0]}",
            tuple(lines),
            "fix or unset it",
        )
    if acknowledged:
        return Check(
            "network.endpoints",
            OK,
            "endpoint overrides in use (acknowledged: endpoint-override is off in awsguard's "
            "config)",
            tuple(lines),
        )
    return Check(
        "network.endpoints",
        WARN,
        f"{len(lines)} endpoint override{'s' if len(lines) > 1 else ''}: requests do not go to "
        "AWS's own endpoints",
        tuple(lines),
        "unset the variables / remove the settings if that is not intended, or set "
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true",
    )


def check_fips_dualstack(environ: Mapping[str, str], profile: Mapping[str, Any]) -> Check:
    lines = []
    bad = []
    for var, key in (
        ("AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint"),
        ("AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint"),
    ):
        if var in environ:
            value, origin = environ[var], var
        elif key in profile:
            value, origin = str(profile[key]), f"{key} (profile)"
        else:
            continue
        lines.append(f"{origin}={value}")
        if value.strip().lower() not in ("true", "false"):
            bad.append(f"{origin}={value!r} is neither true nor false")
    for var, key in (("AWS_STS_REGIONAL_ENDPOINTS", "sts_regional_endpoints"),):
        if var in environ:
            lines.append(f"{var}={environ[var]}")
        elif key in profile:
            lines.append(f"{key}={profile[key]} (profile)")
    if bad:
        return Check(
            "network.fips-dualstack", WARN, bad[0], tuple(lines), "set it to true or false"
        )
    on = [line for line in lines if line.lower().endswith("=true")]
    if on:
        return Check(
            "network.fips-dualstack",
            OK,
            "FIPS / dual-stack endpoints on: " + ", ".join(on)
            + " (not every service has them in every region)",
            tuple(lines),
        )
    return Check("network.fips-dualstack", OK, "standard endpoints (no FIPS, no dual-stack)",
                 tuple(lines))
