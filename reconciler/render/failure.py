"""A plan (or drift check) that failed, as a document: for the PR comment, the job summary, tooling.

When `reconciler plan` fails in CI, the reviewer should read why in the pull request, not dig in a
job log. So a failure is a value too: `Failure` lists the problems (file and line where known, as
the desired-state diagnostics give them) and renders as the plan would have: Markdown with the
plan's marker and an error section, or JSON with an `errors` list (docs/plan-format.md, "A plan
that failed"). `reconciler show` reads that JSON back beside saved plans, so one comment can hold
the plans that were made and the errors of those that were not.

Messages hold names from YAML and from Connect: Markdown puts them through `mdsafe`, like a plan.
"""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict

from reconciler.desired.diagnostics import LoadError
from reconciler.errors import ReconcilerError
from reconciler.planning.plan import FORMAT_VERSION
from reconciler.render import mdsafe as md
from reconciler.render.values import clean, plural

LIST_CAP = 50  # problems listed before "and N more" (all of them are in the JSON and the log)


class Problem(BaseModel):
    """One problem: `file` and `line` when it comes from a desired-state file, else None."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file: str | None = None
    line: int | None = None
    message: str

    @property
    def where(self) -> str:
        """`file:line`, `file`, or "" when the problem is not in a file."""
        if self.file and self.line:
            return f"{self.file}:{self.line}"
        return self.file or ""

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class Failure(BaseModel):
    """What a failed run tells its readers: the instance it was for (None: all) and every problem.

    `reconciler validate --format json` prints the same document, with no errors when valid.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: int = FORMAT_VERSION
    instance: str | None = None
    errors: tuple[Problem, ...]

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def problems_of(exc: BaseException) -> tuple[Problem, ...]:
    """The problems an exception stands for, as the CLI reports them on stderr."""
    if isinstance(exc, LoadError):
        return tuple(
            Problem(
                file=d.file or None,
                line=d.line or None,
                message=f"{d.path}: {d.message}" if d.path else d.message,
            )
            for d in exc.diagnostics
        )
    if isinstance(exc, ReconcilerError):
        return (Problem(message=str(exc)),)
    if isinstance(exc, KeyboardInterrupt):
        return (Problem(message="interrupted"),)
    return (Problem(message=f"internal error: {type(exc).__name__}: {exc}"),)


def render_failure_markdown(
    failure: Failure,
    *,
    title: str,
    marker: str = "",
    limit: int | None = None,
    what: str = "plan",
    command: str = "reconciler plan",
) -> str:
    """The error section that takes the place of a plan (or drift report) in a comment or issue.

    `title` is the heading line; `marker`, when given, opens the text (the sticky comment's). The
    list of problems is cut, whole lines at a time, to fit `limit` characters.
    """
    scope = f" for {md.code(failure.instance)}" if failure.instance else ""
    count = len(failure.errors)
    head = [
        *([marker] if marker else []),
        title,
        "",
        "> [!CAUTION]",
        f"> **The {what}{scope} failed** with {plural(count, 'problem')}: nothing can be applied "
        f"until {'it is' if count == 1 else 'they are'} fixed.",
        "",
        "",
    ]
    text = "\n".join(head)
    shown = 0
    for problem in failure.errors[:LIST_CAP]:
        line = _problem_line(problem)
        ending = _more(count - shown - 1, command)
        if limit is not None and len(text) + len(line) + len(ending) > limit:
            break
        text += line
        shown += 1
    text += _more(count - shown, command)
    if limit is not None and len(text) > limit:  # a limit smaller than the head itself
        text = text[:limit]
        text = text[: text.rfind("\n") + 1]
    return text


def _more(count: int, command: str) -> str:
    if count <= 0:
        return ""
    return f"- … and {count} more: see the job log, or run `{command}`.\n"


def _problem_line(problem: Problem) -> str:
    prefix = f"{md.code(problem.where)}: " if problem.where else ""
    return f"- {prefix}{md.text(problem.message)}\n"


def render_failure_text(failure: Failure) -> str:
    """For `reconciler show` in a terminal: one `error:` line per problem."""
    scope = f" for {clean(failure.instance)}" if failure.instance else ""
    lines = [f"The plan{scope} failed with {plural(len(failure.errors), 'problem')}:"]
    lines += [f"  error: {clean(str(p))}" for p in failure.errors]
    return "\n".join(lines) + "\n"


# --- GitHub annotations ------------------------------------------------------------------------


def annotation(problem: Problem) -> str:
    """`::error file=PATH,line=N::MESSAGE`: GitHub shows it on that line of the pull request's diff.

    GitHub reads a workflow command from the start of a log line, so nothing a name holds may end
    the line or the command: non-printable characters are spelled out first (as everywhere), then
    GitHub's own escapes apply: `%`, CR and LF in the message, and `:` and `,` too in properties.
    """
    properties = []
    if problem.file:
        properties.append(f"file={_escape_property(clean(problem.file))}")
        if problem.line:
            properties.append(f"line={problem.line}")
    head = f"::error {','.join(properties)}" if properties else "::error"
    return f"{head}::{escape_data(clean(problem.message))}"


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")
