// The Users tab against a real server and database: every figure the page
// shows equals what the public API answers for the same selection.
const fs = require('node:fs');
const path = require('node:path');
const { test, expect } = require('./fixtures');
const { AGENT, api, serverState } = require('./data');
const { AUTH_STATE } = require('../server');

const TAB = `/agents/${AGENT.id}/analytics/users`;
const ARTIFACTS = path.join(__dirname, '..', 'artifacts');

async function apiFigures(query) {
  const { url, readKey } = serverState();
  const overview = await api(url, readKey, 'GET', `/api/v1/agents/${AGENT.id}/users/overview?${query}`);
  const table = await api(url, readKey, 'GET', `/api/v1/agents/${AGENT.id}/users?${query}`);
  return { overview, table };
}

async function cardValue(page, id) {
  return (await page.getByTestId(id).locator('.card-value').innerText()).trim();
}

test('every period shows the figures of the API', async ({ page }) => {
  await page.goto(`${TAB}?tz=UTC`);
  for (const period of ['today', '7d', '30d']) {
    await page.getByTestId(`period-${period}`).click();
    await expect(page).toHaveURL(new RegExp(`period=${period}`));
    const { overview, table } = await apiFigures(`period=${period}&tz=UTC`);
    // Two periods can share a count: every card is awaited, none read once
    // (a card read at once could still show the period before).
    await expect(page.getByTestId('users-tab')).toHaveAttribute('aria-busy', 'false');
    const card = (id) => page.getByTestId(id).locator('.card-value');
    await expect(card('card-active')).toHaveText(String(overview.active_users));
    await expect(card('card-messages')).toHaveText(String(overview.messages));
    await expect(card('card-registered')).toHaveText(String(overview.registered));
    await expect(card('card-active30')).toHaveText(String(overview.active_30d));
    await expect.poll(async () => Math.abs(Number(await cardValue(page, 'card-daily')) - overview.average_daily_users))
      .toBeLessThanOrEqual(0.05);
    await expect(page.getByTestId('user-count')).toHaveText(`${table.users.length} of ${table.users.length} users`);
  }
});

test('each count says what it covers: the 30-day card is rolling, not the period', async ({ page }) => {
  await page.goto(`${TAB}?period=30d&tz=UTC`);
  await expect(page.getByTestId('card-active30').locator('.card-note')).toHaveText('rolling: the 30 days up to now, whatever the period');
  await expect(page.getByTestId('card-active').locator('.card-label')).toHaveText('Active users in period');
});

test('a custom range is checked before it is applied', async ({ page }) => {
  await page.goto(`${TAB}?period=7d&tz=UTC`);
  await expect(page.getByTestId('card-active').locator('.card-value')).not.toHaveText('–');
  await page.getByTestId('period-custom').click();
  // Its dates start at the period shown, which stays chosen until applied.
  const shown = (await apiFigures('period=7d&tz=UTC')).overview.period;
  await expect(page.getByTestId('custom-from')).toHaveValue(shown.start.slice(0, 10));
  await expect(page.getByTestId('custom-to'))
    .toHaveValue(new Date(Date.parse(shown.end) - 1).toISOString().slice(0, 10));
  await expect(page.getByTestId('period-custom')).toHaveAttribute('aria-pressed', 'false');
  await expect(page.getByTestId('period-7d')).toHaveAttribute('aria-pressed', 'true');
  await page.getByTestId('custom-from').fill('2026-03-10');
  await page.getByTestId('custom-to').fill('2026-03-01');
  await page.getByTestId('custom-apply').click();
  await expect(page.getByTestId('custom-error')).toContainText('must not be after');
  await expect(page).toHaveURL(/period=7d/);
  const today = new Date().toISOString().slice(0, 10);
  const weekAgo = new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10);
  await page.getByTestId('custom-from').fill(weekAgo);
  await page.getByTestId('custom-to').fill(today);
  await page.getByTestId('custom-apply').click();
  await expect(page).toHaveURL(new RegExp(`period=custom&from=${weekAgo}&to=${today}`));
  await expect(page.getByTestId('period-custom')).toHaveAttribute('aria-pressed', 'true');
  const { overview } = await apiFigures(`period=custom&from=${weekAgo}&to=${today}&tz=UTC`);
  await expect(page.getByTestId('card-active').locator('.card-value')).toHaveText(String(overview.active_users));
});

