// Sections in a real browser against a real server: a roster loaded with
// `pulse roster import`, a section made in Settings, every panel of the
// Users tab for one section checked against the API, and a teaching
// assistant granted one section who can neither see nor ask for another.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test, expect } = require('./fixtures');
const { api, serverState, minutesAgo, pulse } = require('./data');

const AGENT = { id: 'e2e-sections', name: 'E2E Sections' };
const TAB = `/agents/${AGENT.id}/analytics/users`;
const TA = { username: 'e2e-ta', password: 'teaching assistant password' };

test.beforeAll(async () => {
  const { url, ingestKey } = serverState();
  await api(url, ingestKey, 'PUT', `/api/v1/agents/${AGENT.id}`, { name: AGENT.name });
  const events = [];
  const add = (user, type, minutes) =>
    events.push({ id: `sec-${events.length}`, type, agent_id: AGENT.id, user_id: user, at: minutesAgo(minutes), name: `Learner ${user}` });
  add('amy', 'message', 60 * 24 * 2 + 30);
  add('amy', 'message', 90);
  add('ben', 'message', 60 * 24 * 3);
  add('cat', 'message', 45);
  add('cat', 'message', 40);
  add('dan', 'heartbeat', 60 * 24 * 5);
  await api(url, ingestKey, 'POST', '/api/v1/events', events);
  const roster = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'roster-')), 'roster.csv');
  fs.writeFileSync(roster, 'section_id,user_id,section_name\np1,amy,Period 1\np1,ben,\np2,cat,Period 2\n');
  pulse(['roster', 'import', roster, '--agent', AGENT.id]);
  pulse(['account', 'create', '--username', TA.username], `${TA.password}\n`);
  pulse(['account', 'grant', '--username', TA.username, '--agent', AGENT.id, '--section', 'p1']);
});

async function apiGet(route) {
  const { url, readKey } = serverState();
  return api(url, readKey, 'GET', route);
}

/** Every panel of the tab against the API's answers for the same query. */
async function checkPanels(page, query) {
  const overview = await apiGet(`/api/v1/agents/${AGENT.id}/users/overview?${query}`);
  const table = await apiGet(`/api/v1/agents/${AGENT.id}/users?${query}`);
  const trend = await apiGet(`/api/v1/agents/${AGENT.id}/users/trend?${query}`);
  const heatmap = await apiGet(`/api/v1/agents/${AGENT.id}/users/heatmap?${query}`);
  const card = (id) => page.getByTestId(id).locator('.card-value');
  await expect(card('card-registered')).toHaveText(String(overview.registered));
  await expect(card('card-active30')).toHaveText(String(overview.active_30d));
  await expect(card('card-active')).toHaveText(String(overview.active_users));
  await expect(card('card-messages')).toHaveText(String(overview.messages));
  const rows = page.getByTestId('user-row');
  await expect(rows).toHaveCount(table.users.length);
  const shown = await rows.evaluateAll((list) => list.map((row) => row.dataset.userId).sort());
  expect(shown).toEqual(table.users.map((row) => row.user_id).sort());
  const tooltip = page.getByTestId('trend-tooltip');
  await page.getByTestId('trend-canvas').focus();
  await page.keyboard.press('End');
  const last = trend.buckets[trend.buckets.length - 1];
  await expect(tooltip).toContainText(`${last.active_users} active users`);
  await expect(tooltip).toContainText(`${last.messages} messages`);
  await page.keyboard.press('Escape');
  const weekdayUsers = heatmap.weekday_users.reduce((a, b) => a + b, 0);
  const busiest = page.getByTestId('busiest');
  if (weekdayUsers === 0) await expect(busiest).toContainText('No activity');
  else await expect(busiest).not.toContainText('No activity');
  return { overview, table };
}

test('a section chosen on the Users tab: every panel is its learners only', async ({ page }) => {
  await page.goto(`${TAB}?period=7d&tz=UTC`);
  const filter = page.getByTestId('section-filter');
  await expect(filter.locator('option')).toHaveText(['All learners', 'Period 1 (2)', 'Period 2 (1)']);
  const whole = await checkPanels(page, 'period=7d&tz=UTC');
  expect(whole.table.users.length).toBe(4);
  // Sections side by side: each line's last bucket is that section's trend.
  await page.getByTestId('sections-canvas').focus();
  await page.keyboard.press('End');
  for (const section of ['p1', 'p2']) {
    const trend = await apiGet(`/api/v1/agents/${AGENT.id}/users/trend?period=7d&tz=UTC&section=${section}`);
    const last = trend.buckets[trend.buckets.length - 1];
    await expect(page.locator(`[data-testid="section-line"][data-section-id="${section}"]`)).toContainText(`: ${last.active_users} active users`);
  }
  await page.keyboard.press('Escape');
  await filter.selectOption('p1');
  await expect(page).toHaveURL(/section=p1/);
  const p1 = await checkPanels(page, 'period=7d&tz=UTC&section=p1');
  expect(p1.table.users.map((row) => row.user_id).sort()).toEqual(['amy', 'ben']);
  expect(p1.overview.messages).toBe(3);
  // The learner page follows the section: cat is not in Period 1.
  await page.goto(`${TAB}/cat?period=7d&tz=UTC&section=p1`);
  await expect(page.getByText('No such learner')).toBeVisible();
  await page.goto(`${TAB}/amy?period=7d&tz=UTC&section=p1`);
  await expect(page.getByTestId('learner-name')).toHaveText('Learner amy');
});

