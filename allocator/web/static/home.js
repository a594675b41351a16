// The home page: a file becomes a day (sent as the request's body, its name in the URL:
// the server reads it in memory), or an example does.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("upload");
  const errorBox = document.getElementById("upload-error");
  // A file dropped anywhere on the form is the file to send.
  form.addEventListener("dragover", (event) => event.preventDefault());
  form.addEventListener("drop", (event) => {
    event.preventDefault();
    if (event.dataTransfer.files.length) document.getElementById("upload-file").files = event.dataTransfer.files;
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = document.getElementById("upload-file").files[0];
    if (!file) return;
    const query = new URLSearchParams({ name: file.name });
    if (!/\.json$/i.test(file.name)) {
      query.set("groups", document.getElementById("upload-groups").value);
      query.set("rounds", document.getElementById("upload-rounds").value);
    }
    try {
      showError(errorBox, null, form);
      const made = await send(`/days?${query}`, undefined, file);
      location.assign(made.url);
    } catch (error) {
      showError(errorBox, error, form);
    }
  });
  document.querySelectorAll("button.example").forEach((button) =>
    button.addEventListener("click", async () => {
      const made = await send("/examples", { name: button.dataset.name });
      location.assign(made.url);
    })
  );
});