test('a custom range reaching past today ends now, and its trend follows the days so far', async ({ page }) => {
  // Yesterday to five days ahead, in UTC: two local days so far, so the
  // trend is hourly (docs/METRICS.md) and the span ends now, not on the 6th day.
  const day = (offset) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  const query = `period=custom&from=${day(-1)}&to=${day(5)}&tz=UTC`;
  await page.goto(`${TAB}?${query}`);
  await expect(page.getByTestId('card-active').locator('.card-value')).not.toHaveText('–');
  const { url, readKey } = serverState();
  const trend = await api(url, readKey, 'GET', `/api/v1/agents/${AGENT.id}/users/trend?${query}`);
  const { overview } = await apiFigures(query);
  // Decided from the instants the API says it covers (a read just after
  // midnight may have started on the day before).
  const daysSoFar = (Date.parse(overview.period.end) - 1 - Date.parse(overview.period.start)) / 86_400_000;
  expect(trend.granularity).toBe(Math.floor(daysSoFar) < 2 ? 'hour' : 'day');
  expect(Date.parse(overview.period.end)).toBeLessThanOrEqual(Date.now());
  const span = page.getByTestId('period-span').locator('time');
  expect(Date.parse(await span.first().getAttribute('datetime'))).toBe(Date.parse(overview.period.start));
  expect(Math.abs(Date.parse(await span.last().getAttribute('datetime')) - Date.parse(overview.period.end))).toBeLessThan(60_000);

  // The chart's last bucket is the hour now is in, labelled as an hour.
  await page.getByTestId('trend-canvas').focus();
  await page.keyboard.press('End');
  const last = trend.buckets[trend.buckets.length - 1];
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][new Date(last.start.slice(0, 10)).getUTCDay()];
  const tooltip = page.getByTestId('trend-tooltip');
  if (trend.granularity === 'hour') await expect(tooltip).toContainText(`${weekday} ${last.start.slice(11, 16)}`);
  await expect(tooltip).toContainText(`${last.active_users} active users`);
  // The bucket in words, never as a raw timestamp, and said to be partial
  // while it lasts (unless it ended between the API's answer and now).
  const words = page.getByTestId('trend-span');
  await expect(words).not.toContainText(last.start);
  const bucketMs = trend.granularity === 'hour' ? 3_600_000 : 86_400_000;
  if (Date.now() < Date.parse(last.start) + bucketMs - 5_000) {
    await expect(words).toContainText('not over yet');
    // ...and drawn apart (dashed, pale): the chart marks that bucket.
    await expect(page.getByTestId('trend-canvas'))
      .toHaveAttribute('data-ongoing-bucket', String(trend.buckets.length - 1));
  }
  await page.keyboard.press('Home');
  await expect(words).not.toContainText('not over yet');

  // A range that ended has no bucket going on: nothing is drawn as partial.
  await page.goto(`${TAB}?period=custom&from=${day(-9)}&to=${day(-3)}&tz=UTC`);
  await expect(page.getByTestId('card-active').locator('.card-value')).not.toHaveText('–');
  await expect(page.getByTestId('trend-canvas')).not.toHaveAttribute('data-ongoing-bucket', /.*/);
});

