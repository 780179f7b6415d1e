// Following learners up, walked in a real browser against a real server:
// the status filter, a learner's page checked against the public API, Back
// to the same table state, and marking several learners as contacted.
const { test, expect } = require('./fixtures');
const { api, serverState } = require('./data');

const AGENT = { id: 'e2e-learners', name: 'E2E Follow-up' };
const TAB = `/agents/${AGENT.id}/analytics/users`;
// The page's query (the table's sort rides along) and the API's.
const QUERY = 'period=30d&tz=UTC&sort=name&dir=asc';
const API_QUERY = 'period=30d&tz=UTC';

function daysAgo(days, minutes = 0) {
  return new Date(Date.now() - days * 86_400_000 - minutes * 60_000).toISOString();
}

test.beforeAll(async () => {
  const { url, ingestKey } = serverState();
  await api(url, ingestKey, 'PUT', `/api/v1/agents/${AGENT.id}`, { name: AGENT.name });
  const events = [];
  const add = (user, name, type, at, session) =>
    events.push({
      id: `fu-${events.length}`, type, agent_id: AGENT.id, user_id: user, at,
      username: user, name, ...(session ? { session_id: session } : {}),
    });
  // Three who stopped (no event in the last 14 days), one new, one never started.
  add('ana', 'Ana Stopped', 'session_start', daysAgo(21), 'a1');
  add('ana', 'Ana Stopped', 'message', daysAgo(21, -5), 'a1');
  add('ana', 'Ana Stopped', 'message', daysAgo(20), 'a2');
  add('bo', 'Bo Stopped', 'message', daysAgo(25));
  add('cy', 'Cy Stopped', 'message', daysAgo(16));
  add('dee', 'Dee New', 'session_start', daysAgo(0, 60), 'd1');
  add('dee', 'Dee New', 'message', daysAgo(0, 55), 'd1');
  await api(url, ingestKey, 'POST', '/api/v1/events', events);
  await api(url, ingestKey, 'PUT', `/api/v1/agents/${AGENT.id}/members/eli`, { registered_at: daysAgo(40) });
});

async function apiGet(route) {
  const { url, readKey } = serverState();
  return api(url, readKey, 'GET', route);
}

