// The day page: solve it (and follow a solve already running after a reload), and edit
// its instance, every error naming its field.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("day");
  const day = root.dataset.day;
  const finished = (state) => {
    if (state.plan) location.assign(state.plan);
  };
  if (root.dataset.job) follow(root.dataset.job, finished);
  document.getElementById("solve").addEventListener("click", () => {
    const limit = Number(document.getElementById("time-limit").value);
    startSolve(`/days/${day}/solve`, { kind: "solve", time_limit: limit }, finished);
  });
  document.getElementById("save").addEventListener("click", async () => {
    const errorBox = document.getElementById("instance-error");
    const saved = document.getElementById("saved");
    saved.textContent = "";
    try {
      await send(`/days/${day}/instance`, undefined, document.getElementById("instance").value);
      showError(errorBox, null);
      saved.textContent = saved.dataset.saved;
    } catch (error) {
      showError(errorBox, error);
    }
  });
});
