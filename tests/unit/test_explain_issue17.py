"""explain says only what applies to this caller, and fails in one line when the world does."""

from __future__ import annotations

import http.server
import json
import threading

import pytest

from awsguard.cli import main
from awsguard.explain import DiagnosisContext, diagnose, diagnose_text, render, save_last

SCP_S3 = ("An error occurred (AccessDenied) when calling the GetObject operation: User: "
          "arn:aws:iam::111122223333:user/alice is not authorized to perform: s3:GetObject on "
          'resource: "arn:aws:s3:::reports/q1.csv" with an explicit deny in a service control '
          "policy")
IDENTITY_DENY = ("An error occurred (AccessDenied) when calling the DeleteBucket operation: User: "
                 "arn:aws:iam::111122223333:user/alice is not authorized to perform: "
                 "s3:DeleteBucket on resource: \"arn:aws:s3:::reports\" with an explicit deny in "
                 "an identity-based policy")


@pytest.fixture
def home(tmp_path, monkeypatch):
    for name in ("HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    return tmp_path


def test_scp_explicit_deny_gets_no_s3_resource_hints():
    d = diagnose_text(SCP_S3)
    assert (d.category, d.policy_type) == ("explicit-deny", "scp")
    text = " ".join(d.hints)
    assert "bucket ARN" not in text and "404" not in text and "SSE-KMS" not in text
    assert any("organization" in h for h in d.hints)


def test_bare_s3_access_denied_keeps_the_s3_hints():
    d = diagnose("AccessDenied", "Access Denied", api="GetObject", service="s3",
                 context=DiagnosisContext(argv=("s3", "cp", "s3://b/k", ".")))
    assert any("404" in h for h in d.hints)


def test_mfa_command_only_for_a_profile_with_mfa_serial():
    without = diagnose_text(IDENTITY_DENY, DiagnosisContext(profile="alice"))
    assert not any("awsguard mfa" in c for c in without.next_commands)
    with_mfa = diagnose_text(IDENTITY_DENY, DiagnosisContext(profile="alice",
                                                             profile_has_mfa=True))
    assert "awsguard mfa alice" in with_mfa.next_commands


def test_env_keys_are_not_checked_with_the_profile():
    d = diagnose("InvalidClientTokenId", "The security token included in the request is invalid.",
                 context=DiagnosisContext(profile="alice", credential_source="env"))
    assert "aws configure list" in d.next_commands
    assert not any("--profile" in c for c in d.next_commands)


def test_unable_to_locate_credentials_is_its_own_category():
    d = diagnose_text('Unable to locate credentials. You can configure credentials by running '
                      '"aws configure".')
    assert d.category == "no-credentials"
    assert render(d).splitlines()[0] == ("awsguard: no credentials: the CLI found none, so no "
                                         "request reached AWS")


def test_text_that_is_not_an_aws_error_exits_non_zero(home, capsys):
    assert main(["explain", "--message", "hello world"]) == 1
    err = capsys.readouterr().err
    assert "not an AWS error" in err and len(err.strip().splitlines()) == 1


def test_replay_prints_the_live_block(home, capsys):
    d = diagnose_text(SCP_S3, DiagnosisContext(profile="dev", credential_source="sso"))
    d.hints += ["one more", "and another", "and a fifth"]
    save_last(d)
    assert main(["explain"]) == 0
    assert capsys.readouterr().out.rstrip("\n") == render(d)


class _Always500(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b"<html>Internal Server Error</html>"
        self.send_response(500)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint_500():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Always500)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _aws_env(monkeypatch, url):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.delenv("AWSGUARD_DEBUG", raising=False)


@pytest.mark.parametrize("argv", [["decode", "AbCdEfGhIjKlMnOpQrStUv"], ["trail", "--json"]])
def test_http_500_is_one_line_exit_1(home, monkeypatch, capsys, endpoint_500, argv):
    _aws_env(monkeypatch, endpoint_500)
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "internal error" not in err
    assert "500" in err


@pytest.mark.parametrize("argv", [["decode", "AbCdEfGhIjKlMnOpQrStUv"], ["trail"]])
def test_unreachable_endpoint_is_one_line_exit_1(home, monkeypatch, capsys, argv):
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _aws_env(monkeypatch, f"http://127.0.0.1:{port}")
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "internal error" not in err


def test_json_replay_keeps_every_hint(home, capsys):
    d = diagnose_text(SCP_S3)
    d.hints += ["x", "y", "z", "w"]
    save_last(d)
    assert main(["explain", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["hints"] == d.hints
