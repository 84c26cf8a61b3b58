"""Failures told where CI readers look: on stdout in the format asked for, and as GitHub annotations.

`reports_errors` (cli.base) prints every failure as `error:` lines on stderr and exits 1. A CI job
that saves `plan --format markdown` for a pull-request comment would then post an empty comment,
so the commands that report (plan, drift, validate) also print the failure on stdout, in the
format asked for: an error section in Markdown, an `errors` list in JSON (nothing more in text,
where stderr says it all). With `--annotations`, or in GitHub Actions, every problem is also a
`::error` workflow command on stderr, which GitHub shows on the line of the diff it is about.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator

import click

from reconciler.render.failure import Failure, annotation, problems_of

annotations_option = click.option(
    "--annotations",
    is_flag=True,
    help="Also print each problem as a GitHub annotation (::error file=...,line=...::...) on "
    "stderr; on by default when GITHUB_ACTIONS=true.",
)


def annotations_wanted(flag: bool) -> bool:
    """`--annotations`, or running in GitHub Actions (which sets GITHUB_ACTIONS=true)."""
    return flag or os.environ.get("GITHUB_ACTIONS") == "true"


def annotate(failure: Failure, flag: bool) -> None:
    """Each problem as a GitHub workflow command on stderr, when wanted."""
    if annotations_wanted(flag):
        for problem in failure.errors:
            click.echo(annotation(problem), err=True)


@contextlib.contextmanager
def reported(
    render_failure: Callable[[Failure], str], *, annotations: bool, instance: str | None
) -> Iterator[None]:
    """On any failure inside: print `render_failure(failure)` on stdout, annotate, and re-raise,
    so that `reports_errors` still prints the stderr lines and sets exit code 1."""
    try:
        yield
    except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
        raise
    except BaseException as exc:
        failure = Failure(instance=instance, errors=problems_of(exc))
        annotate(failure, annotations)
        text = render_failure(failure)
        if text:
            click.echo(text, nl=False)
        raise
