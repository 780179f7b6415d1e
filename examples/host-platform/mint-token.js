// Mints a Pulse embedding token (HS256) with Node's standard library:
// docs/EMBED.md, "Minting a token". Run it on the host platform's server,
// never in the browser: the secret must stay there.
"use strict";
const crypto = require("node:crypto");

const b64url = (data) => Buffer.from(data).toString("base64url");

/**
 * The token for one viewer: `agents` they may see (and `section`, to limit
 * them to one), valid for `lifetime` seconds (at most 600).
 */
function mint({ secret, integration, viewerId, viewerName, role, agents, section, lifetime = 300 }) {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: integration,
    sub: viewerId,
    name: viewerName,
    role,
    agents,
    iat: now,
    exp: now + lifetime,
    jti: crypto.randomUUID(),
  };
  if (section) claims.section = section;
  const signed = `${b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64url(JSON.stringify(claims))}`;
  const signature = crypto.createHmac("sha256", secret).update(signed).digest("base64url");
  return `${signed}.${signature}`;
}

module.exports = { mint };
