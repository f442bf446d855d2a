/** The report's stylesheet and script, inlined: the file must open anywhere, offline. */

export const REPORT_CSS = `
:root { --crit:#b3001b; --high:#e0561b; --med:#c99700; --low:#2f7fc1; --info:#7a7f87; --line:#dde1e6; --bg:#f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1c2024; background: var(--bg); }
header { background: #14213d; color: #fff; padding: 20px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; opacity: .85; }
main { padding: 8px 32px 40px; max-width: 1600px; }
h2 { font-size: 17px; margin: 28px 0 10px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin-top: 16px; }
.card { background: #fff; border: 1px solid var(--line); border-left: 6px solid var(--info); border-radius: 6px; padding: 10px 16px; min-width: 130px; }
.card b { display: block; font-size: 26px; }
.card.critical { border-left-color: var(--crit); } .card.high { border-left-color: var(--high); }
.card.medium { border-left-color: var(--med); } .card.low { border-left-color: var(--low); }
.card.stat { border-left-color: #14213d; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
th { background: #eef0f3; font-weight: 600; white-space: nowrap; }
th[data-key] { cursor: pointer; user-select: none; }
th[aria-sort="ascending"]::after { content: " ▲"; } th[aria-sort="descending"]::after { content: " ▼"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.sev { display: inline-block; min-width: 64px; text-align: center; border-radius: 4px; padding: 1px 6px; color: #fff; font-weight: 600; font-size: 12px; }
.sev.critical { background: var(--crit); } .sev.high { background: var(--high); } .sev.medium { background: var(--med); }
.sev.low { background: var(--low); } .sev.info { background: var(--info); }
.status-unreachable, .status-skipped { color: var(--crit); font-weight: 600; }
.controls { display: flex; gap: 10px; align-items: center; margin-bottom: 8px; flex-wrap: wrap; }
.controls input { padding: 6px 8px; width: 320px; border: 1px solid #b9c0c8; border-radius: 4px; }
.controls select { padding: 5px; border: 1px solid #b9c0c8; border-radius: 4px; }
#count { color: #555; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
td code { overflow-wrap: anywhere; }
#findings-table td:nth-child(1), #findings-table td:nth-child(2), #findings-table td:nth-child(3) { white-space: nowrap; }
#findings-table td:nth-child(4) { min-width: 120px; } #findings-table td:nth-child(5) { min-width: 160px; }
#findings-table td:nth-child(6), #findings-table td:nth-child(7) { overflow-wrap: anywhere; }
#roles-table td:nth-child(1), #roles-table td:nth-child(2) { white-space: nowrap; }
#providers-table td { overflow-wrap: anywhere; } #providers-table td:first-child { white-space: nowrap; overflow-wrap: normal; }
.table-wrap { overflow-x: auto; }
details { background: #fff; border: 1px solid var(--line); border-radius: 6px; margin: 8px 0; }
details > summary { padding: 8px 12px; cursor: pointer; }
details .body { padding: 0 14px 12px; }
pre.policy { background: #0f1720; color: #d7dde5; padding: 12px; border-radius: 6px; overflow-x: auto; }
pre.policy .k { color: #8fc2ff; } pre.policy .v { color: #b5e3a1; }
pre.policy mark.decides { display: inline-block; background: #4a1a10; color: #ffd9cf; outline: 2px solid #ff7a59; border-radius: 3px; }
pre.diff { background: #fff; border: 1px solid var(--line); padding: 8px; }
.muted { color: #666; }
.warn { margin-top: 16px; background: #fff3f3; border: 1px solid #f0b4b4; border-radius: 6px; padding: 10px 14px; }
`;

/**
 * Sorting any `table.sortable` by a column (severity by rank), filtering the findings by text,
 * severity and account, and the roles by text.
 */
export const REPORT_JS = `
(function () {
  function rowsOf(table) { return Array.prototype.slice.call(table.tBodies[0].rows); }
  function filter(table, count, noun, test) {
    var rows = rowsOf(table);
    var shown = 0;
    rows.forEach(function (r) { r.hidden = !test(r); if (!r.hidden) shown++; });
    count.textContent = "Showing " + shown + " of " + rows.length + " " + noun;
  }
  function sortBy(table, th) {
    var key = th.getAttribute("data-key");
    var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir);
    var idx = th.cellIndex;
    var rows = rowsOf(table);
    rows.sort(function (a, b) {
      var x, y;
      if (key === "severity") { x = +a.getAttribute("data-rank"); y = +b.getAttribute("data-rank"); }
      else { x = a.cells[idx].textContent.toLowerCase(); y = b.cells[idx].textContent.toLowerCase(); }
      var c = x < y ? -1 : x > y ? 1 : 0;
      return dir === "ascending" ? c : -c;
    });
    rows.forEach(function (r) { table.tBodies[0].appendChild(r); });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      if (th.hasAttribute("data-key")) th.addEventListener("click", function () { sortBy(table, th); });
    });
  });
  var findings = document.getElementById("findings-table");
  var text = document.getElementById("filter");
  var sev = document.getElementById("severity-filter");
  var acct = document.getElementById("account-filter");
  function applyFindings() {
    var q = text.value.trim().toLowerCase();
    filter(findings, document.getElementById("count"), "findings", function (r) {
      return (!q || r.textContent.toLowerCase().indexOf(q) >= 0) &&
        (!sev.value || r.getAttribute("data-severity") === sev.value) &&
        (!acct.value || r.getAttribute("data-account") === acct.value);
    });
  }
  if (findings) {
    [text, sev, acct].forEach(function (el) { el.addEventListener("input", applyFindings); });
    applyFindings();
  }
  var roles = document.getElementById("roles-table");
  var roleText = document.getElementById("role-filter");
  function applyRoles() {
    var q = roleText.value.trim().toLowerCase();
    filter(roles, document.getElementById("role-count"), "roles", function (r) {
      return !q || r.textContent.toLowerCase().indexOf(q) >= 0;
    });
  }
  if (roles) { roleText.addEventListener("input", applyRoles); applyRoles(); }
  // A link to a role opens its section.
  function openTarget() {
    var t = location.hash && document.getElementById(location.hash.slice(1));
    if (t && t.tagName === "DETAILS") t.open = true;
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
`;
