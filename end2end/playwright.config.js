// Browser tests: Debian's Chromium (Playwright cannot download browsers
// here), one real `pulse serve` started by global-setup.js.
const { defineConfig } = require('@playwright/test');

module.exports = defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: 'test-results',
  globalSetup: require.resolve('./global-setup.js'),
  globalTeardown: require.resolve('./global-teardown.js'),
  use: {
    baseURL: process.env.PULSE_URL,
    // Signed in as an administrator by global-setup.js.
    storageState: require('./server').AUTH_STATE,
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        browserName: 'chromium',
        launchOptions: {
          // Debian's /usr/bin/chromium, started without a preloaded
          // libfaketime (scripts/test-at.sh; see chromium.sh).
          executablePath: require('node:path').join(__dirname, 'chromium.sh'),
          args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
        },
      },
    },
  ],
});
