// The page a host platform frames (docs/EMBED.md):
//   /embed/agents/{agent_id}/analytics/users?<the tab's query>#token=<JWT>
// Exchanges the signed token in the fragment (never sent to any server, so
// never in a log) for a session, then opens the same page without /embed.
// A refusal is shown as text, never as HTML.
"use strict";
(async () => {
  const status = document.querySelector("[data-testid=embed-status]");
  const refuse = (message, code) => {
    status.textContent = message;
    status.dataset.refused = String(code);
    status.classList.add("refused");
  };
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  const target = location.pathname.replace(/^\/embed(?=\/)/, "") + location.search;
  // The token leaves the address bar and the history at once.
  history.replaceState(null, "", location.pathname + location.search);
  const agent = /^\/agents\/([^/]+)\//.exec(target);
  if (!agent) {
    refuse("This address names no agent: frame /embed/agents/AGENT_ID/analytics/users.", 404);
    return;
  }
  if (!token) {
    refuse("No embedding token: the host page must put one in the frame's URL (#token=...).", 401);
    return;
  }
  let response;
  let answer;
  try {
    response = await fetch("/api/v1/embed/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token, agent: decodeURIComponent(agent[1]) }),
      credentials: "same-origin",
    });
    answer = await response.json();
  } catch (error) {
    refuse("Pulse could not be reached: " + error.message, 0);
    return;
  }
  if (!response.ok) {
    refuse("Pulse refused this page: " + answer.error + ".", response.status);
    return;
  }
  location.replace(target);
})();
