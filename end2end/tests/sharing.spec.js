// Share links in a real browser: made in Settings, opened by an anonymous
// browser that finds the API's figures with counts under k hidden and no
// learner anywhere (page, network answers, exports); revoked at once; a
// password link made with `pulse share create`.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test, expect } = require('./fixtures');
const { api, serverState, minutesAgo, pulse } = require('./data');

const AGENT = { id: 'e2e-share', name: 'E2E Share' };
const K = 3;
const SECRETS = ['share-learner-', 'Hidden Person', 'hidden.person'];

test.beforeAll(async () => {
  const { url, ingestKey } = serverState();
  await api(url, ingestKey, 'PUT', `/api/v1/agents/${AGENT.id}`, { name: AGENT.name });
  const events = [];
  for (let learner = 0; learner < 7; learner += 1) {
    for (let step = 0; step <= learner; step += 1) {
      events.push({
        id: `share-${learner}-${step}`,
        type: 'message',
        agent_id: AGENT.id,
        user_id: `share-learner-${learner}`,
        at: minutesAgo(60 * (step * 5 + learner * 2) + 20),
        username: `hidden.person${learner}`,
        name: `Hidden Person ${learner}`,
      });
    }
  }
  await api(url, ingestKey, 'POST', '/api/v1/events', events);
});

const shown = (count) => (count >= 1 && count < K ? `fewer than ${K}` : String(count));

/** Opens `link` in a browser with no session; returns the page and every answer's text. */
async function openAnonymously(browser, link) {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] }, acceptDownloads: true });
  const page = await context.newPage();
  const answers = [];
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !/status of 4\d\d/.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('response', async (response) => {
    if (response.status() >= 500) problems.push(`${response.status()} from ${response.url()}`);
    try {
      answers.push(await response.text());
    } catch {
      // A redirect or an aborted answer has no body.
    }
  });
  await page.goto(link);
  // Closes the context once the walk found no error on the page.
  const close = async () => {
    expect(problems, 'no console errors, uncaught exceptions or 5xx').toEqual([]);
    await context.close();
  };
  return { close, page, answers };
}

test('a share link made in Settings shows the figures to anyone, small counts hidden, no learner', async ({ page, browser }) => {
  await page.goto('/settings');
  await page.getByTestId('share-agent').selectOption(AGENT.id);
  await page.getByTestId('share-period').selectOption('7d');
  await page.getByTestId('share-min-count').fill(String(K));
  await page.getByTestId('create-share').click();
  const link = await page.getByTestId('share-link').getAttribute('href');
  expect(link).toMatch(/\/share\/[0-9a-f]{64}$/);
  // Shown once: a button copies it.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.getByTestId('share-copy').click();
  await expect(page.getByTestId('share-copy')).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);

  const { close, page: shared, answers } = await openAnonymously(browser, link);
  await expect(shared.getByTestId('shared-title')).toHaveText(AGENT.name);
  const { url, readKey } = serverState();
  const tz = await shared.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  const overview = await api(url, readKey, 'GET', `/api/v1/agents/${AGENT.id}/users/overview?period=7d&tz=${encodeURIComponent(tz)}`);
  const card = (id) => shared.getByTestId(id).locator('.card-value');
  await expect(card('card-registered')).toHaveText(shown(overview.registered));
  await expect(card('card-active')).toHaveText(shown(overview.active_users));
  await expect(card('card-messages')).toHaveText(String(overview.messages));
  // Heatmap cells: each learner-hour here is one learner, so cells hide.
  await expect(shared.getByTestId('shared-heatmap').locator('td.suppressed').first()).toBeVisible();
  const download = shared.waitForEvent('download');
  await shared.getByTestId('shared-heatmap-csv').click();
  const csv = fs.readFileSync(await (await download).path(), 'utf8');
  expect(csv).toContain(`<${K}`);
  const body = await shared.locator('body').innerText();
  for (const secret of SECRETS) {
    expect(body).not.toContain(secret);
    expect(csv).not.toContain(secret);
    for (const answer of answers) expect(answer).not.toContain(secret);
  }

  // Listed with its view, revoked at once: the page then shows nothing.
  await page.reload();
  const row = page.getByTestId('share-link-row').first();
  await expect(row.getByTestId('share-views')).toHaveText('1');
  await row.getByTestId('revoke-share').click();
  await expect(row).toContainText('revoked');
  await shared.reload();
  await expect(shared.getByTestId('shared-unavailable')).toContainText('revoked');
  await expect(shared.locator('.card')).toHaveCount(0);
  await close();
});

