// The Users tab inside a host platform (docs/EMBED.md), in Chromium with
// third-party cookies blocked: the example host platform
// (examples/host-platform/) on its own origin frames a Pulse started with
// the embedding settings, as a school would run both. Every figure of the
// framed tab equals the REST API's; refused tokens say why; an origin that
// is not configured cannot frame Pulse.
const { spawn } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');
const { test, expect } = require('./fixtures');
const { AGENT, OTHER_AGENT, api, seed } = require('./data');
const { createAccount, createKey, freshHome, startServer } = require('../server');
const { mint } = require('../../examples/host-platform/mint-token');

const SECRET = 'the e2e embedding secret, longer than 32 characters';
const VIEWER = { integration: 'lms', viewerId: 'teacher-1', viewerName: 'Ada Teacher', role: 'admin' };
const QUERY = 'period=7d&tz=UTC';
// A superadministrator of the embedding Pulse, signed in to Pulse itself.
const OWNER = { username: 'e2e-owner', password: 'e2e owner password' };

// Signed out, in a browser that blocks third-party cookies.
test.use({
  storageState: { cookies: [], origins: [] },
  launchOptions: {
    executablePath: path.join(__dirname, '..', 'chromium.sh'),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--test-third-party-cookie-phaseout'],
  },
});

const running = [];
let pulseUrl; // http://localhost:PORT: another site than the host's 127.0.0.1
let hostUrl;
let readKey;

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function startHost(port, env) {
  const child = spawn(process.execPath, [path.join(__dirname, '..', '..', 'examples', 'host-platform', 'server.js')], {
    env: { ...process.env, ...env, HOST_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  running.push(child);
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => { if (String(chunk).includes('host platform at')) resolve(); });
    child.on('exit', (code) => reject(new Error(`the host platform exited with ${code}`)));
  });
}

test.beforeAll(async () => {
  const hostPort = await freePort();
  hostUrl = `http://127.0.0.1:${hostPort}`;
  const { home, databaseUrl } = freshHome();
  const ingestKey = createKey(databaseUrl, 'ingest');
  readKey = createKey(databaseUrl, 'read');
  createAccount(databaseUrl, OWNER);
  const { child, url } = await startServer(home, {
    PULSE_EMBED_ISSUER: VIEWER.integration,
    PULSE_EMBED_ORIGINS: hostUrl,
    PULSE_EMBED_SECRET: SECRET,
  });
  running.push(child);
  pulseUrl = url.replace('127.0.0.1', 'localhost');
  await seed(url, ingestKey);
  await api(url, ingestKey, 'PUT', `/api/v1/agents/${AGENT.id}/sections/p1`, { name: 'Period 1' });
  await api(url, ingestKey, 'PUT', `/api/v1/agents/${AGENT.id}/sections/p1/members/zoe`, {});
  await startHost(hostPort, {
    PULSE_URL: pulseUrl,
    PULSE_EMBED_SECRET: SECRET,
    HOST_AGENTS: `${AGENT.id}`,
    HOST_VIEWER_NAME: VIEWER.viewerName,
  });
});

test.afterAll(() => {
  for (const child of running) child.kill();
});

const rest = (route) => api(pulseUrl, readKey, 'GET', route);

/** Frames Pulse on the host's agent page with `token` (as a host page would). */
async function frameWith(page, token, pagePath = `/embed/agents/${AGENT.id}/analytics/users?${QUERY}`) {
  await page.goto(`${hostUrl}/agents/${AGENT.id}`);
  await page.evaluate(({ src }) => {
    const frame = document.createElement('iframe');
    frame.id = 'pulse';
    frame.src = src;
    document.getElementById('panel').replaceChildren(frame);
  }, { src: `${pulseUrl}${pagePath}#token=${encodeURIComponent(token)}` });
  return page.frameLocator('#pulse');
}

