// The known data the browser tests check the UI against, sent through the
// public API like a host platform would.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const { STATE_FILE } = require('../server');

const AGENT = { id: 'e2e-tutor', name: 'E2E Algebra Tutor' };
const OTHER_AGENT = { id: 'e2e-essays', name: 'E2E Essay Coach' };

function minutesAgo(minutes) {
  return new Date(Date.now() - minutes * 60_000).toISOString();
}

async function api(url, key, method, route, body, contentType = 'application/json') {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': contentType },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  if (!response.ok) {
    throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
  }
  return response.status === 204 ? null : response.json();
}

async function seed(url, ingestKey) {
  await api(url, ingestKey, 'PUT', `/api/v1/agents/${AGENT.id}`, { name: AGENT.name });
  await api(url, ingestKey, 'PUT', `/api/v1/agents/${OTHER_AGENT.id}`, { name: OTHER_AGENT.name });
  const events = [];
  const add = (user, type, minutes, extra = {}) =>
    events.push({ id: `e2e-${events.length}`, type, agent_id: AGENT.id, user_id: user, at: minutesAgo(minutes), ...extra });
  add('zoe', 'session_start', 30, { username: 'zoe.garcia', name: 'Zoë García', session_id: 'z1' });
  add('zoe', 'message', 29, { session_id: 'z1' });
  add('zoe', 'message', 28, { session_id: 'z1' });
  add('jose', 'session_start', 3, { username: 'jose.m', name: 'José Müller', session_id: 'j1' });
  add('jose', 'message', 2, { session_id: 'j1' });
  await api(url, ingestKey, 'POST', '/api/v1/events', events);
  await api(url, ingestKey, 'PUT', `/api/v1/agents/${AGENT.id}/members/quiet-learner`, {
    registered_at: minutesAgo(60 * 24 * 10),
  });
}

function serverState() {
  return JSON.parse(fs.readFileSync(STATE_FILE, 'utf8'));
}

/** Runs the `pulse` under test on the test server's database; returns what it printed. */
function pulse(args, input) {
  const { databaseUrl } = serverState();
  return execFileSync(process.env.PULSE_BIN, [...args, '--database-url', databaseUrl], {
    encoding: 'utf8',
    input,
  });
}

module.exports = { AGENT, OTHER_AGENT, seed, api, serverState, minutesAgo, pulse };
