// Starting a real `pulse serve` on a free port with a fresh database, and
// the API keys the tests use to write and read through the public API.
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const STATE_FILE = path.join(__dirname, 'test-results', 'server.json');

function pulseBin() {
  const bin = process.env.PULSE_BIN;
  if (!bin || !fs.existsSync(bin)) {
    throw new Error(`PULSE_BIN must name the built pulse binary (got ${bin}); run scripts/test.sh`);
  }
  return bin;
}

function createKey(databaseUrl, scope) {
  return execFileSync(pulseBin(), ['key', 'create', '--scope', scope, '--database-url', databaseUrl], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
}

const AUTH_STATE = path.join(__dirname, 'test-results', 'auth-state.json');
const ADMIN = { username: 'e2e-admin', password: 'e2e admin password' };

function createAccount(databaseUrl, { username, password }) {
  execFileSync(pulseBin(), ['account', 'create', '--username', username, '--superadmin', '--database-url', databaseUrl], {
    input: `${password}\n`,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
}

/**
 * Starts the server as a school would: the binary alone, copied into an
 * empty folder and started there with no settings but a free port, so it
 * serves the web app built into it and keeps its database in data/ beside
 * it. Resolves with its URL once it listens. `addr` is a free port unless
 * the test must know it first (single sign-on's PULSE_PUBLIC_URL).
 */
function startServer(home, settings = {}, addr = '127.0.0.1:0') {
  const binary = path.join(home, 'pulse');
  fs.copyFileSync(pulseBin(), binary);
  fs.chmodSync(binary, 0o755);
  const env = { ...process.env, RUST_LOG: 'warn' };
  for (const name of Object.keys(env)) {
    if (name.startsWith('PULSE_')) delete env[name];
  }
  // Settings a walk needs (embedding's), as a school would set them.
  Object.assign(env, settings);
  // A purge period far longer than any test data's age: every walk
  // runs with the purge on (and the Users tab says so), no figure changes.
  const child = spawn(binary, ['serve', '--addr', addr, '--retention-days', '3650'], {
    cwd: home,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: false,
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`pulse serve did not start: ${output}`)), 30_000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = output.match(/running at (http:\/\/[^\s]+?)\/?\s/);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1] });
      }
    });
    child.on('exit', (code) => reject(new Error(`pulse serve exited with ${code}: ${output}`)));
  });
}

/** An empty folder for the server, and the database it will use there (its default). */
function freshHome() {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pulse-e2e-'));
  return { home, databaseUrl: `sqlite://${home}/data/pulse.db` };
}

module.exports = { STATE_FILE, AUTH_STATE, ADMIN, createKey, createAccount, startServer, freshHome };