test('stopped learners: open one, check them against the API, come back, mark them contacted', async ({ page }) => {
  const table = await apiGet(`/api/v1/agents/${AGENT.id}/users?${API_QUERY}`);
  const stopped = table.users.filter((row) => row.status === 'stopped').map((row) => row.user_id).sort();
  expect(stopped).toEqual(['ana', 'bo', 'cy']);

  await page.goto(`${TAB}?${QUERY}`);
  for (const status of ['never_started', 'stopped', 'new', 'slowing', 'active']) {
    const count = table.users.filter((row) => row.status === status).length;
    await expect(page.getByTestId(`status-${status}`).locator('.status-count')).toHaveText(String(count));
  }
  // The status of learners doing fine is "On track": "Active" is the period's active users.
  await expect(page.getByTestId('status-active')).toContainText('On track');
  await expect(page.getByTestId('status-active')).not.toContainText('Active');
  await page.getByTestId('status-stopped').click();
  await expect(page).toHaveURL(/status=stopped/);
  await expect(page.getByTestId('user-row')).toHaveCount(3);
  await expect(page.getByTestId('status-cell')).toHaveText(['Stopped', 'Stopped', 'Stopped']);

  // Open Ana (Enter on her row), and check the page against the API.
  const tableUrl = page.url();
  await page.locator('[data-testid="user-row"][data-user-id="ana"]').focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`${TAB}/ana\\?.*status=stopped`));
  const view = await apiGet(`/api/v1/agents/${AGENT.id}/users/ana?${API_QUERY}`);
  await expect(page.getByTestId('learner-name')).toHaveText('Ana Stopped');
  await expect(page.getByTestId('learner-messages').locator('.card-value')).toHaveText(String(view.user.messages));
  await expect(page.getByTestId('learner-active-days').locator('.card-value')).toHaveText(String(view.user.active_days));
  await expect(page.getByTestId('learner-messages').locator('.card-note')).toContainText(`agent median ${view.agent_median.messages}`);
  await expect(page.getByTestId('session-row')).toHaveCount(view.sessions.length);
  expect(view.sessions.length).toBe(2);
  await expect(page.getByTestId('days-table').locator('tbody tr')).toHaveCount(view.days.length);
  const shownDays = await page.getByTestId('days-table').locator('tbody tr').evaluateAll((rows) =>
    rows.map((row) => [...row.cells].map((cell) => cell.textContent)));
  expect(shownDays).toEqual(view.days.map((day) => [day.date, String(day.messages), String(day.active_hours)]));
  await expect(page.getByTestId('days-canvas')).toBeVisible();
  await expect(page.getByTestId('no-contacts')).toBeVisible();
  // Every time on the page is in its zone, said by the zone's name.
  for (const [at, cell] of [[view.sessions[0].start, page.getByTestId('session-row').first().locator('td').first()]]) {
    expect(Date.parse(await cell.locator('time').getAttribute('datetime'))).toBe(Date.parse(at));
    await expect(cell).toContainText('UTC');
  }

  // Back to the very same table state.
  await page.getByTestId('back-to-table').click();
  await expect(page).toHaveURL(tableUrl);
  await expect(page.getByTestId('status-stopped')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('user-row')).toHaveCount(3);
  await expect(page.getByTestId('user-row').first().locator('.cell').first()).toHaveText('Ana Stopped');

  // Select the three shown, mark them as contacted with a note.
  await page.getByTestId('select-all-shown').check();
  await expect(page.getByTestId('selected-count')).toHaveText('3 selected');
  await page.getByTestId('mark-contacted').click();
  await page.getByTestId('contact-note').fill('Emailed about week 3 <b>now</b>');
  // The button says how many one click reaches.
  await expect(page.getByTestId('contact-submit')).toHaveText('Mark 3 learners as contacted');
  await page.getByTestId('contact-submit').click();
  await expect(page.getByTestId('follow-up-message')).toContainText('Marked 3 learners');
  await expect(page.getByTestId('contacted-cell')).toHaveText(['just now', 'just now', 'just now']);
  await expect(page.getByTestId('selected-count')).toHaveText('0 selected');

  // "Not contacted in the last 14 days": the three are gone from it.
  await page.getByTestId('status-stopped').click();
  await expect(page.getByTestId('user-row')).toHaveCount(5);
  await page.getByTestId('uncontacted-filter').check();
  await expect(page).toHaveURL(/uncontacted=14/);
  await expect(page.getByTestId('user-row')).toHaveCount(2);
  const left = await page.getByTestId('user-row').evaluateAll((rows) => rows.map((row) => row.dataset.userId));
  expect(left.sort()).toEqual(['dee', 'eli']);

  // The mark, with its note as plain text, is on the learner's page.
  await page.goto(`${TAB}/bo?${QUERY}`);
  await expect(page.getByTestId('contact-item')).toHaveCount(1);
  await expect(page.getByTestId('contact-item')).toContainText('Emailed about week 3 <b>now</b>');
  await expect(page.getByTestId('contact-item').locator('b')).toHaveCount(0);
});

test('sparklines show who was active when; an unknown learner has a page that says so', async ({ page }) => {
  await page.goto(`${TAB}?${QUERY}`);
  const activity = (user) =>
    page.locator(`[data-testid="user-row"][data-user-id="${user}"] svg.sparkline`);
  await expect(activity('dee')).toHaveAttribute('data-active', /^[1-9]/);
  await expect(activity('eli')).toHaveAttribute('data-active', '0');
  // A click anywhere on a row opens the learner.
  await page.locator('[data-testid="user-row"][data-user-id="dee"]').locator('.cell').first().click();
  await expect(page.getByTestId('learner-name')).toHaveText('Dee New');
  await expect(page.getByTestId('learner-page').locator('.status')).toHaveText('New');

  await page.goto(`${TAB}/nobody-here?${QUERY}`);
  await expect(page.getByTestId('learner-not-found')).toBeVisible();
  await page.getByTestId('learner-not-found').getByRole('link').click();
  await expect(page).toHaveURL(new RegExp(`${TAB}\\?`));
  await expect(page.getByTestId('user-row')).toHaveCount(5);
});

