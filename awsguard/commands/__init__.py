"""One module per `awsguard` subcommand (see awsguard/cli.py for the contract)."""
