'use strict';
// After an apply on merge: what happened, per instance, as a comment on the pull request merged.
//
// The push to main names a commit, not a pull request: the pull request is the one GitHub lists
// for that commit whose merge commit it is (merge, squash or rebase alike), found with the API.
// A run started by hand has none; its results are in the job summaries only.

const { clip, codeBlock, name, readResult, runUrl } = require('./common.js');

const COMMENT_LIMIT = 65536;

function mergedPull(pulls, sha) {
  return pulls.find((pull) => pull.merged_at && pull.merge_commit_sha === sha) || null;
}

async function findMergedPull({ github, owner, repo, sha }) {
  const { data } = await github.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: sha });
  return mergedPull(data, sha);
}

// Each instance: `{ name, exit, text }` from results/NAME.exit and results/NAME.txt; `exit` is
// null when the apply job never ran (the plan failed, the approval was rejected, or cancelled).
function readResults(dir, targets) {
  const read = (file) => readResult(dir, file);
  return targets.map((target) => {
    const exit = read(`${target}.exit`);
    return { name: target, exit: exit === null ? null : Number(exit.trim()), text: read(`${target}.txt`) || '' };
  });
}

function outcome(result) {
  if (result.exit === null) return 'not applied: the apply job did not run (see the workflow run)';
  return result.exit === 0 ? 'applied' : 'not everything was applied';
}

function resultsComment({ results, url, sha }) {
  const failed = results.filter((r) => r.exit !== 0).length;
  const head = [
    '## Amazon Connect apply',
    '',
    `${failed ? `**${failed} of ${results.length} instances need attention.**` : '**Every instance applied.**'} ` +
      `Commit \`${String(sha).slice(0, 12)}\`, [workflow run](${url}).`,
    '',
  ].join('\n');
  const share = Math.floor((COMMENT_LIMIT - head.length - 200 * results.length) / Math.max(results.length, 1));
  const parts = results.map((result) => {
    const text = clip(result.text, Math.max(share, 200), '… (cut: the whole output is in the job summary)');
    return `### ${name(result.name)}: ${outcome(result)}\n\n${result.text ? `${codeBlock(text)}\n` : ''}`;
  });
  return `${head}\n${parts.join('\n')}`;
}

// The workflow's entry point (actions/github-script).
async function postApplyResults({ github, context, core, dir, targets }) {
  const { owner, repo } = context.repo;
  const results = readResults(dir, targets);
  const body = resultsComment({ results, url: runUrl(context), sha: context.sha });
  const pull = await findMergedPull({ github, owner, repo, sha: context.sha });
  if (!pull) {
    core.info(`no pull request was merged as ${context.sha}: the results stay in the job summaries`);
    return { pull: null };
  }
  const { data } = await github.rest.issues.createComment({ owner, repo, issue_number: pull.number, body });
  core.info(`results commented on #${pull.number} (${data.id})`);
  return { pull: pull.number, id: data.id };
}

module.exports = { mergedPull, findMergedPull, readResults, resultsComment, postApplyResults };