test('a slow earlier answer never overwrites a newer one', async ({ page }) => {
  // The two answers differ in the span they cover (the test data's events
  // are all recent, so their counts may not).
  const today = await apiFigures('period=today&tz=UTC');
  const week = await apiFigures('period=7d&tz=UTC');
  expect(Date.parse(week.overview.period.start)).not.toBe(Date.parse(today.overview.period.start));
  await page.goto(`${TAB}?period=30d&tz=UTC`);
  await expect(page.getByTestId('card-active').locator('.card-value')).not.toHaveText('–');

  // Hold the next dashboard answer (Today) back for two seconds.
  let held = false;
  let released;
  const heldAnswered = new Promise((resolve) => { released = resolve; });
  await page.route(/\/api\/users_dashboard/, async (route) => {
    if (held) return route.continue();
    held = true;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await route.continue();
    released();
  });
  await page.getByTestId('period-today').click();
  // While Today loads, last month's figures stay, marked as loading.
  await expect(page.getByTestId('users-tab')).toHaveAttribute('aria-busy', 'true');
  await expect(page.locator('.panels.loading')).toHaveCount(1);
  await page.getByTestId('period-7d').click();
  const spanStart = async () => Date.parse(await page.getByTestId('period-span').locator('time').first().getAttribute('datetime'));
  await expect.poll(spanStart).toBe(Date.parse(week.overview.period.start));
  await heldAnswered;
  await page.waitForTimeout(500);
  expect(await spanStart()).toBe(Date.parse(week.overview.period.start));
  await expect(page.getByTestId('card-messages').locator('.card-value')).toHaveText(String(week.overview.messages));
  await expect(page.getByTestId('period-7d')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('users-tab')).toHaveAttribute('aria-busy', 'false');
});

test('opening an agent opens its Users tab, under its header', async ({ page }) => {
  await page.goto(`/agents/${AGENT.id}`);
  await page.waitForURL(new RegExp(`/agents/${AGENT.id}/analytics/users`));
  await expect(page.getByTestId('users-tab')).toBeVisible();
  await expect(page.getByTestId('agent-name')).toHaveText(AGENT.name);
});

test('the view lives in the URL: a link reopens it, Back and Forward walk it', async ({ page }) => {
  await page.goto(`${TAB}?period=30d&tz=UTC&sort=messages&dir=desc&q=jos`);
  await expect(page.getByTestId('period-30d')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('user-search')).toHaveValue('jos');
  await expect(page.getByTestId('user-row')).toHaveCount(1);
  await page.getByTestId('period-today').click();
  await expect(page.getByTestId('period-today')).toHaveAttribute('aria-pressed', 'true');
  await page.goBack();
  await expect(page.getByTestId('period-30d')).toHaveAttribute('aria-pressed', 'true');
  await page.goForward();
  await expect(page.getByTestId('period-today')).toHaveAttribute('aria-pressed', 'true');
});

test('sorting, accent-blind search and quick filters', async ({ page }) => {
  await page.goto(`${TAB}?period=30d&tz=UTC`);
  const firstName = () => page.getByTestId('user-row').first().locator('.cell').first();
  await page.getByTestId('sort-messages').click();
  await expect(firstName()).toHaveText('Zoë García');
  await page.getByTestId('sort-messages').click();
  await expect(page.getByTestId('user-row').first().locator('.cell').nth(2)).toHaveText('0');
  await page.getByTestId('sort-name').click();
  await expect(page.getByTestId('user-row').last().locator('.cell').first()).toHaveText('Zoë García');

  await page.getByTestId('user-search').fill('zoe');
  await expect(page.getByTestId('user-count')).toHaveText('1 of 3 users');
  await page.getByTestId('user-search').fill('MULLER');
  await expect(firstName()).toHaveText('José Müller');
  await page.getByTestId('user-search').fill('');

  await page.getByTestId('filter-never').click();
  await expect(page.getByTestId('user-count')).toHaveText('1 of 3 users');
  await expect(page.getByTestId('user-row').first().locator('.cell').nth(4)).toHaveText('never');
  await page.getByTestId('filter-active').click();
  await expect(page.getByTestId('user-count')).toHaveText('2 of 3 users');
  await page.getByTestId('filter-top').click();
  await expect(page.getByTestId('user-count')).toHaveText('1 of 3 users');
  await expect(firstName()).toHaveText('Zoë García');
  await page.getByTestId('filter-inactive').click();
  await expect(page.getByTestId('user-count')).toHaveText('1 of 3 users');
});

