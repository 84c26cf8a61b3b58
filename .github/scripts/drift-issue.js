'use strict';
// The scheduled drift check's issue: one open issue, labelled `drift`, while anything needs a
// person; closed when every instance matches git again.
//
// Every instance's result goes in, success or failure: a check that failed for one instance says
// so in the issue instead of silently skipping the issue for all. The body is replaced on each
// run, and when what it says changes (a new difference, one gone, a failure) a comment is added
// too, because editing a body notifies nobody. The issue found again is an open `drift` issue
// written by GitHub Actions' bot (common.isBot), never one anybody else opened.

const crypto = require('crypto');
const { clip, isBot, name, readResult, runUrl } = require('./common.js');

const DRIFT_MARKER = '<!-- connect-reconciler:drift -->';
const TITLE = 'Amazon Connect differs from git';
const BODY_LIMIT = 65536;
const STATUS = { 0: 'matches git', 1: 'the check failed', 2: 'differs from git' };

// Each instance: `{ name, status, markdown }` from NAME.exit (reconciler drift's exit code) and
// NAME.md (its Markdown, or its error section); `status` is null when the job wrote neither.
function readEntries(dir, targets) {
  const read = (file) => readResult(dir, file);
  return targets.map((target) => {
    const exit = read(`${target}.exit`);
    const status = exit === null ? null : Number(exit.trim());
    return { name: target, status: status in STATUS ? status : null, markdown: read(`${target}.md`) || '' };
  });
}

function summary(entries) {
  const count = (status) => entries.filter((e) => e.status === status).length;
  const parts = [];
  if (count(2)) parts.push(`${count(2)} differ from git`);
  const failed = count(1) + count(null);
  if (failed) parts.push(`${failed} could not be checked`);
  if (count(0)) parts.push(`${count(0)} match git`);
  return `${entries.length} instance${entries.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

function section(entry, share) {
  if (entry.status === null) {
    return `## Amazon Connect drift: ${name(entry.name)}\n\n**No result:** the drift job stopped before the check ran (credentials, setup, or a timeout): see the workflow run.\n`;
  }
  if (entry.status === 0) return `## Amazon Connect drift: ${name(entry.name)}\n\nMatches git.\n`;
  return clip(entry.markdown, share, '_… cut to fit the issue: run `reconciler drift` for the whole report._');
}

// What the issue should say, and a digest of it that ignores the run link (so an unchanged
// report is recognised as unchanged).
function driftReport(entries, url) {
  const attention = entries.some((e) => e.status !== 0);
  const digest = crypto
    .createHash('sha256')
    .update(JSON.stringify(entries.map((e) => [e.name, e.status, e.status === 0 ? '' : e.markdown])))
    .digest('hex')
    .slice(0, 16);
  const head = `${DRIFT_MARKER}\n<!-- drift-digest: ${digest} -->\n**Drift check: ${summary(entries)}.** Last run: [workflow run](${url}).\n\n`;
  const share = Math.floor((BODY_LIMIT - head.length - 300 * entries.length) / Math.max(entries.length, 1));
  const body = head + entries.map((e) => section(e, Math.max(share, 300))).join('\n---\n\n');
  return { attention, digest, body, summary: summary(entries) };
}

function digestOf(body) {
  const found = /<!-- drift-digest: ([0-9a-f]+) -->/.exec(body || '');
  return found ? found[1] : null;
}

function findIssue(issues) {
  const ours = issues.filter((issue) => !issue.pull_request && isBot(issue.user));
  ours.sort((a, b) => a.number - b.number);
  return ours[0] || null;
}

// What to do: `none`, `create`, `update` (with a comment when the report changed) or `close`.
function decide({ existing, report }) {
  if (!report.attention) {
    return existing ? { action: 'close', comment: 'Every instance matches git again: closing.' } : { action: 'none' };
  }
  if (!existing) return { action: 'create' };
  if (digestOf(existing.body) === report.digest) return { action: 'update', comment: null };
  return { action: 'update', comment: `The drift check's report changed: ${report.summary}. The issue now shows the latest report.` };
}

// The workflow's entry point (actions/github-script).
async function updateDriftIssue({ github, context, core, dir, targets }) {
  const { owner, repo } = context.repo;
  const url = runUrl(context);
  const report = driftReport(readEntries(dir, targets), url);
  const open = await github.paginate(github.rest.issues.listForRepo, { owner, repo, state: 'open', labels: 'drift', per_page: 100 });
  const existing = findIssue(open);
  const plan = decide({ existing, report });
  if (plan.action === 'create') {
    const { data } = await github.rest.issues.create({ owner, repo, title: TITLE, body: report.body, labels: ['drift'] });
    core.info(`opened #${data.number}: ${report.summary}`);
    return { action: 'create', number: data.number };
  }
  if (plan.action === 'none') return { action: 'none' };
  const issueNumber = existing.number;
  if (plan.comment) {
    await github.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body: `${plan.comment} [Workflow run](${url}).` });
  }
  if (plan.action === 'close') {
    await github.rest.issues.update({ owner, repo, issue_number: issueNumber, state: 'closed' });
  } else {
    await github.rest.issues.update({ owner, repo, issue_number: issueNumber, body: report.body });
  }
  core.info(`#${issueNumber}: ${plan.action}${plan.comment ? ' with a comment' : ''}: ${report.summary}`);
  return { action: plan.action, number: issueNumber, commented: Boolean(plan.comment) };
}

module.exports = { DRIFT_MARKER, readEntries, driftReport, digestOf, findIssue, decide, updateDriftIssue };
