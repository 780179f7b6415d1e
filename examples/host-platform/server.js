// A stand-in host platform (docs/EMBED.md): an agent's page with a header,
// an Analytics button and a Users tab that shows Pulse's Users tab in an
// iframe, with a token this server mints for its signed-in viewer. It runs
// on its own origin, as a teaching platform would.
//
//   PULSE_URL=http://localhost:3000 PULSE_EMBED_SECRET=... node server.js
//
// Settings (environment): HOST_PORT (default 8080, 0 picks a free one),
// HOST_INTEGRATION (the integration's name in Pulse, default "lms"), and
// the viewer this platform has signed in: HOST_VIEWER_ID, HOST_VIEWER_NAME,
// HOST_VIEWER_ROLE (admin or superadmin), HOST_AGENTS (comma-separated),
// HOST_SECTION (optional).
"use strict";
const http = require("node:http");
const { mint } = require("./mint-token");

const setting = (name, fallback) => process.env[name] || fallback;
const pulseUrl = setting("PULSE_URL", "http://localhost:3000").replace(/\/$/, "");
const secret = process.env.PULSE_EMBED_SECRET;
if (!secret) {
  console.error("set PULSE_EMBED_SECRET to the integration's shared secret");
  process.exit(2);
}
const viewer = {
  integration: setting("HOST_INTEGRATION", "lms"),
  viewerId: setting("HOST_VIEWER_ID", "teacher-1"),
  viewerName: setting("HOST_VIEWER_NAME", "Ada Teacher"),
  role: setting("HOST_VIEWER_ROLE", "admin"),
  agents: setting("HOST_AGENTS", "algebra-tutor").split(",").filter(Boolean),
  section: process.env.HOST_SECTION || undefined,
};

const escape = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

function agentPage(agent) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escape(agent)} · Host platform</title>
  <style>
    body { font-family: system-ui, sans-serif; margin: 0; }
    header { display: flex; gap: 1rem; align-items: center; padding: 1rem 1.5rem; border-bottom: 1px solid #ccc; }
    header h1 { font-size: 1.25rem; margin: 0; flex: 1; }
    nav { display: flex; gap: .5rem; padding: .5rem 1.5rem; }
    nav[hidden] { display: none; }
    #pulse { width: 100%; border: 0; display: block; height: 600px; }
  </style>
  <script src="/host.js" defer></script>
</head>
<body data-pulse-origin="${escape(new URL(pulseUrl).origin)}" data-agent="${escape(agent)}">
  <header>
    <h1 data-testid="host-agent-name">${escape(agent)}</h1>
    <button type="button" id="analytics" data-testid="host-analytics">Analytics</button>
  </header>
  <nav id="tabs" hidden>
    <button type="button" id="users-tab" data-testid="host-users-tab">Users</button>
  </nav>
  <main id="panel"></main>
</body>
</html>`;
}

// The page's script: the Users tab asks this server for a fresh token and
// frames Pulse with it in the URL's fragment (never sent to a server); the
// frame's height follows Pulse's messages, from Pulse's origin only.
const HOST_JS = `"use strict";
const pulseOrigin = document.body.dataset.pulseOrigin;
const agent = document.body.dataset.agent;
document.getElementById("analytics").addEventListener("click", () => {
  document.getElementById("tabs").hidden = false;
});
document.getElementById("users-tab").addEventListener("click", async () => {
  const answer = await fetch("/token?agent=" + encodeURIComponent(agent)).then((r) => r.json());
  const frame = document.createElement("iframe");
  frame.id = "pulse";
  frame.title = "Users";
  // The tab's own path under /embed, with this page's query (period, tz,
  // section); the token goes in the fragment.
  frame.src = pulseOrigin + "/embed/agents/" + encodeURIComponent(agent) + "/analytics/users" +
    location.search + "#token=" + encodeURIComponent(answer.token);
  document.getElementById("panel").replaceChildren(frame);
});
window.addEventListener("message", (event) => {
  if (event.origin !== pulseOrigin) return;
  const message = event.data;
  if (message && message.type === "pulse:height" && Number.isFinite(message.height)) {
    const frame = document.getElementById("pulse");
    if (frame) frame.style.height = message.height + "px";
  }
});
`;

const server = http.createServer((request, response) => {
  const url = new URL(request.url, "http://host");
  const send = (status, type, body) => {
    response.writeHead(status, { "Content-Type": type, "Cache-Control": "no-store" });
    response.end(body);
  };
  if (url.pathname === "/host.js") return send(200, "text/javascript", HOST_JS);
  if (url.pathname === "/token") {
    // A real platform checks here that its signed-in user may see the agent.
    const agent = url.searchParams.get("agent");
    if (!viewer.agents.includes(agent)) return send(403, "application/json", JSON.stringify({ error: "not your agent" }));
    return send(200, "application/json", JSON.stringify({ token: mint({ secret, ...viewer }) }));
  }
  const course = url.pathname.match(/^\/agents\/([A-Za-z0-9._-]+)$/);
  if (course) return send(200, "text/html; charset=utf-8", agentPage(course[1]));
  if (url.pathname === "/") {
    const links = viewer.agents.map((a) => `<li><a href="/agents/${escape(a)}">${escape(a)}</a></li>`).join("");
    return send(200, "text/html; charset=utf-8", `<!DOCTYPE html><title>Host platform</title><ul>${links}</ul>`);
  }
  send(404, "text/plain", "not found");
});

server.listen(Number(setting("HOST_PORT", "8080")), "127.0.0.1", () => {
  console.log(`host platform at http://127.0.0.1:${server.address().port}/ (Pulse at ${pulseUrl})`);
});
