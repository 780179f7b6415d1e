// Annotations on the trend and the agents table, in a real browser against
// a real server: a note added in the Users tab is found on the chart (its
// tooltip) and in the API; an .ics term calendar loads with `pulse
// annotations import`; every agent's row equals its own Users tab.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test, expect } = require('./fixtures');
const { AGENT, api, serverState, pulse } = require('./data');

const TAB = `/agents/${AGENT.id}/analytics/users`;

function today() {
  return new Date().toISOString().slice(0, 10);
}

async function apiGet(route) {
  const { url, readKey } = serverState();
  return api(url, readKey, 'GET', route);
}

test('a note added on the trend shows in its tooltip, in the API, and goes', async ({ page }) => {
  await page.goto(`${TAB}?period=7d&tz=UTC`);
  await expect(page.getByTestId('card-active').locator('.card-value')).not.toHaveText('–');
  await page.locator('details.notes summary').click();
  await page.getByTestId('note-date').fill(today());
  await page.getByTestId('note-label').fill('Agent prompt updated');
  await page.getByTestId('add-note').click();
  await expect(page.getByTestId('note-item')).toContainText(['Agent prompt updated']);
  const notes = await apiGet(`/api/v1/agents/${AGENT.id}/annotations`);
  const note = notes.find((n) => n.label === 'Agent prompt updated');
  expect(note).toMatchObject({ date: today() });
  // The last bucket (today) carries it; the first does not.
  await page.getByTestId('trend-canvas').focus();
  await page.keyboard.press('End');
  await expect(page.getByTestId('tooltip-note')).toHaveText('▲ Agent prompt updated');
  await page.keyboard.press('Home');
  await expect(page.getByTestId('trend-tooltip')).toBeVisible();
  await expect(page.getByTestId('tooltip-note')).toHaveCount(0);
  // Edit it: the same note (same id), a new label.
  await page.getByRole('button', { name: 'Edit note Agent prompt updated' }).click();
  await expect(page.getByTestId('note-label')).toHaveValue('Agent prompt updated');
  await page.getByTestId('note-label').fill('Agent prompt v2');
  await page.getByTestId('add-note').click();
  await expect(page.getByTestId('note-item')).toContainText(['Agent prompt v2']);
  const edited = await apiGet(`/api/v1/agents/${AGENT.id}/annotations`);
  expect(edited).toHaveLength(notes.length);
  expect(edited.find((n) => n.id === note.id).label).toBe('Agent prompt v2');
  await page.getByRole('button', { name: 'Remove note Agent prompt v2' }).click();
  await expect(page.getByTestId('note-item')).toHaveCount(notes.length - 1);
});

test('a term calendar loads with pulse annotations import', async ({ page }) => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'term-')), 'term.ics');
  const start = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
  const end = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
  fs.writeFileSync(file, `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:midterms@e2e\r\nDTSTART;VALUE=DATE:${start}\r\nDTEND;VALUE=DATE:${end}\r\nSUMMARY:Midterm week\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`);
  pulse(['annotations', 'import', file, '--agent', AGENT.id]);
  const notes = await apiGet(`/api/v1/agents/${AGENT.id}/annotations`);
  const midterms = notes.find((n) => n.id === 'midterms-e2e');
  expect(midterms.label).toBe('Midterm week');
  await page.goto(`${TAB}?period=7d&tz=UTC`);
  // The keys read the chart once its figures are there.
  await expect(page.getByTestId('card-active').locator('.card-value')).not.toHaveText('–');
  await expect(page.getByTestId('note-item')).toHaveCount(notes.length);
  await page.getByTestId('trend-canvas').focus();
  await page.keyboard.press('End');
  await expect(page.getByTestId('tooltip-note')).toHaveText('▲ Midterm week');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('tooltip-note')).toHaveText('▲ Midterm week');
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('tooltip-note')).toHaveCount(0);
});

test('the agents table: every row equals its agent\'s Users tab, and sorts', async ({ page }) => {
  await page.goto('/');
  const table = page.getByTestId('agent-list');
  await expect(table.getByTestId('agent-row').first()).toBeVisible();
  const tz = await table.getAttribute('data-tz');
  const ids = await table.getByTestId('agent-row').evaluateAll((rows) => rows.map((row) => row.dataset.agentId));
  expect(ids).toContain(AGENT.id);
  for (const id of ids) {
    const overview = await apiGet(`/api/v1/agents/${id}/users/overview?period=30d&tz=${encodeURIComponent(tz)}`);
    const row = table.locator(`[data-agent-id="${id}"]`);
    await expect(row.getByTestId('agent-active30')).toHaveText(overview.active_30d.toLocaleString('en-US'));
    await expect(row.getByTestId('agent-registered')).toHaveText(overview.registered.toLocaleString('en-US'));
    await expect(row.getByTestId('agent-messages')).toHaveText(overview.messages.toLocaleString('en-US'));
  }
  await page.getByTestId('agents-sort-messages').click();
  await page.getByTestId('agents-sort-messages').click();
  const shown = await table.getByTestId('agent-messages').evaluateAll((cells) => cells.map((c) => Number(c.textContent.replace(/\D/g, ''))));
  expect(shown).toEqual([...shown].sort((a, b) => b - a));
});