test('Analytics, then Users: the embedded tab shows what the API says, and fits its frame', async ({ page }) => {
  await page.goto(`${hostUrl}/agents/${AGENT.id}?${QUERY}`);
  await page.getByTestId('host-analytics').click();
  await page.getByTestId('host-users-tab').click();
  const frame = page.frameLocator('#pulse');
  const overview = await rest(`/api/v1/agents/${AGENT.id}/users/overview?${QUERY}`);
  const table = await rest(`/api/v1/agents/${AGENT.id}/users?${QUERY}`);
  const trend = await rest(`/api/v1/agents/${AGENT.id}/users/trend?${QUERY}`);
  const card = (id) => frame.getByTestId(id).locator('.card-value');
  await expect(card('card-active')).toHaveText(String(overview.active_users));
  await expect(card('card-messages')).toHaveText(String(overview.messages));
  await expect(card('card-registered')).toHaveText(String(overview.registered));
  await expect(card('card-active30')).toHaveText(String(overview.active_30d));
  const rows = frame.getByTestId('user-row');
  await expect(rows).toHaveCount(table.users.length);
  expect(await rows.evaluateAll((list) => list.map((row) => row.dataset.userId).sort()))
    .toEqual(table.users.map((row) => row.user_id).sort());
  await frame.getByTestId('trend-canvas').focus();
  await page.keyboard.press('End');
  const last = trend.buckets[trend.buckets.length - 1];
  await expect(frame.getByTestId('trend-tooltip')).toContainText(`${last.active_users} active users`);
  await page.keyboard.press('Escape');

  // The viewer as the platform named them, nothing the token does not allow.
  await expect(frame.getByTestId('signed-in-as')).toHaveText('Ada Teacher');
  await expect(frame.getByTestId('settings-link')).toHaveCount(0);
  await expect(frame.getByTestId('sign-out')).toHaveCount(0);
  await expect(frame.locator('a.back')).toHaveCount(0);
  // The period stays in the frame's own URL, without the token.
  const inner = page.frames().find((f) => f.url().startsWith(pulseUrl));
  expect(inner.url()).toBe(`${pulseUrl}/agents/${AGENT.id}/analytics/users?${QUERY}`);

  // The session lives in a partitioned cookie, and the frame has no
  // unpartitioned storage: third-party cookies really are blocked here.
  expect(await inner.evaluate(() => document.hasStorageAccess())).toBe(false);
  const cookies = await page.context().cookies(pulseUrl);
  const session = cookies.find((c) => c.name === 'pulse_embed_session');
  expect(session).toBeTruthy();
  expect(session.partitionKey).toBeTruthy();

  // The frame grows to its content: no scrollbars on the host page.
  const contentHeight = await inner.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
  expect(contentHeight).toBeGreaterThan(600);
  await expect.poll(() => page.locator('#pulse').evaluate((f) => f.getBoundingClientRect().height))
    .toBeGreaterThanOrEqual(contentHeight - 2);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(__dirname, '..', 'artifacts', 'embedded-users-tab.png') });
});

test('another agent stays out of reach, even by editing the frame URL', async ({ page }) => {
  const token = mint({ secret: SECRET, ...VIEWER, agents: [AGENT.id] });
  const frame = await frameWith(page, token);
  await expect(frame.getByTestId('card-active').locator('.card-value')).not.toHaveText('–');
  const inner = page.frames().find((f) => f.url().startsWith(pulseUrl));
  await inner.goto(`${pulseUrl}/agents/${OTHER_AGENT.id}/analytics/users?${QUERY}`);
  await expect(frame.locator('body')).toContainText('not found');
  await expect(frame.getByTestId('user-row')).toHaveCount(0);
});

test('a section-limited token sees only its section', async ({ page }) => {
  const token = mint({ secret: SECRET, ...VIEWER, viewerId: 'assistant-1', agents: [AGENT.id], section: 'p1' });
  const frame = await frameWith(page, token);
  const table = await rest(`/api/v1/agents/${AGENT.id}/users?${QUERY}&section=p1`);
  const overview = await rest(`/api/v1/agents/${AGENT.id}/users/overview?${QUERY}&section=p1`);
  await expect(frame.getByTestId('user-row')).toHaveCount(table.users.length);
  expect(table.users.map((row) => row.user_id)).toEqual(['zoe']);
  await expect(frame.getByTestId('card-active').locator('.card-value')).toHaveText(String(overview.active_users));
});

