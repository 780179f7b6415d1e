// The superadministrator's settings: accounts and API keys.
const { test, expect } = require('./fixtures');
const { api, serverState } = require('./data');

test('a superadministrator creates an account and a key, then revokes the key', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('settings-link').click();
  await expect(page).toHaveURL(/\/settings$/);
  await page.getByTestId('new-username').fill('teacher-1');
  await page.getByTestId('new-password').fill('teacher password');
  await page.getByTestId('new-agents').fill('e2e-tutor');
  await page.getByTestId('create-account').click();
  const row = page.getByTestId('account-row').filter({ hasText: 'teacher-1' });
  await expect(row).toContainText('administrator');
  await expect(row.getByRole('textbox', { name: 'Agents of teacher-1' })).toHaveValue('e2e-tutor');

  await page.getByTestId('create-key').click();
  const secret = await page.getByTestId('new-key').innerText();
  expect(secret).toMatch(/^pk_read_[0-9a-f]{8}_[0-9a-f]{48}$/);
  const keys = page.getByTestId('keys-table');
  const line = keys.locator('tr').filter({ hasText: secret.slice(0, 16) });
  await expect(line).toContainText('every agent');
  await line.getByRole('button', { name: 'Revoke' }).click();
  await expect(line).toContainText('revoked');
  await expect(page.getByText(secret.slice(17))).toHaveCount(1); // only in the one-time notice
});

test('a superadministrator adds and renames agents', async ({ page }) => {
  await page.goto('/settings');
  await page.getByTestId('new-agent-id').fill('e2e-new-agent');
  await page.getByTestId('new-agent-name').fill('Brand New Agent');
  await page.getByTestId('create-agent').click();
  const name = page.getByRole('textbox', { name: 'Name of e2e-new-agent' });
  await expect(name).toHaveValue('Brand New Agent');
  await name.fill('Renamed Agent');
  await page.getByTestId('agents-table').locator('tr').filter({ has: name }).getByRole('button', { name: 'Rename' }).click();
  // Stored before the page is left (leaving could cancel the call).
  const { url, readKey } = serverState();
  await expect.poll(async () => (await api(url, readKey, 'GET', '/api/v1/agents'))
    .find((agent) => agent.agent_id === 'e2e-new-agent')?.name).toBe('Renamed Agent');
  await page.goto('/');
  await expect(page.getByTestId('agent-list')).toContainText('Renamed Agent');
});
