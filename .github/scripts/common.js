'use strict';
// What every workflow script shares: who "we" are on GitHub, and text that cannot escape a block.
//
// A sticky comment or a drift issue is found again by a marker in its body. Anyone can write that
// marker in a comment of their own, so a script only ever edits what GitHub Actions' own bot
// wrote: the marker AND the author (login github-actions[bot], user type Bot) must both match.

const fs = require('fs');
const path = require('path');

const BOT_LOGIN = 'github-actions[bot]';

function isBot(user) {
  return Boolean(user) && user.type === 'Bot' && user.login === BOT_LOGIN;
}

// `text` in a fenced code block no line of it can close: the fence is longer than any run of
// backticks inside. In a code block GitHub renders no Markdown, mention, link or HTML.
function codeBlock(text) {
  const runs = String(text).match(/`+/g) || [];
  const longest = runs.reduce((most, run) => Math.max(most, run.length), 0);
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}text\n${String(text).replace(/\n+$/, '')}\n${fence}`;
}

// At most `limit` characters of `text`, cut at a line end, saying so.
function clip(text, limit, note) {
  if (text.length <= limit) return text;
  const room = Math.max(0, limit - note.length - 1);
  const cut = text.slice(0, room);
  const end = cut.lastIndexOf('\n');
  return `${end > 0 ? cut.slice(0, end + 1) : ''}${note}\n`;
}

// A result file a job left in `dir` (downloaded artifacts), or null when it left none.
function readResult(dir, file) {
  const full = path.join(dir, file);
  return fs.existsSync(full) ? fs.readFileSync(full, 'utf8') : null;
}

function runUrl(context) {
  return `${context.serverUrl}/${context.repo.owner}/${context.repo.repo}/actions/runs/${context.runId}`;
}

// An instance name as a code span; names are checked by the loader (letters, digits, . _ -), and
// anything else is shown as "(unnamed)" rather than trusted.
function name(value) {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(String(value)) ? `\`${value}\`` : '(unnamed)';
}

module.exports = { BOT_LOGIN, isBot, codeBlock, clip, readResult, runUrl, name };