test('a password link made on the command line asks for its password', async ({ browser }) => {
  const printed = pulse(['share', 'create', '--agent', AGENT.id, '--min-count', String(K), '--password-stdin'], 'a shared passphrase\n');
  const path = printed.split('\n')[0].trim();
  expect(path).toMatch(/^\/share\/[0-9a-f]{64}$/);
  const { close, page } = await openAnonymously(browser, path);
  await expect(page.getByTestId('share-password')).toBeVisible();
  await expect(page.locator('.card')).toHaveCount(0);
  await page.getByTestId('share-password').locator('input').fill('not the passphrase');
  await page.getByTestId('share-password').getByRole('button', { name: 'Open' }).click();
  await expect(page.getByRole('alert')).toContainText('Wrong password');
  await page.getByTestId('share-password').locator('input').fill('a shared passphrase');
  await page.getByTestId('share-password').getByRole('button', { name: 'Open' }).click();
  await expect(page.getByTestId('shared-title')).toHaveText(AGENT.name);
  await close();
});

const TAB = `/agents/${AGENT.id}/analytics/users?period=7d&tz=UTC`;

async function openTab(page) {
  await page.goto(TAB);
  await expect(page.getByTestId('card-active').locator('.card-value')).not.toHaveText('–');
}

test('privacy mode hides small counts and names, and stays on across a reload', async ({ page }) => {
  await openTab(page);
  await expect(page.locator('body')).toContainText('Hidden Person 0');
  await page.getByTestId('privacy-mode').check();
  await expect(page.getByTestId('privacy-note')).toBeVisible();
  const { url, readKey } = serverState();
  const overview = await api(url, readKey, 'GET', `/api/v1/agents/${AGENT.id}/users/overview?period=7d&tz=UTC`);
  const fiveOrMore = (count) => (count >= 1 && count < 5 ? 'fewer than 5' : String(count));
  await expect(page.getByTestId('card-registered').locator('.card-value')).toHaveText(fiveOrMore(overview.registered));
  await expect(page.getByTestId('shared-heatmap').locator('td.suppressed').first()).toBeVisible();
  await expect(page.getByTestId('user-row')).toHaveCount(7);
  const check = async () => {
    // The table drawn (again, after a reload or Back) before it is read.
    await expect(page.getByTestId('user-row')).toHaveCount(7);
    const body = await page.locator('body').innerText();
    expect(body).not.toContain('Hidden Person');
    expect(body).not.toContain('hidden.person');
    expect(body).toMatch(/Learner [A-Z2-9]{4}/);
  };
  await check();
  await page.reload();
  await expect(page.getByTestId('privacy-note')).toBeVisible();
  await check();

  // Every page privacy mode can reach: no learner's name, username or id,
  // in the text or anywhere in the page's markup.
  const noLearnerInMarkup = async () => {
    await check();
    const markup = await page.content();
    for (const secret of SECRETS) expect(markup, `markup holds ${secret}`).not.toContain(secret);
  };
  await noLearnerInMarkup();
  // Exports, selection and follow-up are closed; a row opens nothing.
  for (const closed of ['export-csv', 'select-all-shown', 'select-row', 'export-selected', 'copy-usernames', 'mark-contacted']) {
    await expect(page.getByTestId(closed)).toHaveCount(0);
  }
  const before = page.url();
  await page.getByTestId('user-row').first().click();
  await page.getByTestId('user-row').first().press('Enter');
  expect(page.url()).toBe(before);
  // Searching an id finds nobody: it would pick out the learner behind a pseudonym.
  await page.getByTestId('user-search').fill('share-learner-3');
  await expect(page.getByTestId('user-row')).toHaveCount(0);
  await page.getByTestId('user-search').fill('');
  // A learner's page opened by its address stays closed.
  await page.goto(`/agents/${AGENT.id}/analytics/users/share-learner-3?period=7d&tz=UTC`);
  await expect(page.getByTestId('learner-private')).toBeVisible();
  const title = await page.title();
  for (const secret of SECRETS) expect(title).not.toContain(secret);
  const markup = await page.content();
  for (const secret of ['Hidden Person', 'hidden.person']) expect(markup).not.toContain(secret);
  await page.goBack();
  await expect(page.getByTestId('privacy-note')).toBeVisible();
  await noLearnerInMarkup();

  await page.getByTestId('privacy-mode').uncheck();
  await expect(page.locator('body')).toContainText('Hidden Person 0');
  await expect(page.getByTestId('export-csv')).toHaveCount(1);
});

