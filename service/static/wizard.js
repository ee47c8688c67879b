// The setup wizard's ladder: move a career stage up or down in place with fetch
// (the forms still work without script).
document.addEventListener("DOMContentLoaded", () => {
  const ladder = document.querySelector("ol.ladder");
  if (!ladder) return;
  ladder.addEventListener("submit", async (event) => {
    const form = event.target.closest("form.ladder-move");
    if (!form) return;
    event.preventDefault();
    const key = form.elements.key.value;
    const direction = form.elements.direction.value;
    const response = await fetch(`/api/v1/wizards/${ladder.dataset.wizard}/ladder/moves`, {
      method: "POST",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": ladder.dataset.csrf},
      body: JSON.stringify({key, direction}),
    });
    if (!response.ok) { form.submit(); return; }
    const item = form.closest("li");
    if (direction === "up" && item.previousElementSibling) {
      ladder.insertBefore(item, item.previousElementSibling);
    } else if (direction === "down" && item.nextElementSibling) {
      ladder.insertBefore(item.nextElementSibling, item);
    }
    form.querySelector("button").focus();
  });
});
