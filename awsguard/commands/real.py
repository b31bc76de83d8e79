"""`awsguard real`: which AWS CLI the shim runs, its version and major version."""

from __future__ import annotations

import argparse
import os

from .. import realcli
from ..errors import AwsguardError
from ..redact import json_text

NAME = "real"
HELP = "show the real AWS CLI the shim runs (path, version, v1 or v2)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    try:
        path = realcli.find_real_cli(os.environ)
        info = realcli.describe(path)
    except realcli.RealCliNotFound as err:
        raise AwsguardError(err.message().removeprefix("awsguard: "), exit_code=127) from None
    if args.json:
        print(json_text(info.as_dict()))
    else:
        print(f"path:     {info.path}")
        if info.resolved != info.path:
            print(f"resolved: {info.resolved}")
        print(f"version:  {info.version}")
        print(f"major:    v{info.major}")
        print(f"known by: {info.how}")
    return 0
