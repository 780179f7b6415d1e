// How the Users tab performs in Chromium with 50,000 users: navigation to
// all panels drawn, sorting and filtering the table, scrolling frame rate.
const { test, expect } = require('@playwright/test');
const { execFileSync } = require('node:child_process');
const { api, serverState } = require('../tests/data');

const AGENT = 'perf-agent';
const USERS = 50_000;

test.beforeAll(async () => {
  const { url, ingestKey } = serverState();
  const now = Date.now();
  for (let batch = 0; batch < USERS / 10_000; batch++) {
    const events = [];
    for (let n = 0; n < 10_000; n++) {
      const user = batch * 10_000 + n;
      events.push({
        id: `perf-${user}`, type: 'message', agent_id: AGENT, user_id: `u${user}`,
        username: `learner${user}`, name: `Learner ${user % 97} Number ${user}`,
        at: new Date(now - (user % (20 * 24 * 60)) * 60_000).toISOString(),
      });
    }
    await api(url, ingestKey, 'POST', '/api/v1/events', events);
  }
});

/** Milliseconds from running `action` in the page to the next painted frame. */
async function timeToPaint(page, action) {
  return page.evaluate(async (code) => {
    const start = performance.now();
    // eslint-disable-next-line no-new-func
    new Function(code)();
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    return performance.now() - start;
  }, action);
}

test('demo data: navigation to all four panels drawn', async ({ page }) => {
  const { databaseUrl } = serverState();
  execFileSync(process.env.PULSE_BIN, ['demo', '--database-url', databaseUrl], { stdio: 'ignore' });
  const times = [];
  for (let run = 0; run < 5; run++) {
    const started = Date.now();
    await page.goto(`/agents/algebra-tutor/analytics/users?period=30d&tz=America/New_York&run=${run}`);
    await expect(page.getByTestId('user-count')).toHaveText(/^\d+ of \d+ users$/, { timeout: 30_000 });
    await expect(page.getByTestId('card-active').locator('.card-value')).not.toHaveText('–');
    await expect(page.getByTestId('busiest')).toContainText('Busiest');
    times.push(Date.now() - started);
  }
  console.log(`PERF ${JSON.stringify({ demoNavigationToPanelsMs: times })}`);
});

test('50,000 users: load, sort, filter, scroll', async ({ page }) => {
  const results = {};
  const started = Date.now();
  await page.goto(`/agents/${AGENT}/analytics/users?period=30d&tz=UTC`);
  await expect(page.getByTestId('user-count')).toHaveText(`${USERS} of ${USERS} users`, { timeout: 60_000 });
  await expect(page.getByTestId('card-active').locator('.card-value')).not.toHaveText('–');
  results.navigationToPanelsMs = Date.now() - started;

  const sorts = [];
  for (const column of ['messages', 'name', 'last', 'days']) {
    sorts.push(await timeToPaint(page, `document.querySelector('[data-testid=sort-${column}]').click()`));
  }
  results.sortMs = sorts;
  const filters = [];
  for (const text of ['number 4', 'learner 13', '']) {
    filters.push(await timeToPaint(page, `
      const input = document.querySelector('[data-testid=user-search]');
      input.value = ${JSON.stringify(text)};
      input.dispatchEvent(new Event('input', { bubbles: true }));`));
  }
  results.filterMs = filters;
  await expect(page.getByTestId('user-count')).toHaveText(`${USERS} of ${USERS} users`);

  results.scroll = await page.evaluate(async () => {
    const body = document.querySelector('[data-testid=table-body]');
    let frames = 0;
    let longest = 0;
    let last = performance.now();
    const end = last + 3000;
    await new Promise((resolve) => {
      function step(now) {
        frames += 1;
        longest = Math.max(longest, now - last);
        last = now;
        body.scrollTop += 400;
        if (now < end) requestAnimationFrame(step); else resolve();
      }
      requestAnimationFrame(step);
    });
    return { fps: Math.round(frames / 3), longestFrameMs: Math.round(longest) };
  });
  console.log(`PERF ${JSON.stringify(results)}`);
});
