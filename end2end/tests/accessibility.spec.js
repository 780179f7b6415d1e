// axe-core on every page (a share page too), in the light and the dark scheme: no serious or
// critical violation (contrast, roles, names, labels). The pages are read
// once they show their data, as a teacher sees them.
const AxeBuilder = require('@axe-core/playwright').default;
const { test, expect } = require('./fixtures');
const { AGENT, pulse } = require('./data');
const { AUTH_STATE } = require('../server');

const PAGES = [
  ['agents', '/', 'agent-list'],
  ['users tab', `/agents/${AGENT.id}/analytics/users?period=30d&tz=UTC`, 'user-row'],
  ['learner', `/agents/${AGENT.id}/analytics/users/zoe?period=30d&tz=UTC`, 'learner-name'],
  ['settings', '/settings', 'account-row'],
];

/** The serious and critical violations on the page, in words. */
async function violations(page) {
  const { violations: found } = await new AxeBuilder({ page }).analyze();
  return found
    .filter((violation) => ['serious', 'critical'].includes(violation.impact))
    .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
}

for (const colorScheme of ['light', 'dark']) {
  test(`no serious accessibility violation on any page, ${colorScheme} scheme`, async ({ browser }) => {
    // axe's builder needs pages of a context made for them.
    const outside = await browser.newContext({ colorScheme, storageState: { cookies: [], origins: [] } });
    const signedOut = await outside.newPage();
    await signedOut.goto(`${process.env.PULSE_URL}/login`);
    await expect(signedOut.getByTestId('login-submit')).toBeVisible();
    expect(await violations(signedOut), `sign-in page, ${colorScheme}`).toEqual([]);
    // A share page, as anyone holding the link sees it (rendered by the server).
    const link = pulse(['share', 'create', '--agent', AGENT.id, '--min-count', '2', '--tz', 'UTC']).split('\n')[0].trim();
    await signedOut.goto(`${process.env.PULSE_URL}${link}`);
    await expect(signedOut.getByTestId('shared-heatmap')).toBeVisible();
    expect(await violations(signedOut), `share page, ${colorScheme}`).toEqual([]);
    await outside.close();

    const inside = await browser.newContext({ colorScheme, storageState: AUTH_STATE });
    const page = await inside.newPage();
    for (const [name, route, ready] of PAGES) {
      await page.goto(`${process.env.PULSE_URL}${route}`);
      await expect(page.getByTestId(ready).first()).toBeVisible();
      expect(await violations(page), `${name}, ${colorScheme}`).toEqual([]);
    }
    await inside.close();
  });
}