test('the Users tab says how long events are kept and which figures that affects', async ({ page }) => {
  await openTab(page);
  const note = page.getByTestId('purge-note');
  await expect(note).toContainText('Events older than 3650 days are deleted');
  await expect(note).toContainText('first active dates, the lifecycle');
});

test('the printed report: cards, trend, heatmap, period and zone on A4 and Letter, no controls', async ({ page }) => {
  await openTab(page);
  await page.emulateMedia({ media: 'print' });
  for (const hidden of ['print-report', 'privacy-mode', 'tz-select', 'section-filter', 'share-view']) {
    await expect(page.getByTestId(hidden)).toBeHidden();
  }
  await expect(page.getByRole('table', { name: 'Users' })).toBeHidden();
  const { url, readKey } = serverState();
  const overview = await api(url, readKey, 'GET', `/api/v1/agents/${AGENT.id}/users/overview?period=7d&tz=UTC`);
  await expect(page.getByTestId('card-active').locator('.card-value')).toHaveText(String(overview.active_users));
  await expect(page.getByTestId('card-messages').locator('.card-value')).toHaveText(String(overview.messages));
  await expect(page.getByTestId('period-span')).toContainText('(UTC)');
  await expect(page.locator('canvas').first()).toBeVisible();
  await expect(page.getByTestId('agent-name')).toHaveText(AGENT.name);
  // The PDF itself: its pages (poppler's pdfinfo) and its text (pdftotext).
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'report-'));
  for (const format of ['A4', 'Letter']) {
    const file = path.join(folder, `report-${format}.pdf`);
    await page.pdf({ path: file, format, printBackground: true });
    const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
    const pages = Number(/^Pages:\s+(\d+)/m.exec(info)[1]);
    expect(pages, `${format} pages`).toBeGreaterThanOrEqual(1);
    expect(pages, `${format} pages`).toBeLessThanOrEqual(2);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    for (const expected of [AGENT.name, '(UTC)', 'Active users in period', String(overview.active_users),
      'Messages in period', String(overview.messages), 'Active users over time', 'Access times']) {
      expect(text, `${format}: ${expected}`).toContain(expected);
    }
    for (const absent of [...SECRETS, 'Print report', 'Privacy mode', 'Export']) {
      expect(text, `${format}: no ${absent}`).not.toContain(absent);
    }
  }
});

test('"Share this view" on the Users tab makes a link of the period and zone on screen', async ({ page, browser }) => {
  await openTab(page);
  await page.getByTestId('share-view').locator('summary').click();
  await page.getByTestId('share-view-min-count').fill('2');
  await page.getByTestId('share-view-create').click();
  const link = await page.getByTestId('share-view-link').getAttribute('href');
  const { close, page: shared } = await openAnonymously(browser, link);
  await expect(shared.getByTestId('shared-period')).toContainText('Past 7 Days');
  await expect(shared.getByTestId('shared-period')).toContainText('(UTC)');
  const { url, readKey } = serverState();
  const overview = await api(url, readKey, 'GET', `/api/v1/agents/${AGENT.id}/users/overview?period=7d&tz=UTC`);
  await expect(shared.getByTestId('card-active').locator('.card-value')).toHaveText(String(overview.active_users));
  await close();
});

