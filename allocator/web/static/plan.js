// The plan view: a tab per round, a card per group, drag to move or swap, locks, undo,
// the person search and their route, the quality and the organisation x group heat map.
// Every change goes to the server, which checks it with the library's evaluator and
// verifier and sends the whole view back; the page redraws from it.
"use strict";

const said = JSON.parse(document.getElementById("said-data").textContent);
let view = JSON.parse(document.getElementById("view-data").textContent);
let current = 0;
let searched = null;
let busy = false;

const planUrl = (number, tail) => `/days/${view.day}/plans/${number}${tail || ""}`;
const locked = () => new Set(view.locks.map((lock) => `${lock.round}|${lock.person}`));

function render() {
  const kind = said[`kind_${view.kind}`] || view.kind;
  document.getElementById("plan-title").textContent = `${said.plan} ${view.number} (${kind})`;
  const status = document.getElementById("plan-status");
  status.textContent = view.valid ? said.valid : `${said.invalid} (${view.violations.length})`;
  status.className = `status ${view.valid ? "valid" : "invalid"}`;
  document.getElementById("undo").disabled = !view.can_undo;
  renderTabs();
  renderRound();
  renderQuality();
  renderHeatmap();
  renderViolations();
  renderDownloads();
  renderRoute();
  const count = Number(document.body.dataset.rendered || 0) + 1;
  // What a test or the benchmark waits for: the view drawn again, and when the first one
  // was ready (milliseconds since the navigation began).
  if (count === 1) document.body.dataset.readyMs = performance.now().toFixed(1);
  document.body.dataset.rendered = String(count);
}

function renderTabs() {
  const tabs = document.getElementById("tabs");
  tabs.replaceChildren();
  view.rounds.forEach((round, index) => {
    const tab = element("button", "tab", round.name);
    tab.type = "button";
    tab.setAttribute("role", "tab");
    tab.setAttribute("aria-selected", String(index === current));
    tab.dataset.round = round.id;
    if (round.groups.some((group) => group.broken.length)) tab.classList.add("broken");
    if (searched !== null && round.groups.some((group) => group.members.includes(searched))) tab.classList.add("route");
    tab.addEventListener("click", () => {
      current = index;
      render();
    });
    tabs.append(tab);
  });
}

function renderRound() {
  const round = view.rounds[current];
  const seats = locked();
  const box = document.getElementById("groups");
  box.replaceChildren();
  for (const group of round.groups) {
    const card = element("article", "card");
    card.dataset.group = group.id;
    if (group.broken.length) card.classList.add("broken");
    if (group.members.length > 12) card.classList.add("wide");
    const title = element("h3", "", group.name);
    title.append(element("span", "count", ` ${group.members.length}`));
    card.append(title);
    if (group.visitor) card.append(element("p", "visitor", said.visitor_line.replace("{name}", () => group.visitor)));
    const list = element("ul", "members");
    for (const id of group.members) list.append(person(round.id, id, group.duties[id], seats));
    card.append(list);
    if (group.broken.length) {
      const rules = element("ul", "broken-rules");
      for (const broken of group.broken) rules.append(element("li", "", `[${broken.name}] ${broken.message}`));
      card.append(rules);
    }
    box.append(card);
  }
}

function person(roundId, id, duty, seats) {
  const [name, organisation, role] = view.people[id] || [id, "", ""];
  const item = element("li", "person");
  item.draggable = true;
  item.dataset.person = id;
  if (id === searched) item.classList.add("lit");
  item.append(element("span", "name", name));
  const meta = [organisation, role].filter(Boolean).join(" · ");
  if (meta) item.append(element("span", "meta", meta));
  if (duty) item.append(element("span", "badge", duty));
  const isLocked = seats.has(`${roundId}|${id}`);
  if (isLocked) item.classList.add("locked");
  const lock = element("button", "lock", isLocked ? said.locked : said.lock_short);
  lock.type = "button";
  lock.title = isLocked ? said.locked : said.lock;
  lock.setAttribute("aria-pressed", String(isLocked));
  lock.addEventListener("click", () => change("lock", { round: roundId, person: id, locked: !isLocked }));
  item.append(lock);
  return item;
}

function renderQuality() {
  const body = document.querySelector("#quality tbody");
  body.replaceChildren();
  for (const row of view.quality.rows) {
    const line = element("tr");
    row.forEach((cell) => line.append(element("td", "", cell)));
    body.append(line);
  }
  document.getElementById("verdict").textContent = view.quality.verdict;
  document.getElementById("met").textContent = view.quality.met;
}

// The heat map of the round shown, as plan.html draws it (counted by the library and sent
// with the view, so a drag redraws it); a round keeping the groups of another has none of
// its own (it would repeat that one's) and names that round.
function renderHeatmap() {
  const section = document.getElementById("mixing");
  section.hidden = !view.mixing;
  if (!view.mixing) return;
  const round = view.rounds[current];
  const box = document.getElementById("heatmap");
  box.replaceChildren();
  if (!round.heat) {
    box.append(element("p", "muted", said.mixing_kept.replace("{round}", () => round.keeps)));
    return;
  }
  box.append(element("h3", "", `${round.name} — ${said.group}`));
  if (round.heat.note) box.append(element("p", "muted", round.heat.note));
  if (round.heat.columns.length) box.append(heatTable(round.heat));
}

