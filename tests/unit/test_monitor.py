"""The CSM listener with datagrams sent by the test itself (no CLI, no AWS)."""

from __future__ import annotations

import json
import socket

import pytest

from awsguard.monitor import ApiEvent, Monitor, auth_failures, parse_event, user_csm_target

SESSION_TOKEN = "FwoGZXIvYXdzEBYaDSECRETSESSIONTOKEN"


def _call(**fields) -> bytes:
    base = {"Version": 1, "ClientId": "", "Type": "ApiCall", "Service": "S3", "Api": "GetObject"}
    return json.dumps({**base, **fields}, separators=(",", ":")).encode()


def _attempt(**fields) -> bytes:
    return _call(Type="ApiCallAttempt", **fields)


def _send(port: int, *datagrams: bytes) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for raw in datagrams:
            sock.sendto(raw, ("127.0.0.1", port))


@pytest.fixture
def listener():
    """A second UDP listener, standing in for the user's own CSM agent."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(2)
    yield sock
    sock.close()


def test_parse_keeps_final_fields_of_an_api_call():
    event = parse_event(
        _call(
            FinalHttpStatusCode=403,
            FinalAwsException="AccessDenied",
            FinalAwsExceptionMessage="Access Denied",
            Region="eu-west-1",
            Timestamp=1700000000000,
            AttemptCount=1,
        )
    )
    assert event == ApiEvent(
        kind="ApiCall",
        service="S3",
        api="GetObject",
        http_status=403,
        aws_exception="AccessDenied",
        aws_exception_message="Access Denied",
        region="eu-west-1",
        timestamp_ms=1700000000000,
        attempt_count=1,
    )


def test_parse_reads_attempt_fields_without_final_prefix():
    event = parse_event(
        _attempt(HttpStatusCode=400, AwsException="ExpiredToken", Fqdn="sts.amazonaws.com")
    )
    assert (event.kind, event.http_status, event.aws_exception, event.fqdn) == (
        "ApiCallAttempt",
        400,
        "ExpiredToken",
        "sts.amazonaws.com",
    )


def test_session_token_is_never_kept_and_access_key_is_masked():
    event = parse_event(_attempt(AccessKey="ASIAABCDEFGHIJKLWXYZ", SessionToken=SESSION_TOKEN))
    assert event.access_key == "ASIA…WXYZ"
    assert SESSION_TOKEN not in repr(event)
    assert "ASIAABCDEFGHIJKLWXYZ" not in repr(event)


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b'{"Type": "Other"}', b"\xff\xfe"])
def test_parse_ignores_what_is_not_a_csm_event(raw: bytes):
    assert parse_event(raw) is None


def test_monitor_collects_events_sent_to_its_port():
    monitor = Monitor().start()
    _send(monitor.port, _attempt(HttpStatusCode=200), _call(FinalHttpStatusCode=200))
    events = monitor.stop()
    assert [e.kind for e in events] == ["ApiCallAttempt", "ApiCall"]


def test_child_env_points_csm_at_the_monitor_and_keeps_a_users_client_id():
    monitor = Monitor().start()
    try:
        env = monitor.child_env({"PATH": "/bin", "AWS_CSM_PORT": "31000"})
        assert env["AWS_CSM_ENABLED"] == "true"
        assert env["AWS_CSM_HOST"] == "127.0.0.1"
        assert env["AWS_CSM_PORT"] == str(monitor.port)
        assert env["AWS_CSM_CLIENT_ID"] == "awsguard"
        assert env["PATH"] == "/bin"
        mine = monitor.child_env({"AWS_CSM_CLIENT_ID": "iamlive"})
        assert mine["AWS_CSM_CLIENT_ID"] == "iamlive"
    finally:
        monitor.stop()


def test_every_datagram_is_forwarded_unchanged(listener):
    monitor = Monitor(forward_to=listener.getsockname()).start()
    sent = [
        _attempt(SessionToken=SESSION_TOKEN, AccessKey="AKIAABCDEFGHIJKLWXYZ"),
        b"not even json",
        _call(FinalHttpStatusCode=200),
    ]
    _send(monitor.port, *sent)
    monitor.stop()
    received = [listener.recv(65535) for _ in sent]
    assert received == sent


def test_forwarding_to_a_closed_port_does_not_break_the_monitor():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as gone:
        gone.bind(("127.0.0.1", 0))
        target = gone.getsockname()
    monitor = Monitor(forward_to=target).start()
    _send(monitor.port, _call(), _call(Api="PutObject"))
    assert [e.api for e in monitor.stop()] == ["GetObject", "PutObject"]


def test_stop_is_safe_before_start():
    assert Monitor().stop() == []


def test_auth_failures_keep_final_calls_refused_for_access_reasons():
    events = [
        ApiEvent("ApiCallAttempt", "S3", "ListObjectsV2", 403, "AccessDenied"),
        ApiEvent("ApiCall", "S3", "ListObjectsV2", 403, "AccessDenied"),
        ApiEvent("ApiCall", "S3", "HeadObject", 403, "403"),
        ApiEvent("ApiCall", "S3", "GetObject", 404, "NoSuchKey"),
        ApiEvent("ApiCall", "STS", "GetCallerIdentity", 200),
        ApiEvent("ApiCall", "EC2", "DescribeInstances", 400, "Client.UnauthorizedOperation"),
    ]
    assert [e.api for e in auth_failures(events)] == [
        "ListObjectsV2",
        "HeadObject",
        "DescribeInstances",
    ]


def test_auth_failures_use_an_attempt_only_when_its_call_never_arrived():
    events = [
        ApiEvent("ApiCallAttempt", "STS", "GetCallerIdentity", 403, "ExpiredToken"),
        ApiEvent("ApiCallAttempt", "S3", "ListBuckets", 500, "InternalError"),
        ApiEvent("ApiCallAttempt", "S3", "ListBuckets", 200),
        ApiEvent("ApiCall", "S3", "ListBuckets", 200),
    ]
    assert [(e.api, e.aws_exception) for e in auth_failures(events)] == [
        ("GetCallerIdentity", "ExpiredToken")
    ]


@pytest.mark.parametrize(
    ("environ", "profile", "want"),
    [
        ({}, {}, None),
        ({"AWS_CSM_ENABLED": "true"}, {}, ("127.0.0.1", 31000)),
        ({"AWS_CSM_ENABLED": "TRUE", "AWS_CSM_PORT": "4000"}, {}, ("127.0.0.1", 4000)),
        (
            {},
            {"csm_enabled": "true", "csm_host": "10.0.0.5", "csm_port": "5000"},
            ("10.0.0.5", 5000),
        ),
        ({"AWS_CSM_ENABLED": "false"}, {"csm_enabled": "true"}, None),
        ({"AWS_CSM_ENABLED": "true", "AWS_CSM_PORT": "nope"}, {}, None),
        ({"AWS_CSM_ENABLED": "true"}, {"csm_port": "6000"}, ("127.0.0.1", 6000)),
    ],
)
def test_user_csm_target_follows_botocore_precedence(environ, profile, want):
    assert user_csm_target(environ, profile) == want
