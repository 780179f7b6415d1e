// Single sign-on (docs/SSO.md) in Chromium, through a real OpenID provider
// (end2end/oidc-provider.mjs, the certified oidc-provider package) on
// another site than Pulse's (localhost against 127.0.0.1): signing in
// lands where the visit started, with the agents the person's groups
// grant; a group changed at the provider changes them at the next
// sign-in; signing out ends the provider's session too; a provider that
// is down is said on the sign-in page, and passwords still work.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { test, expect } = require('./fixtures');
const { api, minutesAgo } = require('./data');
const { createAccount, createKey, freshHome, startServer } = require('../server');

const GRANTS = 'algebra-teachers=admin:sso-algebra,sso-geometry; owners=superadmin';
const LOCAL = { username: 'e2e-local', password: 'e2e local password' };
const USERS_TAB = '/agents/sso-algebra/analytics/users?period=7d&tz=UTC';

// Signed out: each walk signs in by itself.
test.use({ storageState: { cookies: [], origins: [] } });

let pulseUrl;
let provider;
let peopleFile;
const running = [];

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function setGroups(groups) {
  fs.writeFileSync(peopleFile, JSON.stringify({ ada: { name: 'Ada Lovelace', groups } }));
}

function startProvider(issuer) {
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'oidc-provider.mjs')], {
    env: {
      ...process.env,
      OIDC_ISSUER: issuer,
      OIDC_CLIENT_ID: 'pulse',
      OIDC_CLIENT_SECRET: 'the e2e client secret',
      OIDC_REDIRECT_URI: `${pulseUrl}/auth/oidc/callback`,
      OIDC_LOGOUT_URI: `${pulseUrl}/login`,
      OIDC_PEOPLE_FILE: peopleFile,
      OIDC_KEY_ID: 'e2e-key',
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  running.push(child);
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => { if (String(chunk).includes('provider at')) resolve(child); });
    child.on('exit', (code) => reject(new Error(`the provider exited with ${code}`)));
  });
}

test.beforeAll(async () => {
  const [providerPort, pulsePort] = [await freePort(), await freePort()];
  pulseUrl = `http://127.0.0.1:${pulsePort}`;
  const issuer = `http://localhost:${providerPort}`;
  const { home, databaseUrl } = freshHome();
  peopleFile = path.join(home, 'people.json');
  setGroups(['algebra-teachers']);
  provider = await startProvider(issuer);
  const ingestKey = createKey(databaseUrl, 'ingest');
  createAccount(databaseUrl, LOCAL);
  const { child } = await startServer(home, {
    PULSE_PUBLIC_URL: pulseUrl,
    PULSE_OIDC_ISSUER: issuer,
    PULSE_OIDC_CLIENT_ID: 'pulse',
    PULSE_OIDC_CLIENT_SECRET: 'the e2e client secret',
    PULSE_OIDC_SCOPES: 'profile email groups',
    PULSE_OIDC_GRANTS: GRANTS,
    PULSE_OIDC_NAME: 'School account',
  }, `127.0.0.1:${pulsePort}`);
  running.push(child);
  for (const agent of ['sso-algebra', 'sso-geometry', 'sso-chemistry']) {
    await api(pulseUrl, ingestKey, 'POST', '/api/v1/events', [
      { id: `${agent}-1`, type: 'message', agent_id: agent, user_id: 'learner-1', at: minutesAgo(20) },
    ]);
  }
});

test.afterAll(() => {
  for (const child of running) child.kill();
});

// The provider's development pages ask Google for a font; this machine has
// no internet, and a failed load would count as a console error.
test.beforeEach(async ({ page }) => {
  await page.route('https://fonts.googleapis.com/**', (route) =>
    route.fulfill({ status: 200, contentType: 'text/css', body: '' }));
});

/** Signed in, somewhere in Pulse past the sign-in page. */
const inPulse = (url) => url.origin === pulseUrl && url.pathname !== '/login';

/** On the sign-in page: the school account's button, then the provider's form. */
async function signOnAs(page, login) {
  await page.getByTestId('sso-sign-in').click();
  await page.waitForURL((url) => url.host !== new URL(pulseUrl).host);
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill('any password');
  await page.locator('button.login-submit').click();
}

async function agentsListed(page) {
  await page.goto(`${pulseUrl}/`);
  const rows = page.getByTestId('agent-row');
  await expect(rows.first()).toBeVisible();
  return (await rows.evaluateAll((list) => list.map((row) => row.dataset.agentId))).sort();
}

test('the school account signs in where the visit started, with the agents its groups grant', async ({ page }) => {
  await page.goto(`${pulseUrl}${USERS_TAB}`);
  await page.waitForURL(/\/login\?next=/);
  await expect(page.getByTestId('sso-sign-in')).toHaveText('Sign in with School account');
  await signOnAs(page, 'ada');
  await page.waitForURL(`${pulseUrl}${USERS_TAB}`);
  await expect(page.getByTestId('signed-in-as')).toHaveText('Ada Lovelace');
  await expect(page.getByTestId('settings-link')).toHaveCount(0);
  expect(await agentsListed(page)).toEqual(['sso-algebra', 'sso-geometry']);
  // An agent the groups do not grant is not found.
  await page.goto(`${pulseUrl}/agents/sso-chemistry/analytics/users`);
  await expect(page.locator('body')).toContainText('not found');
});

test('a group changed at the provider counts at the next sign-in; signing out ends both sessions', async ({ page }) => {
  await page.goto(`${pulseUrl}/login`);
  await signOnAs(page, 'ada');
  await page.waitForURL(inPulse);
  await expect(page.getByTestId('signed-in-as')).toHaveText('Ada Lovelace');
  setGroups(['owners']);

  // Out of Pulse, then out of the provider (which asks to confirm).
  await page.getByTestId('sign-out').click();
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  await page.waitForURL(`${pulseUrl}/login`);
  // The provider asks who is signing in again: its session ended too.
  await signOnAs(page, 'ada');
  await page.waitForURL(inPulse);
  await expect(page.getByTestId('signed-in-as')).toContainText('Ada Lovelace');
  await expect(page.getByTestId('signed-in-as')).toContainText('(superadmin)');
  await expect(page.getByTestId('settings-link')).toBeVisible();
  expect(await agentsListed(page)).toEqual(['sso-algebra', 'sso-chemistry', 'sso-geometry']);
  // Settings lists her as signed in by single sign-on, grants from the provider.
  await page.getByTestId('settings-link').click();
  const row = page.locator('[data-testid=account-row][data-single-sign-on=true]');
  await expect(row).toContainText('Ada Lovelace');
  await expect(row).toContainText('superadministrator, by single sign-on');
});

test('a provider that is down is said on the sign-in page, and passwords still sign in', async ({ page }) => {
  provider.kill();
  await page.goto(`${pulseUrl}/login?next=${encodeURIComponent(USERS_TAB)}`);
  await page.getByTestId('sso-sign-in').click();
  await page.waitForURL(/\/login\?sso=unreachable/);
  await expect(page.getByTestId('sso-error')).toHaveText(
    'The sign-in provider cannot be reached right now. Try again in a few minutes.');
  await page.getByTestId('login-username').fill(LOCAL.username);
  await page.getByTestId('login-password').fill(LOCAL.password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(`${pulseUrl}${USERS_TAB}`);
  await expect(page.getByTestId('signed-in-as')).toContainText(LOCAL.username);
});
