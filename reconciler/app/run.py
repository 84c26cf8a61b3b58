"""The edge where loading, reading and planning meet: what `plan`, `apply` and `drift` share.

Pure parts (`loader` aside, `planner`, renderers) know nothing of AWS; `reconciler.connect` knows
nothing of plans. This module wires them for one run: one `ClientFactory` and rate limiter for all
instances, instances read concurrently, and the metadata (time, git commit) a saved plan carries.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import tarfile
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from pydantic import ValidationError

from reconciler import __version__
from reconciler.applying.applier import Applier, Report, Settings
from reconciler.applying.journal import Journal
from reconciler.applying.journal import default_path as default_journal_path
from reconciler.applying.journal import read as read_journal
from reconciler.applying.lock import Backend, FileBackend, held
from reconciler.applying.rollback import rollback_plan
from reconciler.connect import ClientFactory, RateLimiter
from reconciler.connect.dynamolock import DynamoBackend
from reconciler.connect.reads import read_instance
from reconciler.desired import loader
from reconciler.desired.model import DesiredInstance, DesiredState, InstanceSpec, Source
from reconciler.errors import ReconcilerError
from reconciler.gcpause import paused
from reconciler.planning import changed_since as scope
from reconciler.planning.drift import DriftReport, drift
from reconciler.planning.export import export_documents
from reconciler.planning.live import LiveState
from reconciler.planning.plan import Kind, Plan, PlanMeta
from reconciler.planning.planner import make_plan

READ_WORKERS = 8
INSTANCE_WORKERS = 4


def load_desired(state_dir: str, instance: str | None = None) -> DesiredState:
    """Load the desired state, narrowed to one instance when `instance` is given."""
    desired = loader.load(state_dir)
    if instance is None:
        return desired
    chosen = desired.instance(instance)
    if chosen is None:
        known = ", ".join(i.name for i in desired.instances)
        raise ReconcilerError(f"no instance named {instance!r} in {state_dir} (instances: {known})")
    return replace(desired, instances=(chosen,))


RATE_ENV = "RECONCILER_RATE_LIMIT"


def make_factory(endpoint_url: str | None = None, limiter: RateLimiter | None = None) -> ClientFactory:
    """Clients for one run, sharing one rate limiter (from RECONCILER_RATE_LIMIT when set)."""
    return ClientFactory(endpoint_url=endpoint_url, limiter=limiter or rate_limiter(os.environ.get(RATE_ENV)))


def rate_limiter(setting: str | None) -> RateLimiter:
    """`RATE` or `RATE/BURST` requests per second per operation, or `off`; unset: Connect's quotas.

    Accounts whose quotas AWS has raised can go faster; `off` is for emulators with quotas off.
    """
    if setting is None or not setting.strip():
        return RateLimiter()
    text = setting.strip().lower()
    if text in ("off", "0"):
        return RateLimiter(rate=0)
    rate_text, _, burst_text = text.partition("/")
    try:
        rate = float(rate_text)
        burst = int(burst_text) if burst_text else max(1, int(rate * 2))
    except ValueError:
        raise ReconcilerError(f"{RATE_ENV}={setting!r}: use RATE, RATE/BURST (e.g. 10/20) or off") from None
    if rate <= 0 or burst < 1:
        raise ReconcilerError(f"{RATE_ENV}={setting!r}: the rate and burst must be positive (or use off)")
    return RateLimiter(rate=rate, burst=burst)


def read_live(desired: DesiredState, factory: ClientFactory) -> LiveState:
    """Read every desired instance, with full distributions for the groups it manages."""
    return read_specs(factory, [(i.spec, [g.key for g in i.groups]) for i in desired.instances])


@paused()
def read_specs(factory: ClientFactory, items: Sequence[tuple[InstanceSpec, Sequence[str]]]) -> LiveState:
    """Instances are read side by side, and the reads within each instance run concurrently."""
    with (
        ThreadPoolExecutor(READ_WORKERS, thread_name_prefix="read") as pool,
        ThreadPoolExecutor(INSTANCE_WORKERS, thread_name_prefix="instance") as outer,
    ):
        futures = [outer.submit(read_instance, factory, spec, groups, pool=pool) for spec, groups in items]
        return LiveState(instances=tuple(f.result() for f in futures))


def load_plan(planfile: str, state_dir: str) -> tuple[Plan, DesiredState]:
    """A saved plan and the desired state it was made from; refused if the files changed since."""
    try:
        text = Path(planfile).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReconcilerError(
            f"cannot read the plan {planfile}: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    saved = Plan.from_json(text, planfile)
    desired = loader.load(state_dir)
    if desired.digest != saved.desired_digest:
        raise ReconcilerError(
            f"{planfile}: the files in {state_dir} changed since this plan was made "
            f"(plan {saved.desired_digest[:12]}, now {desired.digest[:12]}); make a new plan"
        )
    return saved, desired


def applier(
    factory: ClientFactory, desired: DesiredState, plan_: Plan, journal: Journal | None, settings: Settings
) -> Applier:
    """An Applier whose refresh reads exactly the instances and groups the plan touches."""
    groups: dict[str, list[str]] = {}
    for change in plan_.changes:
        if change.kind is Kind.TRAFFIC:
            groups.setdefault(change.instance, []).append(change.resource_id)

    def read(specs: tuple[InstanceSpec, ...]) -> LiveState:
        return read_specs(factory, [(s, groups.get(s.name, [])) for s in specs])

    specs = {i.name: i.spec for i in desired.instances}
    return Applier(factory, specs, read, journal, settings)


@paused()
def plan(
    state_dir: str, *, instance: str | None = None, factory: ClientFactory, changed_since: str | None = None
) -> Plan:
    """Load, read, plan, and stamp the plan with where and when it was made.

    With `changed_since`, updates to resources whose YAML is unchanged since that git revision
    are held back as blocked (see `reconciler.planning.changed_since`).
    """
    before = desired_at(changed_since, state_dir) if changed_since else None
    desired = load_desired(state_dir, instance)
    live = read_live(desired, factory)
    made = make_plan(desired, live)
    if changed_since:
        made = scope.changed_since(made, desired, before, changed_since)
    meta = PlanMeta(
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        tool_version=__version__,
        state_dir=state_dir,
        git_commit=git_commit(state_dir),
    )
    return made.model_copy(update={"meta": meta})


def git_commit(path: str) -> str | None:
    """The commit checked out where `path` lives, or None outside a git work tree."""
    folder = Path(path) if Path(path).is_dir() else Path(path).parent
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def load_rollback(journal_file: str) -> tuple[Plan, DesiredState]:
    """The plan restoring what a journalled apply changed, with the instances it names."""
    made, specs = rollback_plan(read_journal(journal_file), journal_file)
    source = Source(journal_file, 1)
    instances = tuple(DesiredInstance(spec=s, source=source, groups=(), queues=()) for s in specs.values())
    return made, DesiredState(instances=instances, files=(), digest=made.desired_digest)


@paused()
def drift_report(
    state_dir: str, *, instance: str | None, factory: ClientFactory, include_unmanaged: bool
) -> DriftReport:
    """Live vs desired for every managed resource (reads only)."""
    desired = load_desired(state_dir, instance)
    return drift(desired, read_live(desired, factory), include_unmanaged=include_unmanaged)


def export_instance(spec: InstanceSpec, factory: ClientFactory) -> dict[str, str]:
    """Desired-state YAML files for one live instance, every group read in full."""
    with paused(), ThreadPoolExecutor(READ_WORKERS, thread_name_prefix="read") as pool:
        live = read_instance(factory, spec, None, pool=pool)
    return export_documents(spec, live)


def write_export(files: dict[str, str], out_dir: str, *, force: bool) -> list[str]:
    """Write exported files, refusing to overwrite any existing one unless `force`."""
    folder = Path(out_dir)
    clashes = [str(folder / name) for name in files if (folder / name).exists()]
    if clashes and not force:
        raise ReconcilerError(f"{', '.join(clashes)} already exist; pass --force to overwrite")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ReconcilerError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None
    return [str(folder / name) for name in files]


def instance_spec(fields: dict[str, str]) -> InstanceSpec:
    """An InstanceSpec from command-line values, with the loader's rules and messages."""
    try:
        return InstanceSpec.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or (first.get("ctx") or {}).get("at", "instance")
        raise ReconcilerError(f"invalid instance option {where}: {first['msg']}") from None


