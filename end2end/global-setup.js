const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('@playwright/test');
const { STATE_FILE, AUTH_STATE, ADMIN, createKey, createAccount, startServer, freshHome } = require('./server');
const { seed } = require('./tests/data');

module.exports = async function globalSetup() {
  const { home, databaseUrl } = freshHome();
  const ingestKey = createKey(databaseUrl, 'ingest');
  const readKey = createKey(databaseUrl, 'read');
  createAccount(databaseUrl, ADMIN);
  const { child, url } = await startServer(home);
  process.env.PULSE_URL = url;
  await seed(url, ingestKey);
  await signIn(url);
  fs.mkdirSync(path.dirname(STATE_FILE), { recursive: true });
  fs.writeFileSync(STATE_FILE, JSON.stringify({ url, pid: child.pid, home, databaseUrl, ingestKey, readKey }));
  child.unref();
  child.stdout.destroy();
};

/** Signs the administrator in once; the tests reuse the browser state. */
async function signIn(url) {
  const browser = await chromium.launch({
    executablePath: path.join(__dirname, 'chromium.sh'),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  const page = await browser.newPage();
  await page.goto(`${url}/login`);
  await page.getByTestId('login-username').fill(ADMIN.username);
  await page.getByTestId('login-password').fill(ADMIN.password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(`${url}/`);
  await page.context().storageState({ path: AUTH_STATE });
  await browser.close();
}
