// The share page's Print button: the page runs no other script, and is
// whole without this one (the browser's own Print does the same).
for (const button of document.querySelectorAll('[data-print]')) {
  button.hidden = false;
  button.addEventListener('click', () => window.print());
}
