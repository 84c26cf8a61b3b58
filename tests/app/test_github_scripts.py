"""The workflows' JavaScript (.github/scripts), run under node against an in-memory GitHub.

The scripts decide what gets edited on GitHub: which comment is "ours", which pull request a merge
belongs to, when the drift issue is opened, commented, or closed. They run here exactly as
actions/github-script runs them, with `github`, `context` and `core` replaced by the recording
fake in fake_github.js: no network.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from reconciler.planning.plan import Risk
from reconciler.render.comment import render_comment
from reconciler.render.markdown import MARKER

from ..render.plans import demo_plan, no_changes_plan
from ..support.demo import REPO

NODE = shutil.which("node")
SCRIPTS = REPO / ".github" / "scripts"
FAKE = Path(__file__).with_name("fake_github.js")
SHA = "f00dfacef00dfacef00dfacef00dfacef00dface"

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed (the workflows' runners have it)")

BOT = {"login": "github-actions[bot]", "type": "Bot"}
HUMAN = {"login": "mallory", "type": "User"}
OTHER_BOT = {"login": "helper-app[bot]", "type": "Bot"}
LOOKALIKE = {"login": "github-actions[bot]", "type": "User"}


def node(script: str, /, **inputs: Any) -> Any:
    """Run `script`, the body of an async function, under node; it sees `load(name)`, `fake` and
    `input` (the keyword arguments), and what it returns comes back as JSON."""
    assert NODE is not None
    program = f"""
