// The day page: shape the day in forms (or as JSON text, the two kept in step), save it
// with every error beside its field, and solve it, following a solve already running
// after a reload.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("day");
  const day = root.dataset.day;
  const said = JSON.parse(document.getElementById("said-data").textContent);
  const text = document.getElementById("instance");
  const errorBox = document.getElementById("instance-error");
  const saved = document.getElementById("saved");
  const finished = (state) => {
    if (state.plan) location.assign(state.plan);
  };
  if (root.dataset.job) follow(root.dataset.job, finished);
  document.getElementById("solve").addEventListener("click", () => {
    const limit = Number(document.getElementById("time-limit").value);
    startSolve(`/days/${day}/solve`, { kind: "solve", time_limit: limit }, finished);
  });

  Shape.start(document.getElementById("shape"), said, JSON.parse(text.value), (instance) => {
    text.value = JSON.stringify(instance, null, 2);
    saved.textContent = "";
  });
  text.addEventListener("change", () => {
    try {
      Shape.replace(JSON.parse(text.value));
      showError(errorBox, null);
    } catch (error) {
      showError(errorBox, { message: `${said.json_error}: ${error.message}`, issues: [] });
    }
  });
  document.querySelectorAll("button.save").forEach((button) =>
    button.addEventListener("click", async () => {
      saved.textContent = "";
      try {
        await send(`/days/${day}/instance`, undefined, text.value);
        showError(errorBox, null);
        Shape.showIssues([]);
        saved.textContent = said.saved;
      } catch (error) {
        const rest = Shape.showIssues(error.issues || []);
        showError(errorBox, { message: error.message, issues: rest });
        const first = document.querySelector("#shape .has-error");
        (first || errorBox).scrollIntoView({ block: "center" });
      }
    })
  );
});
