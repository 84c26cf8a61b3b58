"""`reconciler show`: saved plans (and plans that failed) rendered again, for people and for CI.

CI plans each instance in its own job and saves the plan (`plan --out`), or the failure `plan
--format json` printed; a later job, which needs no AWS access, renders them all as one
pull-request comment within GitHub's size limit (`--format markdown --max-chars N`), and lists the
risk labels for the pull request (`--labels`).
"""

from __future__ import annotations

import json

import click

from reconciler.app.documents import Document, read_document
from reconciler.cli.base import cli, color_option, reports_errors, use_color
from reconciler.errors import ReconcilerError
from reconciler.planning.plan import Plan
from reconciler.render import FORMATS, render
from reconciler.render.comment import render_comment, risk_labels
from reconciler.render.failure import render_failure_text
from reconciler.render.markdown import GITHUB_COMMENT_LIMIT


@cli.command()
@click.argument("planfiles", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option(
    "--max-chars",
    type=click.IntRange(min=1),
    metavar="N",
    help="Markdown only: fit all the plans in N characters, each in a fair share, each saying what "
    f"was left out [default: {GITHUB_COMMENT_LIMIT:,}, GitHub's comment limit].",
)
@click.option(
    "--labels",
    is_flag=True,
    help="Print only the risk labels of the plans' changes, one per line (for pull-request labels).",
)
@color_option
@reports_errors
def show(
    planfiles: tuple[str, ...], fmt: str, max_chars: int | None, labels: bool, color: bool | None
) -> None:
    """Render saved plans (PLANFILES, from `plan --out`) or failed plans (`plan --format json`).

    Several files make one Markdown comment, or one JSON array. Plans in a format version this
    reconciler does not read are refused. Exit 0 when shown, 1 when a file cannot be read.
    """
    if max_chars is not None and (fmt != "markdown" or labels):
        raise ReconcilerError("--max-chars applies to --format markdown only")
    documents = [read_document(path) for path in planfiles]
    if labels:
        for label in risk_labels(documents):
            click.echo(label)
        return
    if fmt == "markdown":
        click.echo(render_comment(documents, limit=max_chars or GITHUB_COMMENT_LIMIT), nl=False)
    elif fmt == "json":
        dumped = [json.loads(d.to_json()) for d in documents]
        whole = dumped[0] if len(dumped) == 1 else dumped
        click.echo(json.dumps(whole, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        click.echo("\n".join(_text(d, use_color(color)) for d in documents), nl=False)


def _text(document: Document, color: bool) -> str:
    if isinstance(document, Plan):
        return render(document, "text", color=color)
    return render_failure_text(document)