const path = require('path');
const load = (name) => require(path.join({json.dumps(str(SCRIPTS))}, name));
const fake = require({json.dumps(str(FAKE))});
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
(async () => {{ {script} }})().then(
  (out) => process.stdout.write(JSON.stringify(out === undefined ? null : out)),
  (error) => {{ process.stderr.write(String((error && error.stack) || error)); process.exit(1); }},
);
"""
    done = subprocess.run(
        [NODE, "-e", program],
        input=json.dumps(inputs),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def calls(github_calls: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [c["params"] for c in github_calls if c["name"] == name]


# --- the sticky plan comment ---------------------------------------------------------------------


def test_the_scripts_use_the_renderers_one_marker_and_the_plans_risk_labels() -> None:
    exported = node("const m = load('plan-comment.js'); return [m.PLAN_MARKER, m.RISK_LABELS];")
    assert exported == [MARKER, [r.value for r in Risk]]
    for workflow in (REPO / ".github" / "workflows").glob("*.yml"):
        assert "<!--" not in workflow.read_text(encoding="utf-8"), workflow.name  # no second marker


def comment(id_: int, user: dict[str, str], body: str) -> dict[str, Any]:
    return {"id": id_, "user": user, "body": body}


def test_only_the_bots_own_comment_starting_with_the_marker_is_found() -> None:
    comments = [
        comment(1, HUMAN, f"{MARKER}\nI pasted the marker to hijack the plan comment"),
        comment(2, OTHER_BOT, f"{MARKER}\nanother app"),
        comment(3, LOOKALIKE, f"{MARKER}\na user named like the bot"),
        comment(4, BOT, f"quoting it: {MARKER}"),
        comment(5, {**BOT}, None),  # type: ignore[arg-type]
        comment(6, BOT, f"{MARKER}\n## Amazon Connect plan"),
        comment(7, BOT, f"{MARKER}\na later one"),
    ]

    found = node(
        "return load('plan-comment.js').findSticky(input.comments, input.marker);",
        comments=comments,
        marker=MARKER,
    )

    assert found["id"] == 6


def test_someone_elses_comment_with_the_marker_is_never_edited() -> None:
    others = [comment(11, HUMAN, f"{MARKER}\nfake plan"), comment(12, OTHER_BOT, f"{MARKER}\nx")]

    out = node(
        """
        const github = fake.fakeGithub({ comments: input.comments });
        const posted = await load('plan-comment.js').upsertSticky({
          github, owner: 'o', repo: 'r', issueNumber: 5, body: input.body, marker: input.marker,
        });
        return { posted, calls: github.calls };
        """,
        comments=others,
        body=f"{MARKER}\nthe plan",
        marker=MARKER,
    )

    assert out["posted"]["action"] == "created"
    assert calls(out["calls"], "updateComment") == []
    assert calls(out["calls"], "createComment") == [
        {"owner": "o", "repo": "r", "issue_number": 5, "body": f"{MARKER}\nthe plan"}
    ]


def test_the_bots_comment_is_updated_in_place() -> None:
    existing = [comment(11, HUMAN, f"{MARKER}\nfake"), comment(21, BOT, f"{MARKER}\nold plan")]

    out = node(
        """
        const github = fake.fakeGithub({ comments: input.comments });
        const m = load('plan-comment.js');
        await m.upsertSticky({
          github, owner: 'o', repo: 'r', issueNumber: 5, body: input.body, marker: m.PLAN_MARKER,
        });
        return github.calls;
        """,
        comments=existing,
        body=f"{MARKER}\nnew plan",
    )

    assert calls(out, "updateComment") == [
        {"owner": "o", "repo": "r", "comment_id": 21, "body": f"{MARKER}\nnew plan"}
    ]
    assert calls(out, "createComment") == []


def test_a_body_without_the_marker_is_refused() -> None:
    out = node(
        """
        const github = fake.fakeGithub();
        try {
          await load('plan-comment.js').upsertSticky({
            github, owner: 'o', repo: 'r', issueNumber: 5, body: 'plan', marker: '<!-- m -->',
          });
        } catch (error) { return [error.message, github.calls.length]; }
        return null;
        """
    )

    assert out == ["the comment must start with <!-- m -->, or the next run could not find it", 0]


def test_post_plan_comment_posts_what_show_rendered_and_syncs_labels(tmp_path: Path) -> None:
    body = render_comment([demo_plan(), no_changes_plan()], limit=65000)
    (tmp_path / "comment.md").write_text(body, encoding="utf-8")
    (tmp_path / "labels.txt").write_text("traffic-shift\nfailover\nagents-shift\n", encoding="utf-8")

    out = node(
        """
        const github = fake.fakeGithub({ labels: ['sign-in-disabled', 'agents-shift', 'needs-review'] });
        const result = await load('plan-comment.js').postPlanComment({
          github, context: fake.fakeContext(), core: fake.core,
          bodyFile: input.body, labelsFile: input.labels, complete: true,
        });
        return { result, calls: github.calls };
        """,
        body=str(tmp_path / "comment.md"),
        labels=str(tmp_path / "labels.txt"),
    )

    (created,) = calls(out["calls"], "createComment")
    assert created["issue_number"] == 5 and created["body"] == body
    assert calls(out["calls"], "addLabels") == [
        {
            "owner": "anycompany",
            "repo": "contact-centre",
            "issue_number": 5,
            "labels": ["traffic-shift", "failover"],
        }
    ]
    # only the plan's own labels are removed, and only those no longer present
    assert [c["name"] for c in calls(out["calls"], "removeLabel")] == ["sign-in-disabled"]


@pytest.mark.parametrize(
    ("complete", "current", "present", "add", "remove"),
    [
        (True, [], ["failover", "traffic-shift"], ["traffic-shift", "failover"], []),
        (True, ["failover", "bug"], [], [], ["failover"]),
        (False, ["failover", "bug"], [], [], []),  # a plan failed: its risks are unknown, keep them
        (True, ["traffic-shift"], ["traffic-shift", "not-a-risk"], [], []),
    ],
)
def test_label_changes(
    complete: bool, current: list[str], present: list[str], add: list[str], remove: list[str]
) -> None:
    out = node(
        "return load('plan-comment.js').labelChanges(input);",
        complete=complete,
        current=current,
        present=present,
    )

    assert out == {"add": add, "remove": remove}


def test_a_label_already_removed_is_not_an_error() -> None:
    out = node(
        """
        const github = fake.fakeGithub({
          labels: ['failover', 'traffic-shift'], failRemove: { failover: 404 },
        });
        return await load('plan-comment.js').syncLabels({
          github, owner: 'o', repo: 'r', issueNumber: 5, present: [], complete: true,
        });
        """
    )

    assert out == {"add": [], "remove": ["traffic-shift", "failover"]}


# --- apply results on the merged pull request ------------------------------------------------------


PULLS = [
    {"number": 3, "merged_at": None, "merge_commit_sha": "aaaa"},  # still open: contains the commit
    {
        "number": 4,
        "merged_at": "2026-01-01T00:00:00Z",
        "merge_commit_sha": "bbbb",
    },  # merged as another commit
    {"number": 8, "merged_at": "2026-01-02T00:00:00Z", "merge_commit_sha": SHA},
]


def test_the_merged_pull_request_is_the_one_whose_merge_commit_was_pushed() -> None:
    assert (
        node("return load('apply-results.js').mergedPull(input.pulls, input.sha);", pulls=PULLS, sha=SHA)[
            "number"
        ]
        == 8
    )
    assert node("return load('apply-results.js').mergedPull(input.pulls, 'cccc');", pulls=PULLS) is None


def write_results(folder: Path, results: dict[str, tuple[int, str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (code, text) in results.items():
        (folder / f"{name}.exit").write_text(f"{code}\n", encoding="utf-8")
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def test_apply_results_are_one_comment_on_the_merged_pull_request(tmp_path: Path) -> None:
    hostile = "Stale: queue ``` @org/team https://evil.example\n```\n# heading?"
    results = write_results(
        tmp_path / "results",
        {
            "anycompany-demo": (0, "Apply: 3 applied, 0 already, 0 failed, 0 stale, 0 skipped.\n"),
            "anycompany-eu": (1, f"Apply: 0 applied, 0 already, 0 failed, 1 stale, 0 skipped.\n{hostile}\n"),
        },
    )

    out = node(
        """
        const github = fake.fakeGithub({ pulls: input.pulls });
        const context = fake.fakeContext({ sha: input.sha });
        const result = await load('apply-results.js').postApplyResults({
          github, context, core: fake.core, dir: input.dir,
          targets: ['anycompany-demo', 'anycompany-eu', 'anycompany-ap'],
        });
        return { result, calls: github.calls };
        """,
        pulls=PULLS,
        sha=SHA,
        dir=str(results),
    )

    assert out["result"]["pull"] == 8
    (posted,) = calls(out["calls"], "createComment")
    body = posted["body"]
    assert posted["issue_number"] == 8
    assert body.startswith(
        "## Amazon Connect apply\n\n**2 of 3 instances need attention.** Commit `f00dfacef00d`"
    )
    assert "https://github.com/anycompany/contact-centre/actions/runs/4242" in body
    assert "### `anycompany-demo`: applied\n\n```text\nApply: 3 applied," in body
    assert "### `anycompany-eu`: not everything was applied\n\n````text\n" in body  # outlasts ```
    assert "### `anycompany-ap`: not applied: the apply job did not run" in body
    # the hostile output is inside its block: the block closes only after it
    block = body.split("````text\n", 1)[1].split("\n````", 1)[0]
    assert hostile in block


def test_without_a_merged_pull_request_nothing_is_commented(tmp_path: Path) -> None:
    results = write_results(tmp_path / "results", {"anycompany-demo": (0, "Apply: 1 applied.\n")})

    out = node(
        """
        const github = fake.fakeGithub({ pulls: [] });
        const result = await load('apply-results.js').postApplyResults({
          github, context: fake.fakeContext(), core: fake.core, dir: input.dir, targets: ['anycompany-demo'],
        });
        return { result, calls: github.calls };
        """,
        dir=str(results),
    )

    assert out["result"] == {"pull": None}
    assert calls(out["calls"], "createComment") == []


def test_a_long_output_is_clipped_to_fit_one_comment(tmp_path: Path) -> None:
    long = "".join(f"line {n} of the apply output\n" for n in range(20000))
    results = write_results(tmp_path / "results", {"a": (1, long), "b": (0, "Apply: 1 applied.\n")})

    body = node(
        "const m = load('apply-results.js');"
        "return m.resultsComment({ results: m.readResults(input.dir, ['a', 'b']), url: 'u', sha: 'abc' });",
        dir=str(results),
    )

    assert len(body) <= 65536
    assert "… (cut: the whole output is in the job summary)" in body
    assert "### `b`: applied" in body


@pytest.mark.parametrize(("text", "fence"), [("plain", "```"), ("a ``` b", "````"), ("`````", "``````")])
def test_code_blocks_outlast_every_backtick_run(text: str, fence: str) -> None:
    block = node("return load('common.js').codeBlock(input.text);", text=text)

    assert block == f"{fence}text\n{text}\n{fence}"


# --- the drift issue -------------------------------------------------------------------------------


def write_drift(folder: Path, results: dict[str, tuple[int, str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (code, markdown) in results.items():
        (folder / f"{name}.exit").write_text(f"{code}\n", encoding="utf-8")
        (folder / f"{name}.md").write_text(markdown, encoding="utf-8")
    return folder


DRIFTED = "## Amazon Connect drift: `a`\n\n**Drift: 1 finding (1 differs).**\n\n| finding | ... |\n"
FAILED = "## Amazon Connect drift: `b`\n\n> [!CAUTION]\n> **The drift check for `b` failed** with 1 problem\n"
CLEAN = "## Amazon Connect drift: `c`\n\n**No drift: 3 managed resources match desired-state.**\n"


def update_issue(folder: Path, targets: list[str], issues: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = node(
        """
        const github = fake.fakeGithub({ issues: input.issues });
        const result = await load('drift-issue.js').updateDriftIssue({
          github, context: fake.fakeContext(), core: fake.core, dir: input.dir, targets: input.targets,
        });
        return { result, calls: github.calls };
        """,
        dir=str(folder),
        targets=targets,
        issues=issues,
    )
    return out


def test_every_instances_result_goes_into_the_issue_failures_included(tmp_path: Path) -> None:
    folder = write_drift(tmp_path / "drift", {"a": (2, DRIFTED), "b": (1, FAILED), "c": (0, CLEAN)})

    out = update_issue(folder, ["a", "b", "c", "d"], issues=[])

    assert out["result"] == {"action": "create", "number": 77}
    (created,) = calls(out["calls"], "create")
    body = created["body"]
    assert created["labels"] == ["drift"] and created["title"] == "Amazon Connect differs from git"
    assert "**Drift check: 4 instances: 1 differ from git, 2 could not be checked, 1 match git.**" in body
    assert DRIFTED in body and FAILED in body
    assert "## Amazon Connect drift: `c`\n\nMatches git." in body
    assert "## Amazon Connect drift: `d`\n\n**No result:**" in body


def test_a_check_that_only_failed_still_opens_the_issue(tmp_path: Path) -> None:
    folder = write_drift(tmp_path / "drift", {"b": (1, FAILED)})

    out = update_issue(folder, ["b"], issues=[])

    assert out["result"]["action"] == "create"


def test_an_issue_someone_else_opened_is_never_edited(tmp_path: Path) -> None:
    folder = write_drift(tmp_path / "drift", {"a": (2, DRIFTED)})
    theirs = {
        "number": 3,
        "user": HUMAN,
        "body": "<!-- connect-reconciler:drift -->\nfake",
        "labels": ["drift"],
    }
    pull = {"number": 4, "user": BOT, "body": "", "pull_request": {}}

    out = update_issue(folder, ["a"], issues=[theirs, pull])

    assert out["result"]["action"] == "create"
    assert calls(out["calls"], "update") == [] and calls(out["calls"], "createComment") == []


def ours(folder: Path, targets: list[str], number: int = 12) -> dict[str, Any]:
    """The open drift issue as the last run left it."""
    body = node(
        "const m = load('drift-issue.js');"
        "return m.driftReport(m.readEntries(input.dir, input.targets), 'old').body;",
        dir=str(folder),
        targets=targets,
    )
    return {"number": number, "user": BOT, "body": body, "labels": ["drift"]}


def test_an_unchanged_report_updates_the_body_without_notifying(tmp_path: Path) -> None:
    folder = write_drift(tmp_path / "drift", {"a": (2, DRIFTED), "c": (0, CLEAN)})

    out = update_issue(folder, ["a", "c"], issues=[ours(folder, ["a", "c"])])

    assert out["result"] == {"action": "update", "number": 12, "commented": False}
    assert calls(out["calls"], "createComment") == []
    (updated,) = calls(out["calls"], "update")
    assert "actions/runs/4242" in updated["body"]


def test_a_changed_report_adds_a_comment_so_people_are_notified(tmp_path: Path) -> None:
    before = write_drift(tmp_path / "before", {"a": (2, DRIFTED), "c": (0, CLEAN)})
    now = write_drift(tmp_path / "now", {"a": (2, DRIFTED), "c": (1, FAILED.replace("`b`", "`c`"))})

    out = update_issue(now, ["a", "c"], issues=[ours(before, ["a", "c"])])

    assert out["result"] == {"action": "update", "number": 12, "commented": True}
    (note,) = calls(out["calls"], "createComment")
    assert note["issue_number"] == 12
    assert note["body"].startswith(
        "The drift check's report changed: 2 instances: 1 differ from git, 1 could not be checked."
    )


def test_the_issue_is_closed_when_every_instance_matches_git(tmp_path: Path) -> None:
    before = write_drift(tmp_path / "before", {"a": (2, DRIFTED)})
    now = write_drift(tmp_path / "now", {"a": (0, CLEAN)})

    out = update_issue(now, ["a"], issues=[ours(before, ["a"])])

    assert out["result"]["action"] == "close"
    assert calls(out["calls"], "createComment")[0]["body"].startswith(
        "Every instance matches git again: closing."
    )
    assert calls(out["calls"], "update") == [
        {"owner": "anycompany", "repo": "contact-centre", "issue_number": 12, "state": "closed"}
    ]
    assert update_issue(now, ["a"], issues=[])["result"] == {"action": "none"}


def test_the_issue_body_fits_githubs_limit(tmp_path: Path) -> None:
    huge = "## Amazon Connect drift: `a`\n\n" + "".join(f"| differs | `q{n}` | | x |\n" for n in range(20000))
    folder = write_drift(tmp_path / "drift", {"a": (2, huge), "b": (2, huge)})

    out = update_issue(folder, ["a", "b"], issues=[])

    (created,) = calls(out["calls"], "create")
    assert len(created["body"]) <= 65536
    assert "_… cut to fit the issue: run `reconciler drift` for the whole report._" in created["body"]


# --- the reviewed plan for the plan on merge --------------------------------------------------------

HEAD = "abcdabcdabcdabcdabcdabcdabcdabcdabcdabcd"
MERGED = [{"number": 8, "merged_at": "2026-01-02T00:00:00Z", "merge_commit_sha": SHA, "head": {"sha": HEAD}}]
RUNS = [
    {"id": 11, "head_sha": HEAD, "status": "completed", "created_at": "2026-01-01T10:00:00Z"},
    {"id": 12, "head_sha": HEAD, "status": "completed", "created_at": "2026-01-01T12:00:00Z"},  # last
    {"id": 13, "head_sha": HEAD, "status": "in_progress", "created_at": "2026-01-01T13:00:00Z"},
    {"id": 14, "head_sha": "0" * 40, "status": "completed", "created_at": "2026-01-01T14:00:00Z"},
]

FIND_REVIEWED = """
const github = fake.fakeGithub({ pulls: input.pulls, runs: input.runs });
const context = fake.fakeContext();
const found = await load('reviewed-plan.js').findReviewedPlanRun({ github, context, core: fake.core });
return { found, outputs: fake.core.outputs, calls: github.calls };
"""


def test_the_reviewed_plan_is_the_last_completed_plan_run_of_the_merged_head() -> None:
    out = node(FIND_REVIEWED, pulls=MERGED, runs=RUNS)
    assert out["found"] == 12 and out["outputs"] == {"run-id": "12"}
    (listed,) = calls(out["calls"], "listWorkflowRuns")
    assert listed["workflow_id"] == "plan.yml" and listed["head_sha"] == HEAD
    assert listed["event"] == "pull_request"


@pytest.mark.parametrize(("pulls", "runs"), [([], RUNS), (MERGED, []), (MERGED, RUNS[2:3])])
def test_without_a_reviewed_plan_run_the_output_is_empty(pulls: list[Any], runs: list[Any]) -> None:
    out = node(FIND_REVIEWED, pulls=pulls, runs=runs)
    assert out["found"] is None and out["outputs"] == {"run-id": ""}
