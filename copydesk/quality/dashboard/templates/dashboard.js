// Copydesk dashboard: sortable tables, and tables filtered by the link that opened the page
// ("articles.html#articles?date_category=repaired_inversion"). No data lives in this script:
// it reads the rows' data-* attributes, and writes only text (never HTML) into the page.
"use strict";

function cellValue(row, index) {
  const cell = row.cells[index];
  if (!cell) return "";
  return cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
}

function sortTable(table, index, header) {
  const body = table.tBodies[0];
  const rows = Array.from(body.rows).filter((row) => !row.classList.contains("empty-row"));
  const ascending = header.getAttribute("aria-sort") !== "ascending";
  const numeric = rows.every((row) => {
    const value = cellValue(row, index).replace(/,/g, "");
    return value === "" || value === "–" || !Number.isNaN(Number(value));
  });
  rows.sort((a, b) => {
    let x = cellValue(a, index);
    let y = cellValue(b, index);
    if (numeric) {
      x = Number(x.replace(/,/g, "")) || 0;
      y = Number(y.replace(/,/g, "")) || 0;
      return ascending ? x - y : y - x;
    }
    return ascending ? x.localeCompare(y) : y.localeCompare(x);
  });
  for (const th of header.parentNode.children) th.removeAttribute("aria-sort");
  header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  for (const row of rows) body.appendChild(row);
}

function makeSortable(table) {
  const headers = table.tHead ? table.tHead.rows[0].cells : [];
  Array.from(headers).forEach((header, index) => {
    header.tabIndex = 0;
    header.title = "sort";
    header.addEventListener("click", () => sortTable(table, index, header));
    header.addEventListener("keydown", (event) => {
      if (event.key === "Enter") sortTable(table, index, header);
    });
  });
}

function applyFilter() {
  const hash = decodeURIComponent(window.location.hash.slice(1));
  const [target, query] = hash.split("?");
  const status = document.getElementById("filter-status");
  for (const table of document.querySelectorAll("table.filterable")) {
    const filters = table.id === target && query ? new URLSearchParams(query) : null;
    let shown = 0;
    for (const row of table.tBodies[0].rows) {
      let match = true;
      if (filters) {
        for (const [key, value] of filters) {
          if ((row.getAttribute("data-" + key) || "") !== value) match = false;
        }
        if (row.classList.contains("empty-row")) match = false;
      }
      row.hidden = !match;
      if (match) shown += 1;
    }
    table.setAttribute("data-shown", String(shown));
    if (filters && status) {
      status.hidden = false;
      const described = Array.from(filters).map(([k, v]) => k + " = " + (v || "(empty)")).join(", ");
      status.textContent = shown + " " + table.id + " row" + (shown === 1 ? "" : "s") + " where " + described + ". ";
      const all = document.createElement("a");
      all.href = "#" + table.id;
      all.textContent = "Show all";
      status.appendChild(all);
      table.scrollIntoView();
    }
  }
  if (status && !(query && document.getElementById(target))) status.hidden = true;
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("table.sortable").forEach(makeSortable);
  if (document.querySelector("table.filterable")) {
    window.addEventListener("hashchange", applyFilter);
    applyFilter();
  }
  document.documentElement.setAttribute("data-ready", "true");
});
