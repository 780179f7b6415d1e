// Lighthouse 12 in its default setting, a phone's (simulated slow 4G,
// CPU slowed 4x), on the demo data: the Users tab of the largest agent,
// signed in, and a share link of it. Runs each page RUNS times (3) and
// prints a table for docs/BENCHMARKS.md. Started by scripts/lighthouse.sh.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import puppeteer from 'puppeteer-core';

const bin = process.env.PULSE_BIN;
if (!bin || !fs.existsSync(bin)) throw new Error(`PULSE_BIN must name the built pulse binary (got ${bin})`);
const runs = Number(process.env.RUNS || 3);
const agent = process.env.AGENT || 'algebra-tutor';
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pulse-lighthouse-'));
const database = `sqlite://${home}/pulse.db`;
const pulse = (args, input) => execFileSync(bin, [...args, '--database-url', database], {
  input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'inherit'],
});

pulse(['demo']);
const account = { username: 'lighthouse', password: 'a lighthouse password' };
pulse(['account', 'create', '--username', account.username, '--superadmin'], `${account.password}\n`);
const sharePath = pulse(['share', 'create', '--agent', agent, '--tz', 'America/New_York']).split('\n')[0].trim();

const server = spawn(bin, ['serve', '--addr', '127.0.0.1:0', '--database-url', database], {
  env: { ...process.env, RUST_LOG: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise((resolve, reject) => {
  let output = '';
  const timer = setTimeout(() => reject(new Error(`pulse serve did not start: ${output}`)), 30_000);
  server.stdout.on('data', (chunk) => {
    output += chunk;
    const match = output.match(/running at (http:\/\/[^\s]+?)\/?\s/);
    if (match) { clearTimeout(timer); resolve(match[1]); }
  });
});

// Signed in through the sign-in page, as a teacher is; Lighthouse resets
// the browser's storage before each run, so the session goes with every
// request as a header instead.
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  chromeFlags: ['--headless=new', '--no-sandbox'],
});
const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}` });
const signInPage = await browser.newPage();
await signInPage.goto(`${url}/login`);
await signInPage.waitForSelector('[data-testid="login-username"]');
await signInPage.type('[data-testid="login-username"]', account.username);
await signInPage.type('[data-testid="login-password"]', account.password);
await Promise.all([
  signInPage.waitForFunction(() => !location.pathname.startsWith('/login')),
  signInPage.click('[data-testid="login-submit"]'),
]);
const session = (await signInPage.cookies()).find((entry) => entry.name.includes('session'));
if (!session) throw new Error('the sign-in page gave no session');
const cookie = `${session.name}=${session.value}`;
await signInPage.close();
browser.disconnect();

const pages = [
  ['Users tab', `${url}/agents/${agent}/analytics/users?period=30d&tz=America/New_York`, { Cookie: cookie }],
  ['share page', `${url}${sharePath}`, undefined],
];
/** What the largest contentful paint was of, as Lighthouse names it. */
function lcpElement(lhr) {
  const details = lhr.audits['largest-contentful-paint-element']?.details;
  const node = details?.items?.[0]?.items?.[0]?.node;
  return node ? `${node.selector} ${node.snippet}`.slice(0, 160) : 'unknown';
}
const only = process.env.PAGES ? process.env.PAGES.split(',') : null;
const rows = [];
try {
  for (const [name, address, extraHeaders] of pages.filter(([name]) => !only || only.includes(name))) {
    for (let run = 1; run <= runs; run += 1) {
      const { lhr } = await lighthouse(address, {
        port: chrome.port, output: 'json', onlyCategories: ['performance'], extraHeaders, logLevel: 'error',
      });
      const audit = (id) => lhr.audits[id].numericValue;
      rows.push({
        page: name,
        run,
        score: Math.round(lhr.categories.performance.score * 100),
        lcp_ms: Math.round(audit('largest-contentful-paint')),
        tbt_ms: Math.round(audit('total-blocking-time')),
        cls: Number(audit('cumulative-layout-shift').toFixed(3)),
        fcp_ms: Math.round(audit('first-contentful-paint')),
        kib: Math.round(audit('total-byte-weight') / 1024),
        lcp_element: lcpElement(lhr),
      });
      console.log(JSON.stringify(rows[rows.length - 1]));
    }
  }
} finally {
  await chrome.kill();
  server.kill();
}
console.log('\n| page | run | score | LCP | TBT | CLS | FCP | transferred |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const row of rows) {
  console.log(`| ${row.page} | ${row.run} | ${row.score} | ${(row.lcp_ms / 1000).toFixed(1)} s | ${row.tbt_ms} ms | ${row.cls} | ${(row.fcp_ms / 1000).toFixed(1)} s | ${row.kib} KiB |`);
}