test('expired, replayed, tampered and wrong-agent tokens each say what is wrong', async ({ page }) => {
  const now = Math.floor(Date.now() / 1000);
  const valid = () => mint({ secret: SECRET, ...VIEWER, agents: [AGENT.id] });
  const expired = (() => {
    // Minted five minutes ago, for two minutes.
    const realNow = Date.now;
    Date.now = () => (now - 300) * 1000;
    try { return mint({ secret: SECRET, ...VIEWER, agents: [AGENT.id], lifetime: 120 }); } finally { Date.now = realNow; }
  })();
  const used = valid();
  await frameWith(page, used);
  await expect(page.frameLocator('#pulse').getByTestId('card-active')).toBeVisible();
  const [header, payload, signature] = valid().split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url'));
  claims.agents = [OTHER_AGENT.id];
  const tampered = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
  const cases = [
    [expired, undefined, 'has expired'],
    [used, undefined, 'already used'],
    [tampered, undefined, 'signature does not verify'],
    [valid(), `/embed/agents/${OTHER_AGENT.id}/analytics/users`, `does not name agent "${OTHER_AGENT.id}"`],
  ];
  for (const [token, pagePath, message] of cases) {
    const frame = await frameWith(page, token, pagePath);
    const status = frame.getByTestId('embed-status');
    await expect(status).toContainText('Pulse refused this page');
    await expect(status).toContainText(message);
    await expect(status).not.toContainText(token.split('.')[2]);
  }
});

test('a page of an origin not configured cannot frame Pulse', async ({ page: checked }) => {
  // Chromium reports the refusal as a console error, which this walk
  // causes on purpose: a page outside the fixture's console check.
  const page = await checked.context().newPage();
  // The same host platform under another origin (localhost, not 127.0.0.1).
  const elsewhere = hostUrl.replace('127.0.0.1', 'localhost');
  await page.goto(`${elsewhere}/agents/${AGENT.id}`);
  const token = mint({ secret: SECRET, ...VIEWER, agents: [AGENT.id] });
  await page.evaluate(({ src }) => {
    const frame = document.createElement('iframe');
    frame.id = 'pulse';
    frame.src = src;
    document.getElementById('panel').replaceChildren(frame);
  }, { src: `${pulseUrl}/embed/agents/${AGENT.id}/analytics/users#token=${token}` });
  // Chromium replaces a refused frame with its error page.
  await expect.poll(() => page.frames().map((f) => f.url()).find((u) => u !== page.url()))
    .toMatch(/^chrome-error:/);
  await expect(page.frameLocator('#pulse').getByTestId('embed-status')).toHaveCount(0);
});

test('Settings lists the embedded viewer, and disabling them refuses their next token', async ({ page }) => {
  const viewer = { ...VIEWER, viewerId: 'teacher-settings', viewerName: 'Grace Settings' };
  const frame = await frameWith(page, mint({ secret: SECRET, ...viewer, agents: [AGENT.id] }));
  await expect(frame.getByTestId('signed-in-as')).toHaveText('Grace Settings');
  // The owner, in Pulse itself (first party): Settings, accounts.
  const owner = await page.context().newPage();
  await owner.goto(`${pulseUrl}/login`);
  await owner.getByTestId('login-username').fill(OWNER.username);
  await owner.getByTestId('login-password').fill(OWNER.password);
  await owner.getByTestId('login-submit').click();
  await owner.waitForURL(`${pulseUrl}/`);
  await owner.goto(`${pulseUrl}/settings`);
  const row = owner.locator('[data-testid=account-row][data-embedded=true]').filter({ hasText: 'Grace Settings' });
  await expect(row).toContainText('embedded viewer of lms');
  await expect(row).toContainText(AGENT.id);
  await expect(row.locator('input[type=password]')).toHaveCount(0);
  await row.getByRole('button', { name: 'Disable' }).click();
  await expect(row.getByRole('button', { name: 'Enable' })).toBeVisible();
  await owner.close();
  const refused = await frameWith(page, mint({ secret: SECRET, ...viewer, agents: [AGENT.id] }));
  await expect(refused.getByTestId('embed-status')).toContainText('disabled in Pulse');
});
