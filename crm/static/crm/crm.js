// Small behaviours the pages share; everything else is htmx attributes in templates.
document.addEventListener("keydown", (event) => {
  // "/" focuses the global search, as in most web applications.
  if (event.key === "/" && !["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName)) {
    const input = document.getElementById("global-search-input");
    if (input) { event.preventDefault(); input.focus(); }
  }
  if (event.key === "Escape") {
    const results = document.getElementById("global-search-results");
    if (results) results.innerHTML = "";
  }
});
document.addEventListener("click", (event) => {
  const results = document.getElementById("global-search-results");
  if (results && !event.target.closest("#global-search")) results.innerHTML = "";
});
