"""awsguard: a guard in front of the AWS CLI."""

__version__ = "0.1.0"