function heatTable(heat) {
  const table = element("table", "heat");
  const head = element("tr");
  head.append(element("th"));
  for (const column of heat.columns) {
    const cell = element("th", "", column.number);
    cell.title = column.name;
    head.append(cell);
  }
  table.append(head);
  for (const [organisation, counts] of heat.rows) {
    const line = element("tr");
    line.append(element("th", "org", organisation));
    counts.forEach((count, k) => {
      const cell = element("td", `h${Math.min(count, 4)}`, count);
      cell.dataset.group = heat.columns[k].number;
      line.append(cell);
    });
    table.append(line);
  }
  return table;
}

function renderViolations() {
  const section = document.getElementById("violations");
  const list = document.getElementById("violation-list");
  list.replaceChildren();
  section.hidden = view.valid;
  for (const violation of view.violations) list.append(element("li", "", `[${violation.name}] ${violation.message}`));
}

function renderDownloads() {
  const list = document.getElementById("downloads");
  list.replaceChildren();
  document.getElementById("no-download").hidden = view.valid;
  if (!view.valid) return;
  for (const name of [...view.files, "plan.zip"]) {
    const item = element("li");
    const link = element("a", "", name === "plan.zip" ? said.zip : name);
    link.href = planUrl(view.number, `/files/${encodeURIComponent(name)}`);
    link.setAttribute("download", name);
    link.dataset.file = name;
    item.append(link);
    list.append(item);
  }
}

function renderRoute() {
  const section = document.getElementById("route");
  section.hidden = searched === null;
  if (searched === null) return;
  document.getElementById("route-name").textContent = view.people[searched][0];
  const list = document.getElementById("route-list");
  list.replaceChildren();
  view.rounds.forEach((round, index) => {
    const group = round.groups.find((candidate) => candidate.members.includes(searched));
    const parts = [round.name, group ? group.name : said.absent];
    if (group && group.duties[searched]) parts.push(group.duties[searched]);
    if (group && group.visitor) parts.push(said.visitor_line.replace("{name}", () => group.visitor));
    const item = element("li", index === current ? "current" : "", parts.join(" — "));
    item.addEventListener("click", () => {
      current = index;
      render();
    });
    list.append(item);
  });
}

const plain = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();

function search(text) {
  const wanted = plain(text.trim());
  searched = null;
  if (wanted) {
    const found = Object.entries(view.people)
      .filter(([, fields]) => plain(fields[0]).includes(wanted))
      .sort((a, b) => a[1][0].localeCompare(b[1][0]));
    if (found.length) searched = found[0][0];
  }
  render();
}

async function change(action, body) {
  if (busy) return;
  busy = true;
  const began = performance.now();
  const errorBox = document.getElementById("edit-error");
  try {
    const shown = await send(planUrl(view.number, `/${action}`), body);
    showError(errorBox, null);
    if (shown.number !== view.number) history.replaceState(null, "", planUrl(shown.number));
    view = shown;
    render();
    // The round trip as the organiser sees it: request, check, redraw, and the frame painted.
    requestAnimationFrame(() =>
      setTimeout(() => {
        document.body.dataset.changeMs = (performance.now() - began).toFixed(1);
        document.body.dataset.changes = String(Number(document.body.dataset.changes || 0) + 1);
      })
    );
  } catch (error) {
    showError(errorBox, error);
  } finally {
    busy = false;
  }
}

function dragAndDrop() {
  const box = document.getElementById("groups");
  box.addEventListener("dragstart", (event) => {
    const item = event.target.closest(".person");
    if (!item) return;
    event.dataTransfer.setData("text/plain", item.dataset.person);
    event.dataTransfer.effectAllowed = "move";
  });
  box.addEventListener("dragover", (event) => {
    if (event.target.closest(".card")) event.preventDefault();
  });
  box.addEventListener("drop", (event) => {
    const card = event.target.closest(".card");
    if (!card) return;
    event.preventDefault();
    const moved = event.dataTransfer.getData("text/plain");
    const onto = event.target.closest(".person");
    const round = view.rounds[current].id;
    if (onto && onto.dataset.person !== moved) change("edit", { round, person: moved, with: onto.dataset.person });
    else if (!onto) change("edit", { round, person: moved, group: card.dataset.group });
  });
}

function finished(state) {
  if (state.plan) location.assign(state.plan);
}

document.addEventListener("DOMContentLoaded", () => {
  dragAndDrop();
  document.getElementById("search").addEventListener("input", (event) => search(event.target.value));
  document.getElementById("undo").addEventListener("click", () => change("undo", {}));
  const limit = () => Number(document.getElementById("time-limit").value);
  for (const kind of ["reoptimise", "repair"]) {
    document.getElementById(kind).addEventListener("click", () =>
      startSolve(`/days/${view.day}/solve`, { kind, plan: view.number, time_limit: limit() }, finished)
    );
  }
  render();
});
