// One program to deploy: the server under test is the release binary
// alone, copied into an empty folder and started there with no settings
// (global-setup.js). Everything the browser tests load comes out of it,
// its static files precompressed and sent in the encoding asked for.
const fs = require('node:fs');
const http = require('node:http');
const { test, expect } = require('./fixtures');
const { serverState } = require('./data');

/** GET without any decoding: the status, headers and raw bytes on the wire. */
function rawGet(url, acceptEncoding) {
  return new Promise((resolve, reject) => {
    const headers = acceptEncoding ? { 'Accept-Encoding': acceptEncoding } : {};
    http.get(url, { headers }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

test('the binary alone serves the whole app from an empty folder', async ({ page }) => {
  const { url, home } = serverState();
  expect(fs.readdirSync(home).sort()).toEqual(['data', 'pulse']);
  await page.goto('/');
  await expect(page.getByTestId('agent-list')).toBeVisible();
  const index = await rawGet(`${url}/`);
  expect(index.status).toBe(200);
  expect(index.headers['cache-control']).toBe('no-cache');
});

test('the wasm and the JS are sent precompressed, as the client asks', async () => {
  const { url } = serverState();
  const index = (await rawGet(`${url}/`)).body.toString('utf8');
  const wasm = index.match(/\/pulse-frontend-[0-9a-f]+_bg\.wasm/)[0];
  const js = index.match(/\/pulse-frontend-[0-9a-f]+\.js/)[0];
  for (const asset of [wasm, js]) {
    const plain = await rawGet(`${url}${asset}`);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers['cache-control']).toContain('immutable');
    for (const [asked, sent] of [['br', 'br'], ['gzip', 'gzip'], ['gzip, deflate, br', 'br']]) {
      const encoded = await rawGet(`${url}${asset}`, asked);
      expect(encoded.headers['content-encoding'], `${asset} with ${asked}`).toBe(sent);
      expect(encoded.body.length).toBeLessThan(plain.body.length / 2);
    }
  }
});