test('CSV export holds exactly the rows shown, in order', async ({ page }) => {
  await page.goto(`${TAB}?period=30d&tz=UTC&sort=name&dir=asc&filter=active`);
  await expect(page.getByTestId('user-count')).toHaveText('2 of 3 users');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  const text = fs.readFileSync(await download.path(), 'utf8');
  const lines = text.trim().split(/\r?\n/);
  expect(lines[0]).toBe('user_id,username,name,registered_at,messages,active_days,last_active,first_active,previous_messages,previous_active_days,status');
  expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual(['jose', 'zoe']);
});

test('the live count follows a new session without a reload', async ({ page }) => {
  test.setTimeout(60_000);
  await page.goto(`${TAB}?period=today&tz=UTC`);
  const online = page.getByTestId('card-online').locator('.card-value');
  await expect(online).not.toHaveText('–');
  const before = Number(await online.innerText());
  const { url, ingestKey } = serverState();
  await api(url, ingestKey, 'POST', '/api/v1/events', [
    { id: `live-${Date.now()}`, type: 'session_start', agent_id: AGENT.id, user_id: `live-${Date.now()}`, at: new Date().toISOString() },
  ]);
  await expect(online).toHaveText(String(before + 1), { timeout: 25_000 });
});

test('by keyboard alone: charts read out exact figures, headers sort', async ({ page }) => {
  // Past 7 days: seven day buckets whatever the hour (today has a single
  // bucket in the first hour after midnight).
  await page.goto(`${TAB}?period=7d&tz=UTC`);
  await expect(page.getByTestId('card-active').locator('.card-value')).not.toHaveText('–');
  const { url, readKey } = serverState();
  const trendData = await api(url, readKey, 'GET', `/api/v1/agents/${AGENT.id}/users/trend?period=7d&tz=UTC`);
  const heatData = await api(url, readKey, 'GET', `/api/v1/agents/${AGENT.id}/users/heatmap?period=7d&tz=UTC`);

  const tooltip = page.getByTestId('trend-tooltip');
  await page.getByTestId('trend-canvas').focus();
  await page.keyboard.press('End');
  const last = trendData.buckets[trendData.buckets.length - 1];
  await expect(tooltip).toContainText(`${last.active_users} active users`);
  await expect(tooltip).toContainText(`${last.messages} messages`);
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowRight');
  await expect(tooltip).toContainText(`${trendData.buckets[1].active_users} active users`);
  await expect(tooltip).toContainText(`${trendData.buckets[1].messages} messages`);
  await page.keyboard.press('Escape');
  await expect(tooltip).toHaveCount(0);

  const heatTip = page.getByTestId('heatmap-tooltip');
  await page.getByTestId('heatmap-canvas').focus();
  await page.keyboard.press('ArrowDown'); // Monday 00:00
  await page.keyboard.press('ArrowDown'); // Tuesday
  await page.keyboard.press('End'); // 23:00
  await expect(heatTip).toContainText('Tuesday 23:00–00:00');
  await expect(heatTip).toContainText(`${heatData.users[1][23]} learner-hours in the period (${heatData.occurrences[1][23]} such hour`);
  await expect(heatTip).toContainText(`Tuesdays: ${heatData.weekday_users[1]} learners · 23:00–00:00: ${heatData.hour_users[23]} learners`);

  // Column headers are buttons: Tab reaches them, Enter sorts.
  const messagesHeader = page.locator('[role=columnheader]', { has: page.getByTestId('sort-messages') });
  await expect(messagesHeader).toHaveAttribute('aria-sort', 'none');
  await page.getByTestId('sort-messages').focus();
  await page.keyboard.press('Enter');
  await expect(messagesHeader).toHaveAttribute('aria-sort', /ascending|descending/);
});

