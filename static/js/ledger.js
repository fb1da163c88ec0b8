// Small behaviours, kept out of the HTML so that pages need no inline script.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-print]");
  if (button) {
    event.preventDefault();
    window.print();
  }
});

// A header checkbox ticks every row checkbox of the same name on the page.
document.addEventListener("change", function (event) {
  var all = event.target.closest("[data-select-all]");
  if (!all) return;
  var name = all.getAttribute("data-select-all");
  document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (box) {
    box.checked = all.checked;
  });
});

// A form with data-confirm asks before it submits (closing a year cannot be undone here).
document.addEventListener("submit", function (event) {
  var form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
});

// An export link says that it is working until the download starts (a few seconds for a
// large year), so that nobody clicks it again.
document.addEventListener("click", function (event) {
  var link = event.target.closest("a[data-busy]");
  if (!link || link.classList.contains("disabled")) return;
  var label = link.textContent;
  link.textContent = link.getAttribute("data-busy");
  link.classList.add("disabled");
  link.setAttribute("aria-disabled", "true");
  window.setTimeout(function () {
    link.textContent = label;
    link.classList.remove("disabled");
    link.removeAttribute("aria-disabled");
  }, 8000);
});

// The import preview: put every lead unit back to its suggestion, or clear them all.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-suggestions]");
  if (!button) return;
  var apply = button.getAttribute("data-suggestions") === "apply";
  document.querySelectorAll("select[data-suggested]").forEach(function (select) {
    select.value = apply ? select.getAttribute("data-suggested") : "";
  });
});

// The responsible person is a user of the lead unit or an official named without an account,
// never both: choosing a user empties the official's fields, typing a name unchooses the user.
document.addEventListener("input", function (event) {
  var field = event.target.closest("[data-responsible]");
  if (!field || !field.value || !field.form) return;
  var other = field.getAttribute("data-responsible") === "user" ? "official" : "user";
  field.form.querySelectorAll('[data-responsible="' + other + '"]').forEach(function (input) {
    input.value = "";
  });
});

// The import preview's corrections: a kind or area chosen is applied at once (the report is
// read again); typed details wait for their button, and confirming waits for them.
document.addEventListener("change", function (event) {
  var select = event.target.closest("select[data-autosubmit]");
  if (!select || !select.form) return;
  if (select.form.requestSubmit) select.form.requestSubmit();
  else select.form.submit();
});
document.addEventListener("input", function (event) {
  if (!event.target.closest("[data-correction]")) return;
  document.querySelectorAll("[data-confirm-import]").forEach(function (button) {
    button.disabled = true;
  });
  document.querySelectorAll("[data-corrections-pending]").forEach(function (note) {
    note.hidden = false;
  });
});
