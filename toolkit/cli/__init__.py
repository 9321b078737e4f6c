"""The ``ctk`` command. Each command lives in its own module; only this package prints."""

from __future__ import annotations

import click

from toolkit.__about__ import __version__
from toolkit.cli.drift import drift
from toolkit.cli.errors import debug_option
from toolkit.cli.lint import lint
from toolkit.cli.record import record
from toolkit.cli.recordings import recordings
from toolkit.cli.serve import serve
from toolkit.cli.verify import verify
from toolkit.cli.workspace import workspace

EXIT_CODES = """Exit codes: 0 clean, 1 findings (lint problems, drift at the --fail-on level, a vendor that does not
conform), 2 usage, configuration or load errors (and an unreachable vendor)."""


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EXIT_CODES,
)
@click.version_option(__version__, "-V", "--version", prog_name="ctk")
@debug_option
def cli() -> None:
    """ctk — contract toolkit: mocks, conformance tests and drift reports from API contracts
    (OpenAPI, WSDL, GraphQL)."""


cli.add_command(drift)
cli.add_command(lint)
cli.add_command(record)
cli.add_command(recordings)
cli.add_command(serve)
cli.add_command(verify)
cli.add_command(workspace)


def main() -> None:
    cli(prog_name="ctk")
