'use strict';
// The pull request's sticky plan comment, and its optional risk labels.
//
// The comment body is what `reconciler show ... --format markdown --max-chars N` printed: it
// starts with the renderer's marker, the only marker there is. The comment found again is the
// first one that starts with that marker AND was written by GitHub Actions' bot (common.isBot):
// a comment anyone else wrote, marker or not, is never edited.

const fs = require('fs');
const { isBot } = require('./common.js');

const PLAN_MARKER = '<!-- connect-reconciler:plan -->'; // reconciler.render.markdown.MARKER
const RISK_LABELS = ['traffic-shift', 'failover', 'sign-in-disabled', 'agents-shift']; // planning.plan.Risk

function findSticky(comments, marker) {
  return comments.find((c) => isBot(c.user) && typeof c.body === 'string' && c.body.startsWith(marker)) || null;
}

async function upsertSticky({ github, owner, repo, issueNumber, body, marker }) {
  if (!body.startsWith(marker)) {
    throw new Error(`the comment must start with ${marker}, or the next run could not find it`);
  }
  const comments = await github.paginate(github.rest.issues.listComments, {
    owner,
    repo,
    issue_number: issueNumber,
    per_page: 100,
  });
  const mine = findSticky(comments, marker);
  if (mine) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });
    return { action: 'updated', id: mine.id };
  }
  const { data } = await github.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
  return { action: 'created', id: data.id };
}

// Which risk labels to add and remove. Only the plan's own labels are ever touched; they are
// removed only when every instance was planned (`complete`): a failed plan proves nothing.
function labelChanges({ present, current, complete }) {
  const wanted = RISK_LABELS.filter((label) => present.includes(label));
  const add = wanted.filter((label) => !current.includes(label));
  const remove = complete ? RISK_LABELS.filter((label) => current.includes(label) && !wanted.includes(label)) : [];
  return { add, remove };
}

async function syncLabels({ github, owner, repo, issueNumber, present, complete }) {
  const { data: issue } = await github.rest.issues.get({ owner, repo, issue_number: issueNumber });
  const current = issue.labels.map((label) => (typeof label === 'string' ? label : label.name));
  const { add, remove } = labelChanges({ present, current, complete });
  if (add.length) {
    await github.rest.issues.addLabels({ owner, repo, issue_number: issueNumber, labels: add });
  }
  for (const label of remove) {
    try {
      await github.rest.issues.removeLabel({ owner, repo, issue_number: issueNumber, name: label });
    } catch (error) {
      if (error.status !== 404) throw error; // already gone
    }
  }
  return { add, remove };
}

function readLines(file) {
  return fs.readFileSync(file, 'utf8').split('\n').map((line) => line.trim()).filter(Boolean);
}

// The workflow's entry point (actions/github-script): post the comment, then the labels if asked.
async function postPlanComment({ github, context, core, bodyFile, labelsFile, complete }) {
  const { owner, repo } = context.repo;
  const issueNumber = context.payload.pull_request.number;
  const body = fs.readFileSync(bodyFile, 'utf8');
  const posted = await upsertSticky({ github, owner, repo, issueNumber, body, marker: PLAN_MARKER });
  core.info(`plan comment ${posted.action} (${posted.id}), ${body.length} characters`);
  if (!labelsFile) return { comment: posted };
  const labels = await syncLabels({ github, owner, repo, issueNumber, present: readLines(labelsFile), complete });
  core.info(`labels added: ${labels.add.join(', ') || 'none'}; removed: ${labels.remove.join(', ') || 'none'}`);
  return { comment: posted, labels };
}

module.exports = { PLAN_MARKER, RISK_LABELS, findSticky, upsertSticky, labelChanges, syncLabels, postPlanComment };
