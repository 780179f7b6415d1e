// The superadministrator's settings: accounts and API keys.
const { test, expect } = require('./fixtures');
const { api, serverState } = require('./data');

test('a superadministrator creates an account and a key, then revokes the key', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('settings-link').click();
  await expect(page).toHaveURL(/\/settings$/);
  await page.getByTestId('new-username').fill('teacher-1');
  await page.getByTestId('new-password').fill('teacher password');
  // Agents are ticked by name, never typed.
  const choice = page.getByTestId('new-agents');
  await choice.getByRole('checkbox', { name: 'E2E Algebra Tutor' }).check();
  await page.getByTestId('create-account').click();
  const row = page.getByTestId('account-row').filter({ hasText: 'teacher-1' });
  await expect(row).toContainText('administrator');
  const granted = row.getByRole('group', { name: 'Agents of teacher-1' });
  await expect(granted.getByRole('checkbox', { name: 'E2E Algebra Tutor' })).toBeChecked();
  await expect(granted.getByRole('checkbox', { checked: true })).toHaveCount(1);
  // What was ticked is what was stored: the page read again shows it.
  await page.reload();
  await expect(page.getByTestId('account-row').filter({ hasText: 'teacher-1' })
    .getByRole('group', { name: 'Agents of teacher-1' }).getByRole('checkbox', { name: 'E2E Algebra Tutor' })).toBeChecked();

  // A key for one agent: ticked by name, the box greyed while "every agent" is on.
  const keyAgents = page.getByTestId('key-agents');
  await expect(keyAgents.getByRole('checkbox').first()).toBeDisabled();
  await page.getByTestId('key-every-agent').uncheck();
  await keyAgents.getByRole('checkbox', { name: 'E2E Algebra Tutor' }).check();
  await page.getByTestId('create-key').click();
  const oneAgent = await page.getByTestId('new-key').innerText();
  await expect(page.getByTestId('keys-table').locator('tr').filter({ hasText: oneAgent.slice(0, 16) }))
    .toContainText('e2e-tutor');
  await page.getByTestId('key-every-agent').check();

  await page.getByTestId('create-key').click();
  await expect(page.getByTestId('new-key')).not.toHaveText(oneAgent);
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
