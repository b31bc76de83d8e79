"""The real AWS CLI's own parser as an oracle: what would this command line call?

Run by the CLI's own interpreter (v1: the venv's python; v2: /usr/bin/python3 with
Debian's awscli), never imported by the tests. Reads one JSON object from stdin:

    {"home": "<temp HOME with .aws/config, credentials, cli/alias>",
     "cwd": "<folder with the files the command lines name>",
     "cases": [["s3", "ls"], ...]}

and writes one JSON line per case: {"rc", "calls": [[service, Operation, params]],
"help", "version", "err"}. The HTTP layer is stubbed: a `before-call` handler answers
every request with a canned response (ListObjects returns one object, so s3 rm/sync
and rb --force show their DeleteObject(s) calls) and records the operation and the
parameters the CLI passed to the client (`provide-client-params`). Each case runs in a
forked child, so no state of one command line leaks into the next.
"""

from __future__ import annotations

import base64
import datetime
import io
import json
import os
import sys
import time


def jsonable(value):
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if hasattr(value, "read"):
        return {"$file": getattr(value, "name", "?")}
    return {"$repr": repr(value)[:200]}


CANNED = {
    "ListObjectsV2": lambda: {
        "Contents": [
            {
                "Key": "k1",
                "Size": 1,
                "ETag": '"x"',
                "LastModified": "2020-01-01T00:00:00.000Z",
                "StorageClass": "STANDARD",
            }
        ],
        "IsTruncated": False,
        "KeyCount": 1,
    },
    "ListObjects": lambda: {
        "Contents": [
            {
                "Key": "k1",
                "Size": 1,
                "ETag": '"x"',
                "LastModified": "2020-01-01T00:00:00.000Z",
            }
        ],
        "IsTruncated": False,
    },
    "HeadObject": lambda: {
        "ContentLength": 1,
        "ETag": '"x"',
        "LastModified": "2020-01-01T00:00:00.000Z",
    },
    "ListBuckets": lambda: {"Buckets": []},
    "DeleteObjects": lambda: {"Deleted": []},
    "GetCallerIdentity": lambda: {
        "Account": "123456789012",
        "Arn": "arn:aws:iam::123456789012:user/x",
        "UserId": "x",
    },
}


STATE: dict = {"calls": [], "help": False}


def provide(params, model, **_kw):
    STATE["calls"].append([model.service_model.service_name, model.name, jsonable(params)])


def before_call(model, **_kw):
    from botocore.awsrequest import AWSResponse

    make = CANNED.get(model.name)
    parsed = make() if make else {}
    if model.name == "GetObject":
        from botocore.response import StreamingBody

        parsed = {"Body": StreamingBody(io.BytesIO(b"x"), 1), "ContentLength": 1, "ETag": '"x"'}
    parsed.setdefault("ResponseMetadata", {"HTTPStatusCode": 200, "RequestId": "r"})
    return AWSResponse("https://stub", 200, {}, None), parsed


def run_case(driver, argv, out_fd, major):
    calls = STATE["calls"] = []
    state = STATE

    # help would render with groff and a pager: record it instead
    from awscli import help as help_mod

    def fake_help(self, *args, **kwargs):
        state["help"] = True
        return 0

    classes = [help_mod.HelpCommand]
    seen = set()
    while classes:
        cls = classes.pop()
        if cls in seen:
            continue
        seen.add(cls)
        if "__call__" in cls.__dict__:
            cls.__call__ = fake_help
        classes.extend(cls.__subclasses__())
    try:
        from awscli.customizations import commands as custom_commands

        custom_commands.BasicHelp.__call__ = fake_help
    except Exception:  # noqa: BLE001
        pass

    time.sleep = lambda *_a, **_k: None  # waiters poll without waiting
    stdout, stderr = io.StringIO(), io.StringIO()
    sys.stdout, sys.stderr = stdout, stderr
    rc = None
    try:
        rc = driver.main(list(argv))
    except SystemExit as exc:
        rc = exc.code if isinstance(exc.code, int) else 2
    except BaseException as exc:  # noqa: BLE001
        rc = 254
        stderr.write(f"{type(exc).__name__}: {exc}")
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    out = stdout.getvalue()
    try:
        profile = driver.session.get_config_variable("profile")
    except Exception:  # noqa: BLE001
        profile = None
    result = {
        "rc": rc,
        "calls": calls,
        "help": state["help"],
        "version": out.startswith("aws-cli/"),
        "profile": profile,
        "err": stderr.getvalue()[-400:],
    }
    data = (json.dumps(result) + "\n").encode("utf-8")
    while data:
        n = os.write(out_fd, data)
        data = data[n:]


def main() -> int:
    request = json.load(sys.stdin)
    home = request["home"]
    env = {
        "HOME": home,
        "AWS_CONFIG_FILE": os.path.join(home, ".aws", "config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, ".aws", "credentials"),
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_PAGER": "",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    for name in list(os.environ):
        if name.startswith("AWS_"):
            del os.environ[name]
    os.environ.update(env)
    major = int(request.get("major", 1))
    # Warm the parent: the CLI's modules and the service models these cases use.
    from awscli import clidriver

    if major == 2:
        driver = clidriver.create_clidriver([])
    else:
        driver = clidriver.create_clidriver()
    driver.session.register("provide-client-params", provide)
    driver.session.register("before-call", before_call)
    # A client per service, made once in the parent (with the recording handlers):
    # building botocore's client class is most of a case's cost otherwise.
    session = driver.session
    make_client = session.create_client
    clients: dict = {}

    def cached_client(service_name, *args, **kwargs):
        if service_name not in clients:
            clients[service_name] = make_client(service_name, *args, **kwargs)
        return clients[service_name]

    session.create_client = cached_client
    table = driver._get_command_table()
    warm = {argv[i] for argv in request["cases"] for i in range(len(argv)) if argv[i] in table}
    words = {w for argv in request["cases"] for w in argv}
    for name in warm:
        command = table[name]
        if hasattr(command, "_get_command_table"):
            try:
                ops = command._get_command_table()
                for op_name, op in ops.items():
                    if op_name in words and hasattr(op, "arg_table"):
                        op.arg_table  # noqa: B018 - builds and caches the table
            except Exception:  # noqa: BLE001
                pass
    for name in warm:
        # the models and endpoint data a client needs, loaded once in the parent
        if hasattr(table[name], "_get_command_table") and hasattr(table[name], "_service_name"):
            try:
                driver.session.create_client(table[name]._service_name, region_name="us-east-1")
            except Exception:  # noqa: BLE001
                pass
    import gc

    gc.collect()
    gc.freeze()  # forked children then skip the parent's objects (no copy-on-write storms)
    out = sys.stdout
    for argv in request["cases"]:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            gc.disable()
            import signal

            signal.alarm(20)  # a case that hangs ends, and is reported without a result
            try:
                os.chdir(request["cwd"])
                null = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(null, fd)  # a `!` alias's shell writes here, not into our results
                run_case(driver, argv, write_fd, major)
            finally:
                os._exit(0)
        os.close(write_fd)
        chunks = []
        deadline = time.monotonic() + 30
        while True:
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
            if time.monotonic() > deadline:
                break
        os.close(read_fd)
        _, status = os.waitpid(pid, 0)
        text = b"".join(chunks).decode("utf-8").strip()
        if os.environ.get("ORACLE_TIMES"):
            sys.stderr.write(f"{time.monotonic() - deadline + 30:.3f} {argv}\n")
        if not text:
            text = json.dumps(
                {"rc": None, "calls": [], "help": False, "version": False, "err": f"child {status}"}
            )
        out.write(text + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
