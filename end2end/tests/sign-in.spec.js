// Signing in and out: the dashboard is for its administrators only.
const { test, expect } = require('./fixtures');
const { ADMIN } = require('../server');
const { AGENT } = require('./data');

test.describe('signed out', () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test('a signed-out browser is sent to sign in, then back where it was going', async ({ page }) => {
    await page.goto(`/agents/${AGENT.id}/analytics/users?period=30d`);
    await expect(page).toHaveURL(/\/login\?next=/);
    await page.getByTestId('login-username').fill(ADMIN.username);
    await page.getByTestId('login-password').fill('not the password');
    await page.getByTestId('login-submit').click();
    await expect(page.getByTestId('login-error')).toHaveText('Wrong username or password.');
    await page.getByTestId('login-password').fill(ADMIN.password);
    await page.getByTestId('login-submit').click();
    await expect(page).toHaveURL(new RegExp(`/agents/${AGENT.id}/analytics/users\\?period=30d`));
    await expect(page.getByTestId('signed-in-as')).toContainText(ADMIN.username);
    await page.getByTestId('sign-out').click();
    await expect(page).toHaveURL(/\/login/);
    await page.goto('/');
    await expect(page).toHaveURL(/\/login/);
  });

  test('a signed-out visit calls nothing that refuses it', async ({ page }) => {
    const refused = [];
    page.on('response', (response) => {
      if (response.status() >= 400) refused.push(`${response.status()} ${response.url()}`);
    });
    await page.goto('/');
    await expect(page).toHaveURL(/\/login\?next=/);
    await expect(page.getByTestId('login-submit')).toBeVisible();
    expect(refused).toEqual([]);
  });

  for (const next of ['/\\evil.example/phish', '%2F%09%2Fevil.example', '%2F%5C%5Cevil.example', 'https://evil.example/', '//evil.example/x', '/%2F%2Fevil.example']) {
    test(`sign-in never leaves this site (next=${next})`, async ({ page, baseURL }) => {
      await page.goto(`/login?next=${next}`);
      await page.getByTestId('login-username').fill(ADMIN.username);
      await page.getByTestId('login-password').fill(ADMIN.password);
      await page.getByTestId('login-submit').click();
      await page.waitForURL((url) => !url.pathname.startsWith('/login'));
      expect(new URL(page.url()).origin).toBe(new URL(baseURL).origin);
    });
  }
});