test('the shared heatmap: busier cells stand further from the page, darker when light, brighter when dark', async ({ browser }) => {
  // An agent of its own: one hour with three learners, one with two (no
  // count small enough to be hidden, nor one hidden with it).
  const { url, ingestKey } = serverState();
  const agent = 'e2e-heat';
  const events = [];
  for (const [hoursAgo, learners] of [[2, 3], [5, 2]]) {
    for (let learner = 0; learner < learners; learner += 1) {
      events.push({ id: `heat-${hoursAgo}-${learner}`, type: 'message', agent_id: agent, user_id: `heat-${learner}`, at: minutesAgo(60 * hoursAgo + 1) });
    }
  }
  await api(url, ingestKey, 'POST', '/api/v1/events', events);
  const printed = pulse(['share', 'create', '--agent', agent, '--min-count', '2', '--tz', 'UTC']);
  const link = printed.split('\n')[0].trim();
  // Relative luminance (WCAG) of a computed rgb() colour.
  const luminanceOf = (rgb) => {
    const [r, g, b] = rgb.match(/\d+/g).map(Number).map((c) => {
      const v = c / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  for (const scheme of ['light', 'dark']) {
    const { close, page } = await openAnonymously(browser, link);
    await page.emulateMedia({ colorScheme: scheme });
    await page.reload();
    const cells = page.getByTestId('shared-heatmap').locator('td[title]:not(.empty):not(.suppressed)');
    await expect(cells.first()).toBeVisible();
    const shown = await cells.evaluateAll((list) => list.map((cell) => ({
      value: Number(cell.textContent), background: getComputedStyle(cell).backgroundColor,
    })));
    const values = [...new Set(shown.map((cell) => cell.value))].sort((a, b) => a - b);
    expect(values.length, 'cells of at least two counts').toBeGreaterThan(1);
    const light = (value) => luminanceOf(shown.find((cell) => cell.value === value).background);
    const [least, most] = [values[0], values[values.length - 1]];
    if (scheme === 'dark') expect(light(most)).toBeGreaterThan(light(least));
    else expect(light(most)).toBeLessThan(light(least));
    await close();
  }
});

test('the share page needs no script: with JavaScript off it shows the API\'s figures and loads no WebAssembly', async ({ browser }) => {
  const printed = pulse(['share', 'create', '--agent', AGENT.id, '--min-count', String(K), '--period', '7d', '--tz', 'UTC', '--password-stdin'], 'no script needed\n');
  const link = printed.split('\n')[0].trim();
  const context = await browser.newContext({ javaScriptEnabled: false, storageState: { cookies: [], origins: [] }, acceptDownloads: true });
  const page = await context.newPage();
  const requested = [];
  page.on('request', (request) => requested.push(request.url()));
  await page.goto(link);
  // The password form posts without a script.
  await page.getByTestId('share-password').locator('input').fill('no script needed');
  await page.getByTestId('share-password').getByRole('button', { name: 'Open' }).click();
  await expect(page.getByTestId('shared-title')).toHaveText(AGENT.name);
  const { url, readKey } = serverState();
  const overview = await api(url, readKey, 'GET', `/api/v1/agents/${AGENT.id}/users/overview?period=7d&tz=UTC`);
  const card = (id) => page.getByTestId(id).locator('.card-value');
  await expect(card('card-registered')).toHaveText(shown(overview.registered));
  await expect(card('card-active')).toHaveText(shown(overview.active_users));
  await expect(card('card-active30')).toHaveText(shown(overview.active_30d));
  await expect(card('card-messages')).toHaveText(overview.messages.toLocaleString('en-US'));
  const trend = await api(url, readKey, 'GET', `/api/v1/agents/${AGENT.id}/users/trend?period=7d&tz=UTC`);
  await expect(page.getByTestId('shared-trend').locator('tbody tr')).toHaveCount(trend.buckets.length);
  await expect(page.getByTestId('shared-heatmap').locator('td.suppressed').first()).toBeVisible();
  const download = page.waitForEvent('download');
  await page.getByTestId('shared-trend-csv').click();
  const csv = fs.readFileSync(await (await download).path(), 'utf8');
  expect(csv.split('\n')[0]).toBe('start,active_users,messages');
  expect(csv.trim().split('\n')).toHaveLength(trend.buckets.length + 1);
  // Print is the browser's own here: the page's button needs a script.
  await expect(page.getByTestId('shared-print')).toBeHidden();
  expect(requested.filter((address) => address.endsWith('.wasm'))).toEqual([]);
  const body = await page.locator('body').innerText();
  for (const secret of SECRETS) expect(body).not.toContain(secret);
  await context.close();
});