test('tooltips give exact figures and charts export as PNG and SVG', async ({ page }) => {
  await page.goto(`${TAB}?period=today&tz=UTC`);
  const trend = page.getByTestId('trend-canvas');
  await expect(page.getByTestId('card-active').locator('.card-value')).not.toHaveText('–');
  const box = await trend.boundingBox();
  const { url, readKey } = serverState();
  const trendData = await api(url, readKey, 'GET', `/api/v1/agents/${AGENT.id}/users/trend?period=today&tz=UTC`);
  const busiest = trendData.buckets.reduce((best, b, i) => (b.active_users > trendData.buckets[best].active_users ? i : best), 0);
  // The plotting area spans most of the canvas; hover the busiest bucket's column.
  await trend.hover({ position: { x: box.width * 0.07 + (box.width * 0.9 * (busiest + 0.5)) / trendData.buckets.length, y: box.height / 2 } });
  const tooltip = page.getByTestId('trend-tooltip');
  await expect(tooltip).toBeVisible();
  await expect(tooltip).toContainText('active users');

  const heat = page.getByTestId('heatmap-canvas');
  const heatBox = await heat.boundingBox();
  await heat.hover({ position: { x: heatBox.width / 2, y: heatBox.height / 2 } });
  await expect(page.getByTestId('heatmap-tooltip')).toContainText(':00–');

  for (const [id, check] of [
    ['trend-png', (bytes) => expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a')],
    ['trend-svg', (bytes) => expect(bytes.toString('utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/)],
    ['heat-png', (bytes) => expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a')],
    ['heat-svg', (bytes) => expect(bytes.toString('utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/)],
  ]) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(id).click()]);
    check(fs.readFileSync(await download.path()));
  }
});

test('screenshots at desktop and phone widths, light and dark', async ({ browser }) => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  for (const [width, height] of [[1280, 1800], [390, 2400]]) {
    for (const colorScheme of ['light', 'dark']) {
      const page = await browser.newPage({ viewport: { width, height }, colorScheme, storageState: AUTH_STATE });
      await page.goto(`${process.env.PULSE_URL}${TAB}?period=7d&tz=UTC`);
      await expect(page.getByTestId('card-active').locator('.card-value')).not.toHaveText('–');
      const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(scroll).toBeLessThanOrEqual(width + 1);
      // Nothing scrolls sideways inside the page either (no chart box, no table).
      const sideways = await page.evaluate(() => [...document.querySelectorAll('.chart-scroll, .table, .table-body, .panel')]
        .filter((box) => box.scrollWidth > box.clientWidth + 1).map((box) => box.className));
      expect(sideways, `boxes scrolling sideways at ${width}`).toEqual([]);
      // Every chart fits the width, its labels readable: on a phone drawn at
      // most 1.15 times the size shown (12 px labels stay above 10 px).
      for (const id of ['trend-canvas', 'heatmap-canvas']) {
        const canvas = page.getByTestId(id);
        const box = await canvas.boundingBox();
        expect(box.x, id).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width, id).toBeLessThanOrEqual(width);
        const drawn = await canvas.evaluate((element) => element.width);
        expect(drawn / box.width, `${id} scale at ${width}`).toBeLessThanOrEqual(width < 600 ? 1.15 : 1.3);
      }
      const heat = await page.getByTestId('heatmap-canvas').boundingBox();
      // On a phone the heatmap turns (hours down): the whole week is in view.
      if (width < 600) expect(heat.height).toBeGreaterThan(heat.width);
      if (width < 600) {
        // The table is a list of cards: name and status, then messages and
        // last active, all in view; the other columns wait for a wider screen.
        const card = page.getByTestId('user-row').first();
        const cells = card.locator('.cell');
        for (const index of [0, 2, 4, 5]) {
          const box = await cells.nth(index).boundingBox();
          expect(box, `card cell ${index}`).not.toBeNull();
          expect(box.x + box.width).toBeLessThanOrEqual(width);
        }
        for (const index of [1, 3, 6, 7]) await expect(cells.nth(index)).toBeHidden();
        const messages = await cells.nth(2).evaluate((cell) => `${cell.textContent}${getComputedStyle(cell, '::after').content}`);
        expect(messages).toMatch(/^\d[\d,]*" messages?"$/);
        // Name above messages, status above last active.
        const [name, count] = [await cells.nth(0).boundingBox(), await cells.nth(2).boundingBox()];
        expect(count.y).toBeGreaterThan(name.y + name.height - 2);
      }
      await page.screenshot({ path: path.join(ARTIFACTS, `users-tab-${width}-${colorScheme}.png`), fullPage: true });
      await page.close();
    }
  }
});

test('on a phone no page scrolls sideways: a learner and Settings too', async ({ browser }) => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const width = 390;
  for (const colorScheme of ['light', 'dark']) {
    const page = await browser.newPage({ viewport: { width, height: 844 }, colorScheme, storageState: AUTH_STATE });
    for (const [name, route, ready] of [
      ['learner', `${TAB}/zoe?period=7d&tz=UTC`, 'learner-name'],
      ['settings', '/settings', 'account-row'],
    ]) {
      await page.goto(`${process.env.PULSE_URL}${route}`);
      await expect(page.getByTestId(ready).first()).toBeVisible();
      expect(await page.evaluate(() => document.documentElement.scrollWidth), `${name} ${colorScheme}`)
        .toBeLessThanOrEqual(width);
      await page.screenshot({ path: path.join(ARTIFACTS, `${name}-${width}-${colorScheme}.png`), fullPage: true });
    }
    await page.close();
  }
});

test('user text is shown as text, never run as HTML or a formula', async ({ page }) => {
  const { url, ingestKey } = serverState();
  const html = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
  await api(url, ingestKey, 'POST', '/api/v1/events', [
    { id: `xss-${Date.now()}`, type: 'message', agent_id: AGENT.id, user_id: 'mallory', at: new Date().toISOString(), username: html, name: '=HYPERLINK("http://x")' },
  ]);
  await page.goto(`${TAB}?period=today&tz=UTC&q=hyperlink`);
  const row = page.getByTestId('user-row').first();
  await expect(row.locator('.cell').first()).toHaveText('=HYPERLINK("http://x")');
  await expect(row.locator('.cell').nth(1)).toHaveText(html);
  await page.getByTestId('trend-canvas').hover();
  expect(await page.evaluate(() => window.__xss)).toBeUndefined();
  expect(await page.locator('img[src=x]').count()).toBe(0);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  const csv = fs.readFileSync(await download.path(), 'utf8');
  expect(csv).toContain(`"'=HYPERLINK(""http://x"")"`);
});

test('a learner without name or username shows their id, and search finds it', async ({ page }) => {
  const { table } = await apiFigures('period=30d&tz=UTC');
  const anonymous = table.users.filter((user) => !user.name && !user.username);
  expect(anonymous.length).toBeGreaterThan(0);
  await page.goto(`${TAB}?period=30d&tz=UTC`);
  const shown = page.getByTestId('user-id-only');
  await expect(shown).toHaveText(anonymous.map((user) => user.user_id));
  await page.getByTestId('user-search').fill(anonymous[0].user_id.slice(0, 5));
  await expect(page.getByTestId('user-row')).toHaveCount(1);
  await expect(page.getByTestId('user-row')).toContainText(anonymous[0].user_id);
});

test('the heatmap speaks of learners and learner-hours, with distinct totals', async ({ page }) => {
  const { url, readKey } = serverState();
  const heat = await api(url, readKey, 'GET', `/api/v1/agents/${AGENT.id}/users/heatmap?period=30d&tz=UTC`);
  const { overview } = await apiFigures('period=30d&tz=UTC');
  await page.goto(`${TAB}?period=30d&tz=UTC`);
  // The busiest cell as the page picks it: the largest learner-hours count.
  let best = null;
  heat.users.forEach((row, weekday) => row.forEach((value, hour) => {
    if (value > 0 && (!best || value > best.value)) best = { weekday, hour, value };
  }));
  const days = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
  const hours = (h) => `${String(h).padStart(2, '0')}:00–${String((h + 1) % 24).padStart(2, '0')}:00`;
  const times = heat.occurrences[best.weekday][best.hour];
  const headline = page.getByTestId('busiest');
  await expect(headline).toContainText(`Busiest: ${days[best.weekday]} ${hours(best.hour)}`);
  // Averaging off (the default): the sentence says the period's total.
  await expect(headline).toContainText(`: ${best.value.toLocaleString('en-US')} learner-hours in the period (${times} such hour`);
  await expect(headline).not.toContainText('per week');
  await expect(headline).not.toContainText('active users');
  // Averaging on: whole people per week (below one, "fewer than 1").
  await page.getByTestId('heat-average').click();
  await expect(page.getByTestId('heat-average')).toHaveAttribute('aria-pressed', 'true');
  const average = await api(url, readKey, 'GET', `/api/v1/agents/${AGENT.id}/users/heatmap?period=30d&tz=UTC`);
  let top = null;
  average.users.forEach((row, weekday) => row.forEach((value, hour) => {
    const perWeek = average.occurrences[weekday][hour] ? value / average.occurrences[weekday][hour] : 0;
    if (value > 0 && (!top || perWeek > top.perWeek)) top = { weekday, hour, value, perWeek };
  }));
  const people = top.perWeek < 1 ? 'fewer than 1' : Math.round(top.perWeek).toLocaleString('en-US');
  await expect(headline).toContainText(`Busiest: ${days[top.weekday]} ${hours(top.hour)}: ${people} learners per week on average (${top.value} learner-hours over ${average.occurrences[top.weekday][top.hour]} such hour`);
  await page.getByTestId('heat-average').click();
  // Distinct totals never exceed the period's active users; sums may.
  for (const total of [...heat.weekday_users, ...heat.hour_users]) expect(total).toBeLessThanOrEqual(overview.active_users);
  const canvas = page.getByTestId('heatmap-canvas');
  await canvas.focus();
  for (let i = 0; i <= best.weekday; i += 1) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Home');
  for (let i = 0; i < best.hour; i += 1) await page.keyboard.press('ArrowRight');
  const tip = page.getByTestId('heatmap-tooltip');
  await expect(tip).toContainText(`${days[best.weekday]}s: ${heat.weekday_users[best.weekday]} learners`);
  await expect(tip).toContainText(`${hours(best.hour)}: ${heat.hour_users[best.hour]} learners`);
});

test('on a phone the heatmap shows the whole week and reads by keyboard', async ({ browser }) => {
  const page = await browser.newPage({ viewport: { width: 390, height: 1600 }, storageState: AUTH_STATE });
  await page.goto(`${process.env.PULSE_URL}${TAB}?period=7d&tz=UTC`);
  await expect(page.getByTestId('card-active').locator('.card-value')).not.toHaveText('–');
  const canvas = page.getByTestId('heatmap-canvas');
  const box = await canvas.boundingBox();
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  await canvas.focus();
  await page.keyboard.press('ArrowRight'); // Monday 00:00
  await page.keyboard.press('ArrowRight'); // Tuesday, across
  await page.keyboard.press('ArrowDown'); // 01:00, down
  await expect(page.getByTestId('heatmap-tooltip')).toContainText('Tuesday 01:00–02:00');
  await page.close();
});

test('dates read alike everywhere: the browser language\'s format, in the zone chosen', async ({ page }) => {
  // The zone shown is Kathmandu (+05:45): wall clocks there, never UTC's.
  const zone = 'Asia/Kathmandu';
  await page.goto(`${TAB}?period=7d&tz=${zone}`);
  await expect(page.getByTestId('card-active').locator('.card-value')).not.toHaveText('–');
  // What Intl itself writes for a moment, in the style the page claims.
  const intl = (iso, options) => page.evaluate(([iso, options]) =>
    new Intl.DateTimeFormat(undefined, options).format(new Date(iso)), [iso, options]);
  const moment = { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone };
  const times = page.getByTestId('period-span').locator('time');
  await expect(times).toHaveCount(2);
  for (const time of await times.all()) {
    const iso = await time.getAttribute('datetime');
    await expect(time).toHaveText(await intl(iso, moment));
  }
  // The trend's last bucket (today, in that zone) in its tooltip: the whole date.
  const { url, readKey } = serverState();
  const trend = await api(url, readKey, 'GET', `/api/v1/agents/${AGENT.id}/users/trend?period=7d&tz=${zone}`);
  const last = trend.buckets[trend.buckets.length - 1];
  await page.getByTestId('trend-canvas').focus();
  await page.keyboard.press('End');
  const long = await intl(last.start, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: zone });
  await expect(page.getByTestId('trend-tooltip')).toContainText(long);
  // A learner's exact last activity (the title of the table's cell), same zone.
  const { users } = await api(url, readKey, 'GET', `/api/v1/agents/${AGENT.id}/users?period=7d&tz=${zone}`);
  const someone = users.find((user) => user.last_active);
  const cell = page.locator(`[data-testid="user-row"][data-user-id="${someone.user_id}"] time`);
  await page.getByTestId('user-search').fill(someone.user_id);
  await expect(cell).toHaveAttribute('title', await intl(someone.last_active, { ...moment, timeZoneName: 'short' }));
});

test('the follow-up chips say what they count, and together count every registered learner', async ({ page }) => {
  const { overview } = await apiFigures('period=today&tz=UTC');
  await page.goto(`${TAB}?period=today&tz=UTC`);
  const caption = page.getByTestId('status-caption');
  await expect(caption).toContainText('Every registered learner, by status now');
  await page.getByTestId('inactive-days').fill('30');
  await page.getByTestId('inactive-days').blur();
  await expect(caption).toContainText('the last 30 days, whatever the period');
  const counts = page.locator('.status-chip .status-count');
  await expect(counts).toHaveCount(5);
  await expect.poll(async () => (await counts.allInnerTexts())
    .reduce((sum, text) => sum + Number(text.replace(/\D/g, '')), 0)).toBe(overview.registered);
});

test('headers look finished: sort buttons styled as headers, no header cut short', async ({ page }) => {
  await page.goto('/');
  const sort = page.locator('table.agents th button.sort').first();
  await expect(sort).toBeVisible();
  const look = await sort.evaluate((button) => {
    const style = getComputedStyle(button);
    return { background: style.backgroundColor, border: style.borderTopWidth };
  });
  expect(look).toEqual({ background: 'rgba(0, 0, 0, 0)', border: '0px' });
  await page.goto(`${TAB}?period=7d&tz=UTC`);
  const heads = page.locator('.row.head [role="columnheader"] button');
  await expect(heads.first()).toBeVisible();
  const cut = await heads.evaluateAll((buttons) => buttons
    .filter((button) => button.scrollWidth > button.clientWidth + 1 || button.parentElement.scrollWidth > button.parentElement.clientWidth + 1)
    .map((button) => button.textContent));
  expect(cut).toEqual([]);
});

test('the Users tab\'s first figures come with the page, before any script runs', async ({ browser }) => {
  const query = 'period=7d&tz=UTC';
  const { overview } = await apiFigures(query);
  // With JavaScript off, a signed-in teacher sees the API's topline figures.
  const still = await browser.newContext({ javaScriptEnabled: false, storageState: AUTH_STATE });
  const page = await still.newPage();
  await page.goto(`${process.env.PULSE_URL}${TAB}?${query}`);
  const card = (id) => page.locator('#first-paint').getByTestId(id).locator('.card-value');
  await expect(card('card-active')).toHaveText(overview.active_users.toLocaleString('en-US'));
  await expect(card('card-registered')).toHaveText(overview.registered.toLocaleString('en-US'));
  await expect(card('card-messages')).toHaveText(overview.messages.toLocaleString('en-US'));
  await expect(card('card-active30')).toHaveText(overview.active_30d.toLocaleString('en-US'));
  await still.close();
  // Signed out, the page carries no figure.
  const outside = await browser.newContext({ javaScriptEnabled: false, storageState: { cookies: [], origins: [] } });
  const stranger = await outside.newPage();
  await stranger.goto(`${process.env.PULSE_URL}${TAB}?${query}`);
  await expect(stranger.locator('.card-value')).toHaveCount(0);
  await outside.close();
  // With it on, the app takes over: the first paint gone, one set of cards.
  const live = await browser.newPage({ storageState: AUTH_STATE });
  await live.goto(`${process.env.PULSE_URL}${TAB}?${query}`);
  await expect(live.getByTestId('user-row').first()).toBeVisible();
  await expect(live.locator('#first-paint')).toHaveCount(0);
  await expect(live.getByTestId('card-active')).toHaveCount(1);
  await expect(live.getByTestId('card-active').locator('.card-value')).toHaveText(overview.active_users.toLocaleString('en-US'));
  await live.close();
});
