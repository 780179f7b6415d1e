const fs = require('node:fs');
const { STATE_FILE } = require('./server');

module.exports = async function globalTeardown() {
  const { pid } = JSON.parse(fs.readFileSync(STATE_FILE, 'utf8'));
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
};