test('the retention panel: cohorts and lifecycle of a section as the API says, weeks from Sunday', async ({ page }) => {
  const query = 'period=7d&tz=UTC&section=p1';
  await page.goto(`${TAB}?${query}&sunday=1&weeks=4`);
  const retention = await apiGet(`/api/v1/agents/${AGENT.id}/users/retention?${query}&weeks=4&week_start=sunday`);
  expect(retention.weeks).toHaveLength(4);
  const rows = page.getByTestId('cohort-row');
  await expect(rows).toHaveCount(4);
  await expect(page.getByTestId('cohort-size')).toHaveText(retention.cohorts.map((c) => String(c.size)));
  // Every cell of a non-empty cohort: its count, and whether its week is over.
  for (const [c, cohort] of retention.cohorts.entries()) {
    if (cohort.size === 0) continue;
    const cells = rows.nth(c).getByTestId('cohort-cell');
    await expect(cells).toHaveCount(cohort.active.length);
    for (const [k, count] of cohort.active.entries()) {
      await expect(cells.nth(k)).toHaveAttribute('data-count', String(count));
      const over = retention.weeks[c + k].complete;
      await expect(cells.nth(k)).toHaveClass(over ? /cohort-cell(?! incomplete)/ : /incomplete/);
      // Counts and shares; a current week with nobody back yet says "…", never 0.
      if (!over && count === 0) await expect(cells.nth(k)).toHaveText('…');
      else await expect(cells.nth(k)).toHaveText(new RegExp(`^${count} · \\d+%`));
    }
  }
  expect(retention.cohorts.reduce((sum, c) => sum + c.size, 0)).toBe(2);
  const tooltip = page.getByTestId('lifecycle-tooltip');
  await page.getByTestId('lifecycle-canvas').focus();
  await page.keyboard.press('End');
  const last = retention.lifecycle[3];
  // The current week: nobody is called dormant before it is over.
  expect(retention.weeks[3].complete).toBe(false);
  for (const [name, value] of [['new', last.new], ['returning', last.returning], ['resurrected', last.resurrected], ['not back yet', last.dormant]]) {
    await expect(tooltip).toContainText(`${value} ${name}`);
  }
  await expect(tooltip).not.toContainText(`${last.dormant} dormant`);
  await expect(tooltip).toContainText('This week is not over');
  // An ended week says dormant.
  await page.keyboard.press('ArrowLeft');
  await expect(tooltip).toContainText(`${retention.lifecycle[2].dormant} dormant`);
  await expect(tooltip).not.toContainText('not over');
});

test('a section made in Settings, its learners set there', async ({ page }) => {
  await page.goto('/settings');
  await page.getByTestId('sections-agent').selectOption(AGENT.id);
  await expect(page.getByTestId('section-row')).toHaveCount(2);
  await page.getByTestId('new-section-id').fill('p3');
  await page.getByTestId('new-section-name').fill('Period 3');
  await page.getByTestId('save-section').click();
  const row = page.getByTestId('section-row').filter({ hasText: 'Period 3' });
  await expect(row).toContainText('0');
  await row.getByRole('button', { name: 'Members…' }).click();
  await page.getByTestId('section-members').fill('dan\ncat\n');
  await page.getByTestId('save-members').click();
  await expect(row.locator('td.num')).toHaveText('2');
  const table = await apiGet(`/api/v1/agents/${AGENT.id}/users?period=7d&section=p3`);
  expect(table.users.map((user) => user.user_id)).toEqual(['cat', 'dan']);
  await row.getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByTestId('section-row')).toHaveCount(2);
});

test.describe('a teaching assistant granted one section', () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test('sees only that section and cannot ask for another', async ({ page }) => {
    await page.goto('/login');
    await page.getByTestId('login-username').fill(TA.username);
    await page.getByTestId('login-password').fill(TA.password);
    await page.getByTestId('login-submit').click();
    await page.waitForURL((url) => !url.pathname.startsWith('/login'));
    await page.goto(`${TAB}?period=7d&tz=UTC`);
    await expect(page.getByTestId('section-filter').locator('option')).toHaveText(['All learners', 'Period 1 (2)']);
    // Without a section: their section's figures (the API's for p1).
    await checkPanels(page, 'period=7d&tz=UTC&section=p1');
    await expect(page.locator('[data-user-id="cat"]')).toHaveCount(0);
    await expect(page.locator('body')).not.toContainText('Learner cat');
    // Asking for another section by URL shows an error, and no figures of it.
    await page.goto(`${TAB}?period=7d&tz=UTC&section=p2`);
    await expect(page.getByRole('alert').first()).toContainText('section');
    await expect(page.getByTestId('user-row')).toHaveCount(0);
  });
});
