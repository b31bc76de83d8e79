"""Offline IAM policy evaluation: parse policies, evaluate requests, lint ARN shapes.

Pure Python, no boto3: `evaluate(request, policies)` works on plain data; `online`
is the one module that talks to AWS, and it imports boto3 only inside functions.
"""

from __future__ import annotations

from .evaluate import Decision, EvaluationInput, Request, Result, evaluate
from .model import Policy, PolicyError, parse_policy

__all__ = [
    "Decision",
    "EvaluationInput",
    "Policy",
    "PolicyError",
    "Request",
    "Result",
    "evaluate",
    "parse_policy",
]
