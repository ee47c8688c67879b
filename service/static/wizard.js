// The setup wizard, enhanced (every form also works without script):
// - ladders: move a rung with its buttons in place, or drag it (the whole order is sent);
// - answers: choosing what an answer means applies it at once;
// - rules and weights: a live preview of their effect while a slider moves.
"use strict";

async function send(url, csrf, body, json = true) {
  return fetch(url, {
    method: json ? "PUT" : "POST",
    headers: json ? {"Content-Type": "application/json", "X-CSRF-Token": csrf}
                  : {"X-CSRF-Token": csrf},
    body: json ? JSON.stringify(body) : body,
  });
}

function ladderUrl(ladder) {
  return `/api/v1/wizards/${ladder.dataset.wizard}/answers/${ladder.dataset.vocabulary}/order`;
}

// The list's table of values follows the ladder's order once a move is kept.
function syncValues(ladder) {
  const body = ladder.closest("section").querySelector("table.values tbody");
  if (!body) return;
  const rows = new Map([...body.rows].map((row) => [row.dataset.key, row]));
  for (const item of ladder.children) {
    const row = rows.get(item.dataset.key);
    if (row) body.appendChild(row);
  }
}

function setUpLadder(ladder) {
  ladder.addEventListener("submit", async (event) => {
    const form = event.target.closest("form.ladder-move");
    if (!form) return;
    event.preventDefault();
    const key = form.elements.key.value;
    const direction = form.elements.direction.value;
    const response = await send(ladderUrl(ladder), ladder.dataset.csrf, {key, direction});
    if (!response.ok) { form.submit(); return; }
    const item = form.closest("li");
    if (direction === "up" && item.previousElementSibling) {
      ladder.insertBefore(item, item.previousElementSibling);
    } else if (direction === "down" && item.nextElementSibling) {
      ladder.insertBefore(item.nextElementSibling, item);
    }
    syncValues(ladder);
    form.querySelector("button").focus();
  });
  let dragged = null;
  ladder.addEventListener("dragstart", (event) => {
    dragged = event.target.closest("li");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.dataset.key);
    dragged.classList.add("dragging");
  });
  ladder.addEventListener("dragover", (event) => {
    const over = event.target.closest("li");
    if (!dragged || !over || over === dragged) return;
    event.preventDefault();
    const box = over.getBoundingClientRect();
    const after = event.clientY > box.top + box.height / 2;
    ladder.insertBefore(dragged, after ? over.nextElementSibling : over);
  });
  ladder.addEventListener("dragend", async () => {
    if (!dragged) return;
    dragged.classList.remove("dragging");
    dragged = null;
    const keys = [...ladder.children].map((li) => li.dataset.key);
    const response = await send(ladderUrl(ladder), ladder.dataset.csrf, {keys});
    if (!response.ok) window.location.reload();
    else syncValues(ladder);
  });
}

function setUpAnswers(table) {
  table.addEventListener("change", (event) => {
    const select = event.target.closest("form.assign select");
    if (select && select.value) select.form.requestSubmit();
  });
}

function setUpPreview(form) {
  const body = document.getElementById("preview-body");
  let timer = null;
  let asked = 0;
  async function refresh() {
    const ticket = ++asked;
    const response = await send(`/wizard/${form.dataset.wizard}/preview`, form.dataset.csrf,
                                new FormData(form), false);
    if (ticket !== asked) return;  // a newer preview is on its way
    body.innerHTML = response.ok ? await response.text()
      : '<p class="bad">The preview could not be computed; press “Keep” to see why.</p>';
    body.dataset.ticket = String(ticket);
  }
  form.addEventListener("input", (event) => {
    const output = document.getElementById(`show-${event.target.id.replace("weight-", "")}`);
    if (output && event.target.type === "range") {
      output.textContent = Number(event.target.value).toFixed(1).replace(/\.0$/, "");
    }
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("ol.ladder").forEach(setUpLadder);
  document.querySelectorAll("table.answers").forEach(setUpAnswers);
  const settings = document.getElementById("settings");
  if (settings) setUpPreview(settings);
});
