"""Property: whatever the files hold, `reconciler validate` answers in its contract, never a traceback.

Exit 0 with a `valid` line on stdout, or exit 1 with one `error: <file>[:<line>]: ...` line per problem
and a final `N problem(s) found; nothing was changed`. Inputs: random nested structures dumped to
YAML, random text and bytes, YAML-like token soup, and random mutations of the example state.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.cli import cli

from ..support.demo import DEMO_STATE as EXAMPLE
from .helpers import ACCOUNT, UUID1, UUID2

ERROR = re.compile(r"error: (?P<file>[^:]+?)(?::(?P<line>\d+)(?::(?P<column>\d+))?)?: .*\S.*")
SUMMARY = re.compile(r"(?P<count>\d+) problems? found; nothing was changed")
EXAMPLE_FILES = {p.relative_to(EXAMPLE).as_posix(): p.read_text() for p in sorted(EXAMPLE.rglob("*.yaml"))}

FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

KEYS = [
    "instance",
    "trafficDistributionGroups",
    "queues",
    "name",
    "id",
    "region",
    "replicaRegion",
    "accountId",
    "profile",
    "roleArn",
    "default",
    "order",
    "telephony",
    "agents",
    "signIn",
    "callerIdName",
    "callerIdNumber",
    "whisperFlow",
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "<<",
    "No",
]
WORDS = [
    "",
    "~",
    "No",
    "yes",
    "+12065550100",
    "12065550100",
    UUID1,
    UUID2,
    ACCOUNT,
    "us-east-1",
    "us-west-2",
    "us-wst-2",
    f"arn:aws:connect:us-east-1:{ACCOUNT}:instance/{UUID1}",
    f"arn:aws:connect:us-west-2:{ACCOUNT}:phone-number/{UUID2}",
    f"arn:aws:connect:us-east-1:{ACCOUNT}:instance/{UUID1}/phone-number/{UUID2}",
    f"arn:aws:connect:eu-west-1:{ACCOUNT}:traffic-distribution-group/{UUID2}",
    f"arn:aws:iam::{ACCOUNT}:role/x",
    "{x}",
    "%s",
]
TOKENS = [
    *WORDS,
    *(f"{k}:" for k in KEYS),
    ":",
    "- ",
    " ",
    "  ",
    "    ",
    "\n",
    "\n  ",
    "\t",
    "&a ",
    "*a",
    "<<: *a",
    "[",
    "]",
    "{",
    "}",
    ",",
    "!!str ",
    "!!int ",
    "!!bool ",
    "!!timestamp ",
    "!!binary ",
    "!!set ",
    "!x ",
    "'",
    '"',
    "#",
    "---\n",
    "...\n",
    "? ",
    "|\n",
    ">\n",
    "%YAML 1.1\n",
    "@",
    "`",
    "0",
    "50",
    "100",
    "0x1F",
    "1e3",
    ".nan",
    "true",
    "null",
    "\\",
    "\x85",
    "\u2028",
    "\ufeff",
    "é",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-200, max_value=200).map(lambda n: n * 10 if n % 3 else n),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(WORDS),
    st.text(max_size=20),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=12))
structures = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=5)),
    max_leaves=25,
)
region_map = st.dictionaries(
    st.sampled_from(["us-east-1", "us-west-2", "eu-west-1"]),
    st.one_of(st.integers(-10, 110), scalars),
    max_size=3,
)
instance = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(st.just("demo"), scalars),
        "id": st.sampled_from([UUID1, f"arn:aws:connect:us-west-2:{ACCOUNT}:instance/{UUID1}", "x"]),
        "region": st.sampled_from(["us-east-1", "us-west-2", "x"]),
        "replicaRegion": st.sampled_from(["us-west-2", "us-east-1"]),
        "accountId": st.one_of(st.just(ACCOUNT), scalars),
        "roleArn": scalars,
        "extra": structures,
    },
)
group = st.fixed_dictionaries(
    {},
    optional={
        "default": st.one_of(st.booleans(), scalars),
        "order": scalars,
        "telephony": st.one_of(region_map, structures),
        "agents": region_map,
        "signIn": st.dictionaries(
            st.sampled_from(["us-east-1", "us-west-2"]), st.one_of(st.booleans(), scalars)
        ),
    },
)
queue = st.fixed_dictionaries(
    {},
    optional={
        "order": scalars,
        "callerIdName": scalars,
        "callerIdNumber": st.one_of(st.sampled_from(WORDS), scalars),
        "whisperFlow": scalars,
        "colour": scalars,
    },
)
state_file = st.fixed_dictionaries(
    {},
    optional={
        "instance": st.one_of(instance, structures),
        "trafficDistributionGroups": st.dictionaries(
            st.text(max_size=8), st.one_of(group, structures), max_size=3
        ),
        "queues": st.dictionaries(st.text(max_size=8), st.one_of(queue, structures), max_size=3),
    },
)


@st.composite
def dumped(draw: st.DrawFn, values: st.SearchStrategy[object]) -> str:
    value = draw(values)
    flow = draw(st.sampled_from([None, True, False]))
    return yaml.safe_dump(value, default_flow_style=flow, allow_unicode=draw(st.booleans()), sort_keys=False)


@st.composite
def mutated_example(draw: st.DrawFn) -> dict[str, str]:
    files = dict(EXAMPLE_FILES)
    name = draw(st.sampled_from(sorted(files)))
    lines = files[name].split("\n")
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        at = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        op = draw(
            st.sampled_from(["delete", "duplicate", "swap", "indent", "dedent", "value", "insert", "chars"])
        )
        if op == "delete" and len(lines) > 1:
            del lines[at]
        elif op == "duplicate":
            lines.insert(at, lines[at])
        elif op == "swap":
            other = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif op == "indent":
            lines[at] = " " * draw(st.integers(1, 4)) + lines[at]
        elif op == "dedent":
            lines[at] = lines[at][draw(st.integers(1, 4)) :]
        elif op == "value" and ":" in lines[at]:
            key = lines[at].split(":", 1)[0]
            lines[at] = f"{key}: {draw(st.sampled_from(TOKENS))}"
        elif op == "insert":
            lines.insert(at, draw(st.lists(st.sampled_from(TOKENS), max_size=6).map("".join)))
        else:
            text = lines[at]
            cut = draw(st.integers(min_value=0, max_value=len(text)))
            lines[at] = text[:cut] + draw(st.text(max_size=4)) + text[cut + draw(st.integers(0, 3)) :]
    files[name] = "\n".join(lines)
    return files


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("fuzz")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def validate(scratch: Path, files: dict[str, str | bytes]) -> None:
    """Write `files` to a fresh state directory, run `validate`, and check the output contract."""
    root = scratch / "state"
    shutil.rmtree(root, ignore_errors=True)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content)
    result = CliRunner().invoke(cli, ["validate", "--state-dir", str(root)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1), result.output
    if result.exit_code == 0:
        assert result.stderr == ""
        assert result.stdout.startswith(f"{root}: valid: ")
        return
    assert result.stdout == ""
    assert result.stderr.endswith("\n")
    *lines, summary = result.stderr[:-1].split("\n")
    # under a YAML syntax error: the offending line (escaped, short) and a caret, indented
    context = [line for line in lines if line.startswith("  ")]
    assert all(line.isprintable() and len(line) <= 80 for line in context), context
    errors = [line for line in lines if not line.startswith("  ")]
    assert errors, result.stderr
    for line in errors:
        match = ERROR.fullmatch(line)
        assert match, f"not an error line: {line!r}"
        assert match["file"].startswith(f"{root}/"), line
        assert match["line"] is None or int(match["line"]) >= 1, line
        assert len(line.splitlines()) == 1, f"control characters in {line!r}"
    counted = SUMMARY.fullmatch(summary)
    assert counted, f"not a summary line: {summary!r}"
    assert int(counted["count"]) == len(errors)


@FUZZ
@given(text=dumped(st.one_of(structures, state_file)))
def test_random_structures(scratch: Path, text: str) -> None:
    validate(scratch, {"a.yaml": text})


@FUZZ
@given(text=dumped(state_file), instance_file=dumped(st.fixed_dictionaries({"instance": instance})))
def test_random_state_files_with_an_instance(scratch: Path, text: str, instance_file: str) -> None:
    validate(scratch, {"instance.yaml": instance_file, "sub/a.yaml": text})


@FUZZ
@given(text=st.text(max_size=300))
def test_random_text(scratch: Path, text: str) -> None:
    validate(scratch, {"a.yaml": text})


@FUZZ
@given(data=st.binary(max_size=300))
def test_random_bytes(scratch: Path, data: bytes) -> None:
    validate(scratch, {"a.yaml": data})


@FUZZ
@given(text=st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))
def test_yaml_like_token_soup(scratch: Path, text: str) -> None:
    validate(scratch, {"a.yaml": text})


@settings(FUZZ, max_examples=200)
@given(files=mutated_example())
def test_mutations_of_the_example(scratch: Path, files: dict[str, str]) -> None:
    validate(scratch, dict(files))
