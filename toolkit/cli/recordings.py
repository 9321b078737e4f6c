"""``ctk recordings``: what is recorded under ``mocks/<api>/recordings/``, and ``audit``, the secrets scan."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from toolkit.cli.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, debug_option, error_line
from toolkit.errors import CtkError


@click.group()
def recordings() -> None:
    """Recordings of vendors' sandboxes (ctk record's HAR files, VCR cassettes)."""


@recordings.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@debug_option
def audit(paths: tuple[Path, ...]) -> None:
    """Scan recordings for secrets: ctk's HAR files, any HAR, VCR cassettes (YAML or JSON), any other text.

    PATHS are files or folders (searched recursively); default: the workspace's mocks/ folder, else the current
    folder. Flags values shaped like secrets (JWTs, bearer and basic credentials, AWS, Stripe, GitHub, Slack and
    Google keys, private keys), real values in password, secret and token fields, cookies, and high-entropy values
    under secret-looking names; each shown masked. ctk's placeholders are never flagged. Usable as a pre-commit
    hook (.pre-commit-hooks.yaml: ctk-recordings-audit). Exit 0 clean, 1 findings, 2 a path cannot be read.
    """
    from toolkit.sandbox.recording.audit import audit as scan

    try:
        findings, files = scan(list(paths) or [_default_path()])
    except CtkError as error:
        click.echo(error_line(error), err=True)
        if error.hint:
            click.echo(f"  hint: {error.hint}", err=True)
        sys.exit(EXIT_ERROR)
    for finding in findings:
        click.echo(str(finding))
    if findings:
        click.echo(f"{len(findings)} secret(s) found in {files} file(s)", err=True)
        click.echo("  hint: re-record with ctk record (it redacts), or remove the values and rotate them", err=True)
        sys.exit(EXIT_FINDINGS)
    click.echo(f"no secrets found in {files} file(s)", err=True)
    sys.exit(EXIT_CLEAN)


def _default_path() -> Path:
    from toolkit.workspace import find_root

    try:
        return find_root() / "mocks"
    except CtkError:
        return Path.cwd()
