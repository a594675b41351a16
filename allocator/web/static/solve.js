// A solve's live progress (server-sent events, at least one a second) and its Stop
// button; `follow` calls `done(state)` once the solve has ended.
"use strict";

function follow(jobId, done) {
  const panel = document.getElementById("progress");
  const stopButton = document.getElementById("stop");
  panel.hidden = false;
  stopButton.disabled = false;
  stopButton.onclick = async () => {
    stopButton.disabled = true;
    await send(`/jobs/${jobId}/stop`);
  };
  const source = new EventSource(`/jobs/${jobId}/events`);
  source.onmessage = (event) => {
    const state = JSON.parse(event.data);
    document.getElementById("progress-state").textContent = state.label;
    document.getElementById("progress-elapsed").textContent =
      `${panel.dataset.elapsed} ${state.elapsed.toFixed(1)} s`;
    const shown = (value) => (value === null || value === undefined ? "—" : value.toLocaleString());
    document.getElementById("progress-best").textContent = `${panel.dataset.best} ${shown(state.objective)}`;
    document.getElementById("progress-bound").textContent = `${panel.dataset.proven} ${shown(state.bound)}`;
    document.getElementById("progress-announce").textContent = state.announce || "";
    panel.dataset.state = state.state;
    showQueue(state.queue);
    if (state.finished) {
      source.close();
      stopButton.disabled = true;
      if (state.message || state.details.length) {
        showError(document.getElementById("progress-error"), {
          message: state.message || "",
          issues: state.details.map((line) => ({ path: "", message: line })),
        });
      }
      done(state);
    }
  };
}

async function startSolve(url, body, done) {
  const errorBox = document.getElementById("progress-error");
  showError(errorBox, null);
  try {
    const job = await send(url, body);
    follow(job.job, done);
  } catch (error) {
    document.getElementById("progress").hidden = false;
    showError(errorBox, error);
  }
}
