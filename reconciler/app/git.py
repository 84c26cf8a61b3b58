"""Git, read-only: the commit a plan was made at, and the desired state as it was at a revision.

`--changed-since REV` needs the desired state at REV; it is taken with `git archive` into a
temporary folder and loaded with the same loader, so a revision is judged by the same rules as
the working tree.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import tempfile
from pathlib import Path

from reconciler.desired import loader
from reconciler.desired.state import DesiredState
from reconciler.errors import ReconcilerError


def git_commit(path: str) -> str | None:
    """The commit checked out where `path` lives, or None outside a git work tree.

    When `git status` shows changes under `path` (edited, staged, new or deleted files), the plan
    was not made from that commit alone, and the commit is marked `-dirty` (as `git describe
    --dirty` does), so a reviewer comparing a plan with a commit is not misled.
    """
    target = Path(path)
    folder, spec = (target, ".") if target.is_dir() else (target.parent, target.name)
    head = _quiet(folder, "rev-parse", "HEAD")
    if not head:
        return None
    changes = _quiet(folder, "status", "--porcelain", "--untracked-files=all", "--", spec)
    return f"{head}-dirty" if changes else head


def _quiet(folder: Path, *args: str) -> str | None:
    """A git command's output, stripped; None when git is missing, fails or takes too long."""
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def desired_at(ref: str, state_dir: str) -> DesiredState:
    """The desired state as it was at git revision `ref` (empty if the folder did not exist yet).

    A scope that cannot be taken is refused, never widened to "everything changed": that is how a
    merge once reverted an emergency failover. So an all-zero revision (GitHub's "before" of a new
    branch), a revision git does not know, and a desired state that does not load at `ref` are
    errors. A state directory that did not exist at `ref` is an empty desired state: everything in
    it now was added since, which is what the scope says.
    """
    if not ref.strip("0"):
        raise ReconcilerError(
            f"--changed-since {ref}: not a commit (an all-zero revision is what GitHub gives a new "
            "branch); give the last commit applied to the instance"
        )
    folder = Path(state_dir).resolve()
    top = _git(folder, "rev-parse", "--show-toplevel").strip()
    rel = folder.relative_to(Path(top).resolve()).as_posix()
    try:
        _git(folder, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except ReconcilerError:
        raise ReconcilerError(
            f"--changed-since {ref}: git does not know this revision (fetch more history)"
        ) from None
    archive = subprocess.run(
        ["git", "-C", top, "archive", "--format=tar", ref, "--", rel], capture_output=True, check=False
    )
    if archive.returncode != 0:  # the state directory did not exist at that revision
        return DesiredState(instances=(), files=(), digest="")
    with tempfile.TemporaryDirectory(prefix="reconciler-ref-") as tmp:
        try:  # the "data" filter refuses links out of the folder, devices and odd modes
            with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
                tar.extractall(tmp, filter="data")
        except tarfile.TarError as exc:
            raise ReconcilerError(
                f"--changed-since {ref}: the desired state at that revision cannot be read safely "
                f"({exc}); what changed since cannot be told: give another revision"
            ) from None
        try:
            return loader.load(os.path.join(tmp, rel))
        except ReconcilerError as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ReconcilerError(
                f"--changed-since {ref}: the desired state at that revision does not load ({first}); "
                "what changed since cannot be told: give another revision"
            ) from None


def _git(folder: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, check=False)
    except OSError as exc:
        raise ReconcilerError(f"--changed-since needs git: {exc}") from None
    if done.returncode != 0:
        raise ReconcilerError(f"--changed-since: {folder} is not in a git work tree ({done.stderr.strip()})")
    return done.stdout
