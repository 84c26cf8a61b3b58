"""Helpers the GitHub workflows run between jobs (`python -m reconciler.app.github ...`).

`missing-results TARGETS DIR`: every instance of the CI matrix (TARGETS, the JSON of `reconciler
targets --json`) whose plan job left no result in DIR gets a failed plan there, saying so. A job
can stop before `reconciler plan` prints anything (a setup step failed, a timeout killed it), and
the pull-request comment must still name every instance rather than silently leave one out.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from reconciler.errors import ReconcilerError
from reconciler.render.failure import Failure, Problem

NO_RESULT = (
    "the plan job stopped before it produced a plan (a setup step failed, or it timed out): "
    "see the workflow run"
)


def target_names(targets_json: str) -> list[str]:
    """The instance names of `reconciler targets --json`."""
    try:
        targets = json.loads(targets_json)
        names = [str(t["name"]) for t in targets]
    except (json.JSONDecodeError, TypeError, KeyError) as exc:
        raise ReconcilerError(f"not the output of `reconciler targets --json`: {exc}") from None
    return names


def fill_missing(names: Sequence[str], folder: Path) -> list[Path]:
    """Write `NAME.json`, a failed plan, for each name without one in `folder`; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        path = folder / f"{name}.json"
        if path.exists() and path.stat().st_size > 0:
            continue
        path.write_text(
            Failure(instance=name, errors=(Problem(message=NO_RESULT),)).to_json(), encoding="utf-8"
        )
        written.append(path)
    return written


def main(argv: Sequence[str]) -> int:
    if len(argv) != 3 or argv[0] != "missing-results":
        print("usage: python -m reconciler.app.github missing-results TARGETS_JSON DIR", file=sys.stderr)
        return 1
    try:
        written = fill_missing(target_names(argv[1]), Path(argv[2]))
    except ReconcilerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot write to {argv[2]}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"no result from the plan of {path.stem}: wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
