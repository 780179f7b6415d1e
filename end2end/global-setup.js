const fs = require('node:fs');
const path = require('node:path');
const { STATE_FILE, createKey, startServer, freshDatabaseUrl } = require('./server');
const { seed } = require('./tests/data');

module.exports = async function globalSetup() {
  const databaseUrl = freshDatabaseUrl();
  const ingestKey = createKey(databaseUrl, 'ingest');
  const readKey = createKey(databaseUrl, 'read');
  const { child, url } = await startServer(databaseUrl);
  process.env.PULSE_URL = url;
  await seed(url, ingestKey);
  fs.mkdirSync(path.dirname(STATE_FILE), { recursive: true });
  fs.writeFileSync(STATE_FILE, JSON.stringify({ url, pid: child.pid, databaseUrl, ingestKey, readKey }));
  child.unref();
  child.stdout.destroy();
};
