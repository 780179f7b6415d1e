// The app shell through the whole stack: SPA, client-side routing, and data
// read from the database through server functions.
const { test, expect } = require('./fixtures');
const { AGENT, OTHER_AGENT } = require('./data');

test('lists the agents stored in the database', async ({ page }) => {
  await page.goto('/');
  const list = page.getByTestId('agent-list');
  await expect(list.getByText(AGENT.name)).toBeVisible();
  await expect(list.getByText(OTHER_AGENT.name)).toBeVisible();
});

test('navigates to an agent and back without reloading, and survives a reload', async ({ page }) => {
  await page.goto('/');
  // A marker on window disappears if the page is loaded again.
  await page.evaluate(() => { window.__stillTheSamePage = true; });
  // An agent opens at its Users tab, under the agent's header.
  await page.getByText(AGENT.name).click();
  await expect(page).toHaveURL(new RegExp(`/agents/${AGENT.id}/analytics/users$`));
  await expect(page.getByTestId('agent-name')).toHaveText(AGENT.name);
  await expect(page.getByTestId('users-tab')).toBeVisible();
  await page.goBack();
  await expect(page.getByTestId('agent-list')).toBeVisible();
  expect(await page.evaluate(() => window.__stillTheSamePage)).toBe(true);

  await page.goto(`/agents/${AGENT.id}/analytics/users`);
  await page.reload();
  await expect(page.getByTestId('agent-name')).toHaveText(AGENT.name);
  await expect(page.getByTestId('users-tab')).toBeVisible();
});

test('an unknown address shows a not-found page', async ({ page }) => {
  await page.goto('/no/such/page');
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});
