// Small behaviours, kept out of the HTML so that pages need no inline script.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-print]");
  if (button) {
    event.preventDefault();
    window.print();
  }
});

// "Print all": the list opened with every row (up to 200) and #print prints once it has
// loaded; the address loses #print, so reloading or going back does not print again.
if (window.location.hash === "#print") {
  window.addEventListener("load", function () {
    history.replaceState(null, "", window.location.pathname + window.location.search);
    window.print();
  });
}

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
// (The user select is a searchable box: it says "change"; the text fields say "input".)
function ledgerResponsible(event) {
  var field = event.target.closest("[data-responsible]");
  if (!field || !field.value || !field.form) return;
  var other = field.getAttribute("data-responsible") === "user" ? "official" : "user";
  field.form.querySelectorAll('[data-responsible="' + other + '"]').forEach(function (input) {
    if (input.tomselect) input.tomselect.clear(true);
    else input.value = "";
  });
}
document.addEventListener("input", ledgerResponsible);
document.addEventListener("change", ledgerResponsible);

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

// Units, people and areas: a select with data-autocomplete-url lists only what is chosen; Tom
// Select (static/vendor/tom-select) turns it into a box that loads matching entries from that
// URL as the person types ({"results": [{"value", "text"}], "more"}), in the server's order.
// data-autocomplete-forward="unit=lead_unit" sends the form's lead_unit value along as ?unit=.
// Without JavaScript (or Tom Select) the plain select still submits what is chosen.
function ledgerAutocomplete(select) {
  if (typeof TomSelect === "undefined" || select.tomselect) return;
  var forward = (select.getAttribute("data-autocomplete-forward") || "")
    .split(",")
    .filter(Boolean)
    .map(function (pair) {
      return pair.split("=");
    });
  var more = false;
  // A filter's own choice drawn by the server (the items with no lead unit: "none") stays
  // offered beside each answer's entries while it matches what is typed.
  var fixed = Array.prototype.filter
    .call(select.options, function (option) {
      return option.value && !/^[0-9]+$/.test(option.value);
    })
    .map(function (option) {
      return option.value;
    });
  function url(query) {
    var params = new URLSearchParams({ q: query });
    forward.forEach(function (pair) {
      var other = select.form && select.form.elements[pair[1]];
      if (other && other.value) params.set(pair[0], other.value);
    });
    return select.getAttribute("data-autocomplete-url") + "?" + params.toString();
  }
  function text(name) {
    var div = document.createElement("div");
    div.className = name === "more" ? "dropdown-header small text-body-secondary" : "no-results";
    div.textContent = select.getAttribute("data-" + name);
    return div;
  }
  var multiple = select.multiple;
  var box = new TomSelect(select, {
    valueField: "value",
    labelField: "text",
    // The server matches names, short names and aliases and sorts them: keep its list whole.
    score: function () {
      return function () {
        return 1;
      };
    },
    sortField: [{ field: "$order" }],
    preload: "focus",
    loadThrottle: 250,
    maxOptions: null,
    placeholder: select.getAttribute("data-placeholder"),
    plugins: multiple ? ["remove_button"] : ["clear_button"],
    load: function (query, callback) {
      var self = this;
      fetch(url(query), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : { results: [], more: false };
        })
        .then(function (data) {
          // An answer to an earlier search (the first page asked on focus, a shorter word)
          // that arrives after the person typed on is dropped.
          if (query !== self.inputValue()) return callback();
          more = data.more;
          // Only this answer's entries stay offered, with what is chosen and the fixed choices
          // whose words hold what was typed.
          self.clearOptions(function (option, value) {
            var kept = fixed.indexOf(value) >= 0 && String(option.text).indexOf(query) >= 0;
            return kept || this.items.indexOf(value) >= 0;
          });
          callback(data.results);
        })
        .catch(function () {
          callback();
        });
    },
    render: {
      no_results: function () {
        return text("no-results");
      },
    },
    onLoad: function () {
      var footer = this.dropdown_content.querySelector(".ledger-more");
      if (footer) footer.remove();
      if (more) {
        var hint = text("more");
        hint.classList.add("ledger-more");
        this.dropdown_content.appendChild(hint);
      }
    },
  });
  // A forwarded field changed (another lead unit): forget what was loaded for the old one.
  forward.forEach(function (pair) {
    var other = select.form && select.form.elements[pair[1]];
    if (!other) return;
    other.addEventListener("change", function () {
      box.clearOptions();
      box.wrapper.classList.remove("preloaded");
    });
  });
}

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-autocomplete-url]").forEach(ledgerAutocomplete);
});

// An error page's "back to the previous page" button: shown only when there is a page to go
// back to (the home link beside it works without script).
document.addEventListener("DOMContentLoaded", function () {
  if (window.history.length < 2) return;
  document.querySelectorAll("[data-history-back]").forEach(function (button) {
    button.hidden = false;
  });
});
document.addEventListener("click", function (event) {
  if (!event.target.closest("[data-history-back]")) return;
  event.preventDefault();
  window.history.back();
});

// A job's page (/jobs/<id>/): ask its status every two seconds, move the bar, and load the
// page again when its state changes (started; ended: it then offers the file, or says it failed).
(function () {
  var card = document.querySelector("[data-job-status]");
  if (!card) return;
  var state = card.getAttribute("data-job-state");
  if (state === "done" || state === "failed") return;
  var url = card.getAttribute("data-job-status");
  var progress = card.querySelector("[data-job-progress]");
  var bar = progress && progress.querySelector(".progress-bar");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (!status) return window.setTimeout(poll, 5000);
        // Ended, or started: the page says so in words (and offers the file once done).
        if (status.state !== state) return window.location.reload();
        var percent = status.total ? Math.min(100, Math.floor((status.done * 100) / status.total)) : 0;
        if (bar) {
          bar.style.width = percent + "%";
          bar.textContent = percent + "%";
          progress.setAttribute("aria-valuenow", String(percent));
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
