// What every page shares: POSTs as JSON with their errors, the language switch, the
// duplicate and delete buttons, and errors shown beside the field they name. Text from the
// instance is only ever set as textContent.
"use strict";

async function send(url, body, raw) {
  const options = { method: "POST", credentials: "same-origin", headers: {} };
  if (raw !== undefined) {
    options.body = raw;
  } else {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body || {});
  }
  const response = await fetch(url, options);
  let data = null;
  try {
    data = await response.json();
  } catch (_) {
    data = { error: response.statusText, issues: [] };
  }
  if (!response.ok) {
    const error = new Error(data.error || response.statusText);
    error.issues = data.issues || [];
    error.status = response.status;
    throw error;
  }
  return data;
}

function element(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined && text !== null) made.textContent = String(text);
  return made;
}

// The message, then each issue as "path: message (hint)"; issues naming a field of the
// form (data-field) go beside it instead.
function showError(box, error, form) {
  const fields = form ? form.querySelectorAll(".field-errors") : [];
  fields.forEach((field) => field.replaceChildren());
  box.replaceChildren();
  if (!error) return;
  box.append(element("p", "title", error.message));
  const list = element("ul");
  for (const issue of error.issues || []) {
    const line = element("li");
    if (issue.path) line.append(element("code", "path", issue.path), ": ");
    line.append(issue.message);
    if (issue.hint) line.append(element("span", "hint", " — " + issue.hint));
    const beside = form && form.querySelector(`.field-errors[data-field="${CSS.escape(issue.path)}"]`);
    if (beside) beside.append(line);
    else list.append(line);
  }
  if (list.children.length) box.append(list);
}

function showQueue(lines) {
  const list = document.getElementById("queue-lines");
  if (!list) return;
  list.replaceChildren();
  if (!lines.length) list.append(element("li", "empty", list.dataset.empty));
  for (const line of lines) list.append(element("li", "", line));
}

// The queue on every page, asked every few seconds (a page following a solve hears it
// with each progress event too).
async function pollQueue() {
  try {
    const response = await fetch("/queue", { credentials: "same-origin" });
    if (response.ok) showQueue((await response.json()).lines);
  } catch (_) {
    // the server stopped: the page keeps what it showed
  }
}

document.addEventListener("DOMContentLoaded", () => {
  setInterval(pollQueue, 3000);
  document.getElementById("lang-switch").addEventListener("click", async (event) => {
    await send("/lang", { lang: event.target.dataset.lang });
    location.reload();
  });
  document.querySelectorAll("button.duplicate").forEach((button) =>
    button.addEventListener("click", async () => {
      const made = await send(`/days/${button.dataset.day}/duplicate`);
      location.assign(made.url);
    })
  );
  // A day (home page) or a draft (day page) is deleted once the organiser confirms it;
  // the page is then drawn again without it.
  document.querySelectorAll("button.delete").forEach((button) =>
    button.addEventListener("click", async () => {
      if (!confirm(button.dataset.confirm)) return;
      try {
        await send(button.dataset.url);
        location.reload();
      } catch (error) {
        alert(error.message);
      }
    })
  );
});
