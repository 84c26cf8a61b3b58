'use strict';
// An in-memory stand-in for actions/github-script's `github`, `context` and `core`: it answers
// from the data it is given and records every call, so the workflow scripts run without network.

function fakeGithub({ comments = [], pulls = [], issues = [], labels = [], failRemove = {}, runs = [] } = {}) {
  const calls = [];
  let nextId = 9000;
  const api = (name, answer) => async (params) => {
    calls.push({ name, params });
    return { data: answer(params) };
  };
  const github = {
    calls,
    paginate: async (method, params) => (await method(params)).data,
    rest: {
      issues: {
        listComments: api('listComments', () => comments),
        updateComment: api('updateComment', (p) => ({ id: p.comment_id })),
        createComment: api('createComment', () => ({ id: nextId++ })),
        get: api('get', () => ({ labels: labels.map((name) => ({ name })) })),
        addLabels: api('addLabels', () => []),
        removeLabel: async (params) => {
          calls.push({ name: 'removeLabel', params });
          if (failRemove[params.name]) {
            const error = new Error(`HTTP ${failRemove[params.name]}`);
            error.status = failRemove[params.name];
            throw error;
          }
          return { data: [] };
        },
        listForRepo: api('listForRepo', () => issues),
        create: api('create', () => ({ number: 77 })),
        update: api('update', () => ({})),
      },
      repos: {
        listPullRequestsAssociatedWithCommit: api('listPullRequestsAssociatedWithCommit', () => pulls),
      },
      actions: {
        listWorkflowRuns: api('listWorkflowRuns', () => ({ workflow_runs: runs })),
      },
    },
  };
  return github;
}

function fakeContext({ sha = 'f00dfacef00dfacef00dfacef00dfacef00dface', pullRequest = 5 } = {}) {
  return {
    repo: { owner: 'anycompany', repo: 'contact-centre' },
    payload: { pull_request: { number: pullRequest } },
    sha,
    serverUrl: 'https://github.com',
    runId: 4242,
  };
}

const core = {
  outputs: {},
  info() {},
  warning() {},
  notice() {},
  setOutput(name, value) {
    this.outputs[name] = value;
  },
};

module.exports = { fakeGithub, fakeContext, core };
