// Playwright's `test` with one more check on every page: a walk fails on
// any 5xx answer, uncaught exception or console error. Answers of 4xx are
// what some walks cause on purpose (a wrong password, an unknown agent):
// Chromium logs each as "Failed to load resource", which is let through.
const base = require('@playwright/test');

const EXPECTED_4XX = /Failed to load resource: the server responded with a status of 4\d\d/;

const test = base.test.extend({
  page: async ({ page }, use) => {
    const problems = [];
    page.on('response', (response) => {
      if (response.status() >= 500) problems.push(`${response.status()} from ${response.url()}`);
    });
    page.on('console', (message) => {
      if (message.type() === 'error' && !EXPECTED_4XX.test(message.text())) {
        problems.push(`console error: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
    await use(page);
    base.expect(problems, 'no 5xx answers, console errors or uncaught exceptions').toEqual([]);
  },
});

module.exports = { test, expect: base.expect };
