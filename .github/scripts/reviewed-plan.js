'use strict';
// The plan on merge holds back what changed in Connect since the pull request was reviewed. The
// plan reviewers saw is the artifact `reviewed-plan-NAME` of the last completed plan.yml run of
// the merged pull request's head commit; this finds that run and sets the step output `run-id`
// (empty when there is none: a push without a pull request, a run started by hand). Without it
// the plan on merge is an unreviewed plan, which still waits for the environment's approval.

const { findMergedPull } = require('./apply-results.js');

const PLAN_WORKFLOW = 'plan.yml';

// The newest completed run of the plan workflow for `headSha`, or null.
function latestRun(runs, headSha) {
  const matching = (runs || []).filter((run) => run.head_sha === headSha && run.status === 'completed');
  matching.sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)) || b.id - a.id);
  return matching[0] || null;
}

// The workflow's entry point (actions/github-script).
async function findReviewedPlanRun({ github, context, core }) {
  const { owner, repo } = context.repo;
  core.setOutput('run-id', '');
  const pull = await findMergedPull({ github, owner, repo, sha: context.sha });
  if (!pull) {
    core.notice(`no pull request was merged as ${context.sha}: the plan is unreviewed (the approval reviews it)`);
    return null;
  }
  const headSha = pull.head && pull.head.sha;
  const { data } = await github.rest.actions.listWorkflowRuns({
    owner,
    repo,
    workflow_id: PLAN_WORKFLOW,
    event: 'pull_request',
    head_sha: headSha,
    per_page: 20,
  });
  const run = latestRun(data.workflow_runs, headSha);
  if (!run) {
    core.notice(`no completed plan run for #${pull.number} (${headSha}): the plan is unreviewed`);
    return null;
  }
  core.setOutput('run-id', String(run.id));
  core.info(`the reviewed plan of #${pull.number} is in run ${run.id}`);
  return run.id;
}

module.exports = { PLAN_WORKFLOW, latestRun, findReviewedPlanRun };
