// Browser performance measurements (not assertions): run with
//   cd end2end && npx playwright test -c perf.config.js
// after scripts/test.sh has built the server and the wasm; numbers go to
// docs/BENCHMARKS.md.
const base = require('./playwright.config.js');

module.exports = { ...base, testDir: './perf', testMatch: '**/*.perf.js', timeout: 180_000 };