test("a learner's page shows every time in the zone chosen, never in UTC", async ({ page }) => {
  const zone = 'America/New_York';
  const view = await apiGet(`/api/v1/agents/${AGENT.id}/users/ana?period=30d&tz=${encodeURIComponent(zone)}`);
  await page.goto(`${TAB}/ana?period=30d&tz=${encodeURIComponent(zone)}`);
  await expect(page.getByTestId('learner-name')).toHaveText('Ana Stopped');
  await expect(page.getByTestId('zone-note')).toContainText(zone);
  // The same instant, written in that zone by the browser's own calendar.
  const inZone = (at, withYear) => page.evaluate(({ at, withYear, zone }) => new Intl.DateTimeFormat([], {
    weekday: 'short', day: 'numeric', month: 'short', ...(withYear ? { year: 'numeric' } : {}),
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short', timeZone: zone,
  }).format(new Date(at)), { at, withYear, zone });
  const first = page.getByTestId('session-row').first().locator('td');
  await expect(first.nth(0)).toHaveText(await inZone(view.sessions[0].start, false));
  await expect(first.nth(1)).toHaveText(await inZone(view.sessions[0].end, false));
  await expect(page.locator('.learner-who time').last()).toHaveText(await inZone(view.user.last_active, true));
  // Lengths and states in words.
  for (const [index, session] of view.sessions.entries()) {
    const cells = page.getByTestId('session-row').nth(index).locator('td');
    const minutes = Math.floor((Date.parse(session.end) - Date.parse(session.start)) / 60_000);
    await expect(cells.nth(2)).toHaveText(minutes < 1 ? 'under 1 min' : minutes < 60 ? `${minutes} min`
      : `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`);
    await expect(cells.nth(4)).toHaveText(session.ended ? 'ended' : 'not ended');
  }
  // New York is UTC-4 or UTC-5: its name, not UTC's.
  await expect(first.nth(0)).toHaveText(/E[SD]T|GMT-[45]/);
  // (The zone picker may offer UTC; no time says it.)
  for (const part of [page.locator('.learner-who'), page.getByTestId('sessions-table'), page.getByTestId('contact-list')]) {
    await expect(part).not.toContainText('UTC');
  }
});

test('Back from a learner returns the table to where it was scrolled', async ({ page }) => {
  const { url, ingestKey } = serverState();
  const many = 'e2e-many';
  await api(url, ingestKey, 'PUT', `/api/v1/agents/${many}`, { name: 'E2E Many Learners' });
  const events = Array.from({ length: 80 }, (_, n) => ({
    id: `many-${n}`, type: 'message', agent_id: many, user_id: `learner-${String(n).padStart(3, '0')}`,
    at: daysAgo(1, n), name: `Learner ${String(n).padStart(3, '0')}`,
  }));
  await api(url, ingestKey, 'POST', '/api/v1/events', events);

  await page.goto(`/agents/${many}/analytics/users?${QUERY}`);
  await expect(page.getByTestId('user-count')).toHaveText('80 of 80 users');
  const body = page.getByTestId('table-body');
  await body.evaluate((element) => { element.scrollTop = 1600; });
  const row = page.locator('[data-testid="user-row"][data-user-id="learner-042"]');
  await expect(row).toBeVisible();
  await row.locator('.cell').first().click();
  await expect(page.getByTestId('learner-name')).toHaveText('Learner 042');
  await page.getByTestId('back-to-table').click();
  await expect(page.getByTestId('user-count')).toHaveText('80 of 80 users');
  await expect.poll(() => body.evaluate((element) => element.scrollTop)).toBe(1600);
  await expect(row).toBeVisible();
});