def lock_backend(spec: str) -> Backend:
    """`file` (default folder), `file://FOLDER` or `dynamodb://TABLE` -> a lock backend."""
    if spec == "file":
        return FileBackend()
    if spec.startswith("file://") and len(spec) > len("file://"):
        return FileBackend(spec.removeprefix("file://"))
    if spec.startswith("dynamodb://") and len(spec) > len("dynamodb://"):
        return DynamoBackend(spec.removeprefix("dynamodb://"))
    raise ReconcilerError(f"--lock {spec!r}: use file, file://FOLDER or dynamodb://TABLE")


def lock_keys(plan_: Plan, desired: DesiredState) -> list[str]:
    """One lock per instance the plan writes to, named by account, Region and instance ID."""
    names = {c.instance for c in plan_.updates}
    return [
        f"connect-reconciler/{i.spec.account or '-'}/{i.spec.region}/{i.spec.instance_id}"
        for i in desired.instances
        if i.name in names
    ]


def run_apply(
    made: Plan,
    desired: DesiredState,
    factory: ClientFactory,
    *,
    journal_path: str | None,
    settings: Settings,
    lock: str,
    operation: str,
) -> Report:
    """Apply (or roll back) under the per-instance lock, journalled; a dry run takes neither."""
    if settings.dry_run:
        return applier(factory, desired, made, None, settings).run(made)
    with (
        held(lock_backend(lock), lock_keys(made, desired), operation),
        Journal(journal_path or default_journal_path()) as journal,
    ):
        return applier(factory, desired, made, journal, settings).run(made)


def desired_at(ref: str, state_dir: str) -> DesiredState | None:
    """The desired state as it was at git revision `ref`; None when there was none to load.

    An all-zero revision (GitHub's "before" of a new branch) or a state directory that did not
    exist yet means everything counts as changed. A revision git does not know is an error.
    """
    if not ref.strip("0"):
        return None
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
    if archive.returncode != 0:
        return None  # the state directory did not exist at that revision
    with tempfile.TemporaryDirectory(prefix="reconciler-ref-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(tmp, filter="data")
        try:
            return loader.load(os.path.join(tmp, rel))
        except ReconcilerError:
            return None  # an invalid state at that revision: treat everything as changed


def _git(folder: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, check=False)
    except OSError as exc:
        raise ReconcilerError(f"--changed-since needs git: {exc}") from None
    if done.returncode != 0:
        raise ReconcilerError(f"--changed-since: {folder} is not in a git work tree ({done.stderr.strip()})")
    return done.stdout
