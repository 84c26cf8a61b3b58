"""Several plans (one per instance, made by separate CI jobs) as one pull-request comment.

GitHub refuses a comment over 65,536 characters, and a comment cut at an arbitrary character ends
mid-row and loses the note that says what was left out. So the budget is shared here, before
rendering, and each plan is rendered by the Markdown renderer within its share, with its own note:

- the budget is split max-min fairly: a plan that needs less than an equal share gets what it
  needs, and what it leaves is shared equally by the others, so a huge plan cannot push a small
  one out of the comment;
- a plan that failed (`failure.Failure`) takes the place of its plan, as an error section;
- the comment opens with the one marker the CI job looks for (`markdown.MARKER`) and a line per
  instance, so a reviewer sees every instance's outcome before any detail.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.planning.plan import Plan
from reconciler.render import mdsafe as md
from reconciler.render.failure import Failure, render_failure_markdown
from reconciler.render.markdown import GITHUB_COMMENT_LIMIT, MARKER, PLAN_TITLE, render_markdown
from reconciler.render.values import instance_order, ordered_risks, plural

Document = Plan | Failure
SEPARATOR = "\n---\n\n"
OVERVIEW_CAP = 50  # instances named in the overview before "and N more"


def render_comment(documents: Sequence[Document], *, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """Every document in one Markdown text of at most `limit` characters."""
    if len(documents) == 1:
        return _part(documents[0], limit, alone=True)
    head = f"{MARKER}\n{_overview(documents)}\n"
    budget = limit - len(head) - len(SEPARATOR) * len(documents)
    wants = [len(_part(doc, budget)) for doc in documents]
    parts = [_part(doc, share) for doc, share in zip(documents, fair_shares(wants, budget), strict=True)]
    text = head + "".join(SEPARATOR + part for part in parts)
    return text if len(text) <= limit else text[: text.rfind("\n", 0, limit) + 1]


def fair_shares(wants: Sequence[int], budget: int) -> list[int]:
    """Max-min fair shares of `budget`: each gets what it wants or an equal share of what is left."""
    shares = [0] * len(wants)
    left, waiting = max(budget, 0), sorted(range(len(wants)), key=lambda i: wants[i])
    while waiting:
        share = left // len(waiting)
        index = waiting.pop(0)
        shares[index] = min(wants[index], share)
        left -= shares[index]
    return shares


def _part(doc: Document, limit: int, *, alone: bool = False) -> str:
    """One document within `limit`; `alone`, it is the whole comment and opens with the marker."""
    if isinstance(doc, Plan):
        return render_markdown(doc, limit=limit, part=not alone)
    if alone:
        return render_failure_markdown(doc, title=PLAN_TITLE, marker=MARKER, limit=limit)
    title = f"{PLAN_TITLE}: {md.code(doc.instance)}" if doc.instance else PLAN_TITLE
    return render_failure_markdown(doc, title=title, limit=limit)


def _overview(documents: Sequence[Document]) -> str:
    """`**3 plans**` and one line per document: its instances and what the plan does."""
    failed = sum(1 for d in documents if isinstance(d, Failure))
    title = f"## Amazon Connect plans: {plural(len(documents), 'plan')}"
    if failed:
        title += f", {failed} failed"
    lines = [title, ""]
    for doc in documents[:OVERVIEW_CAP]:
        lines.append(f"- {_outcome(doc)}")
    if len(documents) > OVERVIEW_CAP:
        lines.append(f"- … and {len(documents) - OVERVIEW_CAP} more")
    return "\n".join(lines) + "\n"


def _outcome(doc: Document) -> str:
    if isinstance(doc, Failure):
        name = md.code(doc.instance) if doc.instance else "the desired state"
        return f"{name}: **failed** ({plural(len(doc.errors), 'problem')})"
    names = ", ".join(md.code(name) for name in instance_order(doc)) or "(no instance)"
    if not doc.has_changes:
        return f"{names}: no changes"
    counts = [f"{len(doc.updates)} to change"] + ([f"{len(doc.blocked)} blocked"] if doc.blocked else [])
    risks = [r.value for r in ordered_risks(r for c in doc.changes for r in c.risks)]
    return f"{names}: {', '.join(counts)}" + (f" ({', '.join(risks)})" if risks else "")


def risk_labels(documents: Sequence[Document]) -> list[str]:
    """The risk labels of every change the plans would make, in the `Risk` enum's order.

    For pull-request labels: a change held back by --changed-since (a revert apply will not make)
    does not count; a change blocked for now (a busy group) does, since it will be made later.
    """
    changes = [c for d in documents if isinstance(d, Plan) for c in d.changes if not c.held]
    return [r.value for r in ordered_risks(r for c in changes for r in c.risks)]
