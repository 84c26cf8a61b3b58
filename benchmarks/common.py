"""What every benchmark shares: fixtures, the emulator process, desired-state trees, timed children.

The benchmark process only orchestrates. The emulator runs in its own process
(``benchmarks.emulator_proc``) so its CPU never counts against the plan being measured, and every
measured ``reconciler`` run is a fresh child process whose wall time, CPU time and peak RSS come
from ``os.wait4`` in a small launcher (``benchmarks.launch``): the rusage of that one child, not
of all children together, and not inflated by this process's own peak RSS. Children get
dummy credentials, ``AWS_CONFIG_FILE=/dev/null`` and a private bytecode cache
(``PYTHONPYCACHEPREFIX``, warmed by an untimed run first): a user's second run has compiled
bytecode, and nothing is written into the source tree.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from connect_emulator.generate import generate_fixture
from reconciler.app import environment, run
from reconciler.connect import RateLimiter

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
INSTANCE_NAME = "bench"
QUEUES_PER_FILE = 2500  # the loader caps one file at 200,000 YAML nodes and 5 MB
CONNECT_RATE = 2.0  # Amazon Connect's default quota per account, Region and API (DESIGN.md)
CONNECT_BURST = 5
SEARCH_PAGE = 500
LIST_PAGE = 1000
GROUP_PAGE = 10
WRITE_OPERATION = "UpdateQueueOutboundCallerConfig"
# Children compile bytecode here, never into the source tree (it persists between runs: a cache).
PYCACHE = Path(tempfile.gettempdir()) / "connect-reconciler-bench-pycache"


# --- fixtures ---------------------------------------------------------------------------------


def fixture_shape(queues: int) -> dict[str, int]:
    """Flows, numbers and groups that grow with the queue count, as a real instance's would."""
    return {"queues": queues, "flows": max(20, queues // 250), "numbers": max(100, queues // 50), "groups": 3}


def make_fixture(queues: int, folder: Path) -> tuple[dict[str, Any], Path]:
    """Generate the fixture for `queues` and write it as JSON into `folder`."""
    shape = fixture_shape(queues)
    fixture = generate_fixture(shape["queues"], shape["flows"], shape["numbers"], shape["groups"], seed=0)
    path = folder / f"fixture-{queues}.json"
    path.write_text(json.dumps(fixture), encoding="utf-8")
    return fixture, path


def minimum_read_calls(
    fixture: dict[str, Any], managed_groups: int | None = None, *, default_managed: bool = True
) -> dict[str, int]:
    """The fewest calls a full read of the fixture's one instance can make, per operation.

    SearchQueues pages of 500 (STANDARD queues), ListContactFlows pages of 1000, ListPhoneNumbersV2
    pages of 1000 for the instance and for each group (numbers claimed to a group are listed under
    it), ListTrafficDistributionGroups in the source Region (groups live there only), then Describe
    + Get per managed group, plus the default group when it is not managed (its sign-in config).
    """
    inst = fixture["instances"][0]
    queues = sum(1 for q in inst["queues"] if q.get("type", "STANDARD") == "STANDARD")
    groups = inst["trafficDistributionGroups"]
    managed = len(groups) if managed_groups is None else managed_groups
    by_target = Counter(n["claimedTo"] for n in inst["phoneNumbers"])
    number_pages = max(1, math.ceil(by_target.get("instance", 0) / LIST_PAGE))
    number_pages += sum(max(1, math.ceil(by_target.get(g["id"], 0) / LIST_PAGE)) for g in groups)
    reads = managed + (0 if default_managed else 1)
    return {
        "SearchQueues": max(1, math.ceil(queues / SEARCH_PAGE)),
        "ListContactFlows": max(1, math.ceil(len(inst["flows"]) / LIST_PAGE)),
        "ListPhoneNumbersV2": number_pages,
        "ListTrafficDistributionGroups": max(1, math.ceil(len(groups) / GROUP_PAGE)),
        "DescribeTrafficDistributionGroup": reads,
        "GetTrafficDistribution": reads,
    }


def quota_floor_seconds(calls_by_operation: dict[str, int], rate: float, burst: float) -> float:
    """Least time a token bucket per operation allows: the busiest operation's (n - burst) / rate."""
    return max((max(0.0, n - burst) / rate for n in calls_by_operation.values()), default=0.0)


# --- the emulator in its own process ----------------------------------------------------------


class EmulatorProcess:
    """``benchmarks.emulator_proc`` serving `fixture_path`; a context manager that always stops it."""

    def __init__(
        self,
        fixture_path: Path,
        *,
        quotas: str = "off",
        log_dir: Path | None = None,
        extra: Sequence[str] = (),
    ) -> None:
        self.fixture_path = fixture_path
        self.quotas = quotas
        self.extra = list(extra)  # more `benchmarks.emulator_proc` options
        self.log_path = (log_dir or fixture_path.parent) / f"emulator-{fixture_path.stem}-{quotas}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.startup_seconds = 0.0

    def __enter__(self) -> EmulatorProcess:
        started = time.perf_counter()
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [
                    PYTHON,
                    "-m",
                    "benchmarks.emulator_proc",
                    str(self.fixture_path),
                    "--quotas",
                    self.quotas,
                    *self.extra,
                ],
                cwd=ROOT,
                env=_python_env(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
            )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode().strip()
        if not line.startswith("listening on "):
            self.__exit__(None, None, None)
            raise RuntimeError(
                f"the emulator did not start: {self.log_path.read_text(errors='replace')[-800:]}"
            )
        self.url = line.removeprefix("listening on ")
        self.startup_seconds = time.perf_counter() - started
        return self

    def __exit__(self, *exc: object) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()

    def _admin(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}/_emulator/{path}", data=data, method=method)
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read()
        return json.loads(body) if body else None

    def calls(self) -> list[dict[str, Any]]:
        calls: list[dict[str, Any]] = self._admin("GET", "calls")
        return calls

    def clear_calls(self) -> None:
        self._admin("DELETE", "calls")

    def set_region_down(self, region: str, down: bool = True) -> None:
        self._admin("PUT", f"regions/{region}", {"down": down})

    def reset_quotas(self) -> None:
        self._admin("POST", "quotas/reset")

    def cpu_seconds(self) -> float:
        """User + system CPU the emulator process has used so far (Linux /proc; else 0)."""
        assert self.proc is not None
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def call_summary(calls: Iterable[dict[str, Any]]) -> tuple[int, int, Counter[str]]:
    """(calls, throttled 429s, calls per operation) of a call log."""
    total = throttled = 0
    per_op: Counter[str] = Counter()
    for call in calls:
        total += 1
        per_op[str(call.get("operation"))] += 1
        if call.get("status") == 429:
            throttled += 1
    return total, throttled, per_op


# --- desired state ----------------------------------------------------------------------------


@dataclass
class Tree:
    path: Path
    queues: int  # queues in the desired state (export leaves out queues with no caller config)
    groups: int
    changed: list[str] = field(default_factory=list)
    export_seconds: float = 0.0


def instance_spec(fixture: dict[str, Any]) -> Any:
    inst = fixture["instances"][0]
    return run.instance_spec(
        {
            "name": INSTANCE_NAME,
            "id": inst["id"],
            "region": inst["region"],
            "replicaRegion": inst["replicaRegion"],
            "accountId": inst["account"],
        }
    )


def build_tree(
    url: str, fixture: dict[str, Any], folder: Path, changes: int, *, limit_client: bool = False
) -> Tree:
    """Export the live fixture as desired state, then change the caller ID name of `changes` queues.

    The export is the tool's own (`reconciler export`), so a plan of the untouched tree shows no
    changes; queues are split into files of 2,500 (the loader's per-file limits), and the changed
    queues are spread evenly through them.
    """
    started = time.perf_counter()
    limiter = None if limit_client else RateLimiter(rate=0)
    files = run.Run(port=environment.connect_port([url], limiter)).export(instance_spec(fixture))
    export_seconds = time.perf_counter() - started
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "instance.yaml").write_text(files["instance.yaml"], encoding="utf-8")
    groups = yaml.load(files["instance.yaml"], Loader=yaml.CSafeLoader).get("trafficDistributionGroups") or {}
    queues: dict[str, dict[str, Any]] = (
        yaml.load(files.get("queues.yaml", "queues: {}"), Loader=yaml.CSafeLoader)["queues"] or {}
    )
    names = list(queues)
    changed: list[str] = []
    if changes > len(names):
        raise ValueError(f"cannot change {changes} queues: the desired state has {len(names)}")
    for i in range(changes):
        name = names[i * len(names) // changes]
        body = queues[name]
        body["callerIdName"] = f"{body.get('callerIdName', 'AnyCompany')} (bench)"
        changed.append(name)
    for part, start in enumerate(range(0, len(names), QUEUES_PER_FILE)):
        chunk = {n: queues[n] for n in names[start : start + QUEUES_PER_FILE]}
        text = yaml.dump({"queues": chunk}, Dumper=yaml.CSafeDumper, sort_keys=False, width=200)
        (folder / f"queues-{part:03d}.yaml").write_text(text, encoding="utf-8")
    return Tree(folder, len(names), len(groups), changed, export_seconds)


# --- child processes --------------------------------------------------------------------------


def _python_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


RATE_ENV = "RECONCILER_RATE_LIMIT"  # the client-side limit: unset = Connect's 2/s, `off`, `RATE/BURST`


def child_env(url: str, rate_limit: str | None = None) -> dict[str, str]:
    """Environment of a measured `reconciler` child: dummy credentials, the emulator, no profile,
    and the client-side rate limit given (None: unset, the tool's default of Connect's quota)."""
    env = {k: v for k, v in _python_env().items() if not k.startswith(("AWS_", "RECONCILER_"))}
    if rate_limit is not None:
        env[RATE_ENV] = rate_limit
    env.update(
        AWS_ENDPOINT_URL_CONNECT=url,
        AWS_ACCESS_KEY_ID="AKIABENCHMARK0000000",
        AWS_SECRET_ACCESS_KEY="benchmark-secret",
        AWS_REGION="us-east-1",
        AWS_CONFIG_FILE="/dev/null",
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
        NO_COLOR="1",
    )
    return env


@dataclass
class ChildRun:
    args: list[str]
    returncode: int
    wall: float
    cpu: float  # user + system seconds of the child
    maxrss_mb: float  # peak resident set of the child
    stdout: str
    stderr: str


def run_child(args: Sequence[str], env: dict[str, str], cwd: Path) -> ChildRun:
    """Run one child to completion through ``benchmarks.launch``, which reports its own rusage.

    Started straight from this process, the child would inherit this process's peak RSS (see
    ``benchmarks.launch``); the launcher is small, so the figures are the child's alone.
    """
    out_path, err_path, result_path = cwd / ".child.stdout", cwd / ".child.stderr", cwd / ".child.json"
    result_path.unlink(missing_ok=True)
    launcher = [PYTHON, "-m", "benchmarks.launch", str(result_path), "--", *args]
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        subprocess.run(launcher, env=env, cwd=cwd, stdout=out, stderr=err, check=True)
    record = json.loads(result_path.read_text(encoding="utf-8"))
    return ChildRun(
        list(args),
        int(record["returncode"]),
        float(record["wall"]),
        float(record["cpu"]),
        record["maxrss_kb"] / 1024,  # kilobytes on Linux
        out_path.read_text(errors="replace"),
        err_path.read_text(errors="replace"),
    )


def check(run: ChildRun, what: str) -> ChildRun:
    if run.returncode not in (0, 2):
        raise RuntimeError(f"{what} failed (exit {run.returncode}): {run.stderr.strip()[-1500:]}")
    return run


PLAN_SUMMARY = re.compile(r"Plan: (\d+) to change, (\d+) unchanged, (\d+) blocked")


def planned_changes(text: str) -> int | None:
    match = PLAN_SUMMARY.search(text)
    return int(match.group(1)) if match else None


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


# --- output -----------------------------------------------------------------------------------


def machine_line() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "n/a"
    today = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return (
        f"{today} | {os.cpu_count()} cores ({model}) | Python {platform.python_version()} | "
        f"{platform.system()} {platform.release()} | load average {load} | {source_version()}"
    )


def source_version() -> str:
    """The commit measured, and whether reconciler/ had uncommitted changes at the time."""
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "reconciler", "pyproject.toml"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "commit unknown"
    return f"commit {head}" + (" + uncommitted changes in reconciler/" if dirty else "")


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A Markdown pipe table, aligned for reading in a terminal too."""
    cells = [[str(h) for h in headers], *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def ops_text(per_op: Counter[str]) -> str:
    short = {
        "SearchQueues": "SQ",
        "ListContactFlows": "LCF",
        "ListPhoneNumbersV2": "LPN",
        "ListTrafficDistributionGroups": "LTDG",
        "DescribeTrafficDistributionGroup": "DTDG",
        "GetTrafficDistribution": "GTD",
        "DescribeQueue": "DQ",
        WRITE_OPERATION: "UQOCC",
    }
    return " ".join(f"{short.get(op, op)} {n}" for op, n in sorted(per_op.items()))


def reproduce(argv: Sequence[str]) -> str:
    return "Reproduce: .venv/bin/python -m benchmarks " + shlex.join(argv)


def heading(title: str) -> None:
    print(f"\n## {title}\n", flush=True)
