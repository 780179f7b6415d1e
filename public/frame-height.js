// Inside a host platform's frame (docs/EMBED.md), tells the parent page the
// content's height whenever it changes, so the host needs no scrollbars.
// The message goes only to the origin that framed this page, which Pulse's
// Content-Security-Policy (frame-ancestors) has already checked against the
// configured host origins.
"use strict";
(() => {
  if (window.parent === window) return;
  const ancestors = location.ancestorOrigins;
  const parentOrigin = ancestors && ancestors.length > 0 ? ancestors[0] : null;
  if (!parentOrigin || parentOrigin === "null") return;
  let sent = 0;
  const report = () => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== sent) {
      sent = height;
      window.parent.postMessage({ type: "pulse:height", height }, parentOrigin);
    }
  };
  new ResizeObserver(report).observe(document.documentElement);
  window.addEventListener("load", report);
})();
