// mentormatch service: progressive enhancement only (every page works without it).
// 1. A job page polls its job and moves to what it made (a draft, an answer) when done.
// 2. Filter selects on the results table submit their form on change.
"use strict";

function pollJob(box) {
  const url = box.dataset.jobUrl;
  const doneUrl = box.dataset.doneUrl;
  const bar = box.querySelector("progress");
  const text = box.querySelector("[data-job-message]");
  const status = box.querySelector("[data-job-status]");
  async function tick() {
    let job;
    try {
      const response = await fetch(url, {headers: {"Accept": "application/json"},
                                         credentials: "same-origin"});
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      job = await response.json();
    } catch (error) {
      text.textContent = "Could not read the job's progress (" + error.message + "); retrying.";
      setTimeout(tick, 2000);
      return;
    }
    bar.value = job.stage;
    text.textContent = job.message;
    status.textContent = job.status;
    if (job.status === "done") {
      window.location.assign(doneUrl);
    } else if (job.status === "failed" || job.status === "cancelled") {
      window.location.reload();
    } else {
      setTimeout(tick, 700);
    }
  }
  setTimeout(tick, 500);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-job-url]").forEach(pollJob);
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form.requestSubmit());
  });
});
