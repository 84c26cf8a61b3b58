"""Which files are read, which instance each belongs to, rules across files, ordering and the digest."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconciler.desired import loader
from reconciler.desired.diagnostics import LoadError
from reconciler.desired.state import Source

from ..support.demo import DEMO_STATE as EXAMPLE
from .helpers import (
    ACCOUNT,
    GROUP,
    INSTANCE,
    QUEUE,
    UUID1,
    UUID2,
    Tree,
    load_ok,
    problems,
    write_tree,
)

NO_INSTANCE = "no instance: add an 'instance:' block here or in a file of this folder or a parent folder"


def other_instance(name: str, uuid: str = UUID2) -> str:
    return INSTANCE.replace("name: demo", f"name: {name}").replace(UUID1, uuid)


# --- the state directory itself ---------------------------------------------------------------------


def test_missing_directory(workdir: Path) -> None:
    assert problems("nope") == ["nope: state directory does not exist"]


def test_path_that_is_a_file(workdir: Path) -> None:
    (workdir / "prod.yaml").write_text(INSTANCE)
    assert problems("prod.yaml") == ["prod.yaml: not a directory (--state-dir takes a directory)"]


def test_directory_without_yaml(workdir: Path) -> None:
    write_tree(workdir / "state", {"README.md": "# docs\n", "prod.json": "{}", "sub/notes.txt": "x"})
    assert problems("state") == ["state: no desired-state files (*.yaml, *.yml) found"]
    (workdir / "empty").mkdir()
    assert problems("empty") == ["empty: no desired-state files (*.yaml, *.yml) found"]


def test_only_hidden_yaml_counts_as_no_yaml(workdir: Path) -> None:
    write_tree(workdir / "state", {".git/config.yaml": "x: 1\n", ".hidden.yaml": INSTANCE})
    assert problems("state") == ["state: no desired-state files (*.yaml, *.yml) found"]


def test_the_example_state_is_valid() -> None:
    state = load_ok(EXAMPLE)
    (instance,) = state.instances
    assert instance.name == "anycompany-demo"
    assert instance.source == Source(f"{EXAMPLE}/anycompany-demo/instance.yaml", 4)
    assert [g.key for g in instance.groups] == ["anycompany-default", "anycompany-overflow"]
    assert [q.key for q in instance.queues] == [
        "BasicQueue",
        "Sales",
        "Support",
        "Billing",
        "VIP",
        "Tech Support",
        "After Hours",
    ]
    assert instance.queues[0].source == Source(f"{EXAMPLE}/anycompany-demo/queues.yaml", 4)
    assert instance.groups[0].spec.sign_in == {"us-east-1": True, "us-west-2": True}
    assert len(state.files) == 2


# --- discovery -------------------------------------------------------------------------------------


def test_yaml_and_yml_files_at_any_depth(workdir: Path) -> None:
    write_tree(
        workdir / "state",
        {
            "instance.yaml": INSTANCE,
            "groups/main.yml": GROUP,
            "queues/a/b/c/sales.yaml": QUEUE,
            "queues/notes.md": "queues: [not, yaml, we, read]",
            "queues/old.yaml.bak": "{{{",
            "queues/data.json": "{}",
        },
    )
    state = load_ok("state")
    assert state.files == ("state/groups/main.yml", "state/instance.yaml", "state/queues/a/b/c/sales.yaml")
    (instance,) = state.instances
    assert [(g.key, str(g.source)) for g in instance.groups] == [("main", "state/groups/main.yml:2")]
    assert [(q.key, str(q.source)) for q in instance.queues] == [("Sales", "state/queues/a/b/c/sales.yaml:2")]


def test_hidden_folders_and_files_are_skipped(check: Tree) -> None:
    broken = "instance: [\n"
    assert (
        check(
            {
                "instance.yaml": INSTANCE,
                ".git/HEAD.yaml": broken,
                ".git/refs/x.yml": broken,
                ".github/workflows/ci.yaml": broken,
                "sub/.cache/q.yaml": broken,
                ".draft.yaml": broken,
            }
        )
        == []
    )


# --- which instance a file belongs to ------------------------------------------------------------------


def test_file_without_instance_belongs_to_its_folder_or_nearest_parent(workdir: Path) -> None:
    write_tree(
        workdir / "state",
        {
            "root.yaml": INSTANCE,
            "root-queues.yaml": QUEUE,
            "team/deep/er/q.yaml": "queues:\n  Deep: {callerIdName: x}\n",
            "eu/instance.yaml": other_instance("eu"),
            "eu/queues/q.yaml": "queues:\n  Eu: {callerIdName: y}\n",
            "eu/more.yaml": "queues:\n  Sales: {callerIdName: z}\n",
        },
    )
    state = load_ok("state")
    assert [(i.name, [q.key for q in i.queues]) for i in state.instances] == [
        ("demo", ["Sales", "Deep"]),
        ("eu", ["Sales", "Eu"]),
    ]


def test_no_instance_anywhere(check: Tree) -> None:
    assert check({"q.yaml": QUEUE, "sub/g.yaml": GROUP}) == [
        f"state/q.yaml:1: {NO_INSTANCE}",
        f"state/sub/g.yaml:1: {NO_INSTANCE}",
    ]


def test_no_instance_in_the_folder_or_its_parents(check: Tree) -> None:
    # The instance in `us/` does not cover its sibling folder `eu/`.
    assert check({"us/instance.yaml": INSTANCE, "eu/q.yaml": QUEUE}) == [f"state/eu/q.yaml:1: {NO_INSTANCE}"]


def test_two_instances_in_one_folder_make_files_without_instance_an_error(check: Tree) -> None:
    two = {"a.yaml": INSTANCE, "b.yaml": other_instance("other")}
    assert check(two) == []
    assert check(
        {**two, "q.yaml": QUEUE, "sub/g.yaml": GROUP, "sub/own/i.yaml": other_instance("own", "x")}
    ) == [
        "state/q.yaml:1: belongs to no single instance: its folder defines 2 instances (demo, other); "
        "give each instance a folder of its own",
        "state/sub/g.yaml:1: belongs to no single instance: the state directory defines 2 instances "
        "(demo, other); give each instance a folder of its own",
        "state/sub/own/i.yaml:3: instance.id: 'x' is neither an instance ID (UUID) nor an instance ARN",
    ]
    nested = {"x/a.yaml": INSTANCE, "x/b.yaml": other_instance("other"), "x/y/q.yaml": QUEUE}
    assert check(nested) == [
        "state/x/y/q.yaml:1: belongs to no single instance: its parent folder x/ defines 2 instances "
        "(demo, other); give each instance a folder of its own"
    ]


def test_instance_and_its_content_in_one_file(check: Tree) -> None:
    assert (
        check({"prod.yaml": INSTANCE + GROUP + QUEUE, "other/prod.yaml": other_instance("b") + QUEUE}) == []
    )


def test_instance_defined_twice_by_name(check: Tree) -> None:
    assert check({"a.yaml": INSTANCE, "sub/b.yaml": INSTANCE.replace(UUID1, UUID2)}) == [
        "state/sub/b.yaml:2: instance.name: instance 'demo' is already defined at state/a.yaml:1"
    ]


def test_instance_defined_twice_by_id(check: Tree) -> None:
    arn = f"arn:aws:connect:us-west-2:{ACCOUNT}:instance/{UUID1}"
    assert check(
        {"a.yaml": INSTANCE, "sub/b.yaml": INSTANCE.replace("name: demo", "name: b").replace(UUID1, arn)}
    ) == [
        f"state/sub/b.yaml:3: instance.id: instance {UUID1} is already defined at state/a.yaml:1 (as 'demo')"
    ]


def test_a_file_that_fails_to_parse_does_not_cascade_into_no_instance(check: Tree) -> None:
    # The broken file may be the one defining the folder's instance: its siblings are not blamed.
    assert check({"instance.yaml": "instance: [\n", "q.yaml": QUEUE}) == [
        "state/instance.yaml:2:1: invalid YAML: expected the node content, but found '<stream end>'"
    ]
    assert check({"instance.yaml": INSTANCE.replace("us-west-2", "us-west"), "q.yaml": QUEUE}) == [
        "state/instance.yaml:5: instance.replicaRegion: 'us-west' is not a Region code like us-east-1"
    ]


# --- duplicates across files ------------------------------------------------------------------------


def test_duplicate_queue_across_files(check: Tree) -> None:
    assert check({"i.yaml": INSTANCE, "a.yaml": QUEUE, "b.yaml": QUEUE.replace("Sales", "Support")}) == []
    assert check({"i.yaml": INSTANCE, "a.yaml": QUEUE, "sub/b.yaml": "\n" + QUEUE}) == [
        "state/sub/b.yaml:3: queues.Sales: queue 'Sales' is already defined at state/a.yaml:2"
    ]


def test_duplicate_group_across_files(check: Tree) -> None:
    assert check({"a.yaml": INSTANCE + GROUP, "b.yaml": QUEUE + GROUP}) == [
        "state/b.yaml:5: trafficDistributionGroups.main: group 'main' is already defined at state/a.yaml:8"
    ]
    # The first definition in path order wins, wherever the instance is defined.
    assert check({"i.yaml": INSTANCE + GROUP, "b.yaml": QUEUE + GROUP}) == [
        "state/i.yaml:8: trafficDistributionGroups.main: group 'main' is already defined at state/b.yaml:5"
    ]


def test_same_queue_name_in_two_instances_is_fine(check: Tree) -> None:
    assert check({"us/i.yaml": INSTANCE + QUEUE, "eu/i.yaml": other_instance("eu") + QUEUE}) == []


def test_duplicate_within_one_file_is_a_duplicate_key(check: Tree) -> None:
    assert check({"a.yaml": INSTANCE + QUEUE + "  Sales:\n    callerIdName: again\n"}) == [
        "state/a.yaml:10: duplicate key 'Sales' (first at line 8)"
    ]


def test_only_one_default_group_across_files(check: Tree) -> None:
    default = "trafficDistributionGroups:\n  {}:\n    default: true\n"
    default += "    telephony: {{us-east-1: 100, us-west-2: 0}}\n"
    assert check({"i.yaml": INSTANCE + default.format("a"), "g.yaml": default.format("b")}) == [
        # Files are read in path order: g.yaml's group came first.
        "state/i.yaml:9: trafficDistributionGroups.a.default: only one group can be the default; "
        "state/g.yaml:2 is already marked default"
    ]
    assert check({"i.yaml": INSTANCE + default.format("a"), "g.yaml": GROUP.replace("main", "b")}) == []


# --- every problem at once, sorted ---------------------------------------------------------------------


def test_all_problems_reported_at_once_sorted_by_file_and_line(check: Tree) -> None:
    found = check(
        {
            "z.yaml": "queues:\n  Z:\n    callerIdName: ''\n",
            "a.yaml": INSTANCE
            + "queues:\n  B: {callerIdNumber: '555'}\n  A: {callerIdNam: x}\n"
            + "trafficDistributionGroups:\n  g:\n    telephony: {us-east-1: 90, eu-west-1: 10}\n",
            "m/broken.yaml": "queues: [\n",
            "m/fine.yaml": "queues:\n  Fine: {callerIdName: ok}\n",
            "b.yml": "",
        }
    )
    assert found == [
        "state/a.yaml:8: queues.B.callerIdNumber: '555' is not an E.164 number (+12065550100), "
        "a phone-number ID or ARN",
        "state/a.yaml:9: queues.A.callerIdNam: unknown key 'callerIdNam' (did you mean 'callerIdName'?)",
        # The Region checks run on the parts of a file that are valid, despite its other errors.
        "state/a.yaml:12: trafficDistributionGroups.g.telephony: eu-west-1 is not this instance's Region "
        "(us-east-1) or replica Region (us-west-2)",
        "state/a.yaml:12: trafficDistributionGroups.g.telephony: missing Region us-west-2: give both "
        "us-east-1 and us-west-2",
        "state/b.yml:1: empty file: expected a mapping with instance, trafficDistributionGroups, queues",
        "state/m/broken.yaml:2:1: invalid YAML: expected the node content, but found '<stream end>'",
        "state/z.yaml:3: queues.Z.callerIdName: must be 1-255 characters, got 0",
    ]


def test_duplicates_found_even_when_a_file_has_other_errors(check: Tree) -> None:
    assert check({"a.yaml": INSTANCE + QUEUE, "b.yaml": QUEUE + "  Bad: {}\n"}) == [
        "state/b.yaml:2: queues.Sales: queue 'Sales' is already defined at state/a.yaml:8",
        "state/b.yaml:4: queues.Bad: nothing to manage: give callerIdName, callerIdNumber or whisperFlow",
    ]


def test_load_error_lists_diagnostics_in_its_message(workdir: Path) -> None:
    write_tree(workdir / "state", {"b.yaml": "", "a.yaml": "- x\n"})
    with pytest.raises(LoadError) as info:
        loader.load("state")
    assert str(info.value) == (
        "state/a.yaml:1: expected a mapping at the top level, got a list\n"
        "state/b.yaml:1: empty file: expected a mapping with instance, trafficDistributionGroups, queues"
    )
    assert [(d.file, d.line, d.path) for d in info.value.diagnostics] == [
        ("state/a.yaml", 1, ""),
        ("state/b.yaml", 1, ""),
    ]


def test_state_dir_given_as_dot_or_absolute(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(workdir / "state", {"a.yaml": "- x\n"})
    monkeypatch.chdir(workdir / "state")
    assert problems(".") == ["a.yaml:1: expected a mapping at the top level, got a list"]
    assert problems(workdir / "state") == [
        f"{workdir}/state/a.yaml:1: expected a mapping at the top level, got a list"
    ]


# --- digest ------------------------------------------------------------------------------------------


def test_digest_is_stable_and_equals_digest_of(workdir: Path) -> None:
    write_tree(workdir / "state", {"i.yaml": INSTANCE, "q/q.yaml": QUEUE})
    first = load_ok("state").digest
    assert load_ok("state").digest == first
    assert loader.digest_of("state") == first
    assert loader.digest_of(workdir / "state") == first
    assert len(first) == 64


def test_digest_ignores_what_is_not_read(workdir: Path) -> None:
    root = write_tree(workdir / "state", {"i.yaml": INSTANCE, "q/q.yaml": QUEUE})
    first = load_ok("state").digest
    os.utime(root / "i.yaml", (1, 1))  # a touch is not a change
    write_tree(root, {"README.md": "docs", ".git/x.yaml": "x", ".hidden.yml": "y", "q/n.txt": "z"})
    assert load_ok("state").digest == first
    assert loader.digest_of("state") == first


def test_digest_changes_when_a_file_changes(workdir: Path) -> None:
    root = write_tree(workdir / "state", {"i.yaml": INSTANCE, "q/q.yaml": QUEUE})
    first = load_ok("state").digest
    digests = {first}

    (root / "q/q.yaml").write_text(QUEUE + "# a comment\n")  # content
    digests.add(load_ok("state").digest)
    (root / "q/q.yaml").rename(root / "q/r.yaml")  # name
    digests.add(load_ok("state").digest)
    write_tree(root, {"q/s.yml": "queues:\n  New: {callerIdName: n}\n"})  # a new file
    digests.add(load_ok("state").digest)
    (root / "q/s.yml").unlink()
    (root / "q/r.yaml").rename(root / "q/q.yaml")
    (root / "q/q.yaml").write_text(QUEUE)  # back to the start
    assert load_ok("state").digest == first
    assert len(digests) == 4


def test_digest_of_does_not_validate(workdir: Path) -> None:
    write_tree(workdir / "state", {"a.yaml": "- not valid\n"})
    assert len(loader.digest_of("state")) == 64
