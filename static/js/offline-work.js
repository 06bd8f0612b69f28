/* The work page while actions wait in the queue (static/js/offline-queue.js): the technician
 * sees at once what they did, marked « en attente d'envoi », and can go on (depart after an
 * arrival stamped offline, parts added, resolution); the page shows the same again when opened
 * later from the tablet's cache, until the server has it all.
 *
 * Offline, the catalogue search answers from the kept catalogue (the offline bundle).
 */
(function () {
  "use strict";

  var page = document.querySelector("[data-offline-job]");
  var queue = window.OfflineQueue;
  if (!page || !queue) return;
  var job = parseInt(page.dataset.offlineJob, 10);

  function mine(entry) { return entry.intervention === job; }

  function field(entry, name) {
    var value = queue.fieldValue(entry, name);
    return value === undefined ? "" : value;
  }

  function cell(text) {
    var td = document.createElement("td");
    td.textContent = text;
    return td;
  }

  function pendingRow(tbody, cells, entry, testid) {
    var empty = tbody.querySelector("[data-offline-empty]");
    if (empty) empty.hidden = true;
    if (tbody.querySelector("[data-offline-key='" + entry.key + "']")) return null;
    var row = document.createElement("tr");
    row.className = "offline-row-pending";
    row.dataset.offlineKey = entry.key;
    row.dataset.testid = testid;
    cells.forEach(function (text) { row.appendChild(cell(text)); });
    row.lastChild.appendChild(queue.pendingBadge());
    tbody.appendChild(row);
    return row;
  }

  function number(value) {
    var n = Number(String(value).replace(",", "."));
    return isNaN(n) ? 0 : n;
  }

  function money(value) {
    return number(value).toLocaleString(document.documentElement.lang || "fr", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + " €";
  }

  // --- visits -------------------------------------------------------------------------------

  queue.optimistic.arrive = function (entry) {
    if (!mine(entry)) return false;
    var tbody = document.querySelector("[data-offline-visits]");
    if (tbody) pendingRow(tbody, [queue.shortTime(entry.createdAt), "…", "", "", ""], entry, "visit-row-pending");
    var arrive = document.querySelector("form[data-offline-arrive]");
    if (arrive) arrive.hidden = true;
    var depart = document.querySelector("form[data-offline-depart]");
    if (depart) {
      var key = depart.querySelector("[data-offline-created-by]");
      if (key) key.value = entry.key;
      depart.querySelector("[data-offline-arrived-at]").textContent = queue.shortTime(entry.createdAt);
      depart.hidden = false;
    }
    return true;
  };

  queue.optimistic.depart = function (entry) {
    if (!mine(entry)) return false;
    var depart = document.querySelector("form[data-offline-depart]");
    if (depart) depart.hidden = true;
    var byKey = field(entry, "created_by_key");
    var row = byKey ? document.querySelector("[data-offline-key='" + byKey + "']") : document.querySelector("[data-offline-visits] tr:not([data-offline-empty]):last-child");
    if (row && row.children.length >= 4) {
      row.children[1].textContent = queue.shortTime(entry.createdAt);
      row.children[3].textContent = field(entry, "travel_km") + " km · " + field(entry, "travel_minutes") + " min";
      if (!row.querySelector(".offline-pending")) row.children[row.children.length - 1].appendChild(queue.pendingBadge());
      row.classList.add("offline-row-pending");
    }
    return true;
  };

  // --- parts --------------------------------------------------------------------------------

  function loadCatalogue() {
    return queue.bundle()
      .then(function (bundle) { return bundle.parts || []; })
      .catch(function () { return []; });
  }

  // The parts total with the lines waiting to be sent (the server's total, plus theirs).
  function updateTotal(tbody) {
    var cell = tbody.closest("table").querySelector("[data-offline-total]");
    if (!cell) return;
    var total = number(cell.dataset.offlineTotal);
    tbody.querySelectorAll("[data-offline-amount]").forEach(function (row) { total += number(row.dataset.offlineAmount); });
    cell.textContent = money(total);
  }

  queue.optimistic["part-add"] = function (entry, live) {
    if (!mine(entry)) return false;
    var tbody = document.querySelector("[data-offline-parts]");
    if (!tbody) return true;
    var partId = field(entry, "part");
    var show = function (reference, description, price) {
      var quantity = number(field(entry, "quantity") || "1");
      var row = pendingRow(tbody, [reference || "—", description, String(quantity).replace(".", ","), price === "" ? "" : money(price), price === "" ? "" : money(quantity * number(price)), ""], entry, "part-row-pending");
      if (row) {
        row.dataset.offlineAmount = price === "" ? "0" : String(quantity * number(price));
        row.children[2].className = row.children[3].className = row.children[4].className = "text-end";
        // The table has no actions column when the report is not editable.
        var columns = tbody.closest("table").querySelectorAll("thead th").length;
        while (row.children.length > columns) row.removeChild(row.children[row.children.length - 2]);
        if (columns >= 6) row.lastElementChild.appendChild(removeButton(tbody, entry, description));
        // Its removal may already wait too (the catalogue answers after the queue was shown).
        var removal = queue.entries().filter(function (e) { return e.kind === "part-remove" && field(e, "created_by_key") === entry.key; })[0];
        if (removal) markRemoved(row);
        updateTotal(tbody);
      }
    };
    if (partId) {
      loadCatalogue().then(function (parts) {
        var part = parts.filter(function (p) { return String(p.id) === String(partId); })[0] || {};
        show(part.reference || "", (field(entry, "description") || "").trim() || part.designation || "", part.unit_price || "");
      });
    } else {
      show("", field(entry, "description").trim(), field(entry, "unit_price") || "0");
    }
    // A new free line starts empty.
    var form = document.querySelector("form[data-offline-part-add]");
    if (form && live && !partId) {
      form.querySelector("[name=description]").value = "";
      form.querySelector("[name=unit_price]").value = "";
      form.querySelector("[name=quantity]").value = "1";
    }
    return true;
  };

  // The parts counter after the last action of this job the server took (the next removal is
  // based on it when the line's add has already gone).
  var partsVersion = null;
  document.addEventListener("offline:sent", function (event) {
    var answer = event.detail.answer || {};
    if (event.detail.entry.intervention === job && answer.versions && answer.versions.parts !== undefined) {
      partsVersion = String(answer.versions.parts);
    }
  });

  function markRemoved(row) {
    row.classList.add("offline-row-removed");
    row.dataset.testid = "part-row-removed";
    delete row.dataset.offlineAmount;
    var button = row.querySelector("[data-offline-remove]");
    if (button) button.hidden = true;
    if (!row.querySelector(".offline-pending")) row.lastElementChild.appendChild(queue.pendingBadge());
  }

  /* « Retirer » on a line added offline: while its add still waits in the queue, the add is
   * taken back (nothing is ever sent for the line); once the add is gone or on its way, a
   * removal is queued that names the line by the add's key (docs/offline.md, created_by_key). */
  function removeButton(tbody, entry, description) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-outline-danger";
    button.dataset.offlineRemove = "";
    button.dataset.testid = "part-remove-pending";
    button.textContent = tbody.dataset.labelRemove || "Remove";
    button.setAttribute("aria-label", button.textContent + " " + description);
    button.addEventListener("click", function () {
      button.disabled = true;
      var row = button.closest("tr");
      queue.withdraw(entry.key).then(function (withdrawn) {
        if (withdrawn) {
          row.parentNode.removeChild(row);
          updateTotal(tbody);
          if (!tbody.querySelector("tr:not([data-offline-empty])")) {
            var empty = tbody.querySelector("[data-offline-empty]");
            if (empty) empty.hidden = false;
          }
          return null;
        }
        return queue.queueAction({
          url: "/interventions/" + job + "/work/parts/0/remove/",
          label: button.textContent + " " + description,
          fields: [["version", partsVersion || field(entry, "version")], ["created_by_key", entry.key]],
        });
      }).catch(function () { button.disabled = false; });
    });
    return button;
  }

  queue.optimistic["part-remove"] = function (entry) {
    if (!mine(entry)) return false;
    var byKey = field(entry, "created_by_key");
    if (byKey) {
      var tbody = document.querySelector("[data-offline-parts]");
      var pending = document.querySelector("[data-offline-parts] [data-offline-key='" + byKey + "']");
      if (pending) { markRemoved(pending); updateTotal(tbody); }
      return true;
    }
    queue.formsFor(entry).forEach(function (form) {
      var row = form.closest("tr");
      if (!row) return;
      row.classList.add("offline-row-removed");
      form.hidden = true;
      if (!row.querySelector(".offline-pending")) row.lastElementChild.appendChild(queue.pendingBadge());
    });
    return true;
  };

  // --- outcome and signatures ----------------------------------------------------------------

  function outcome(entry, name) {
    if (!mine(entry)) return false;
    var line = document.querySelector("[data-offline-outcome]");
    if (line) {
      line.textContent = line.dataset[name];
      line.appendChild(queue.pendingBadge());
      line.hidden = false;
    }
    queue.formsFor(entry).forEach(function (form) {
      if (name === "labelFollowUp") queue.fillForm(form, entry.fields);
    });
    return true;
  }
  queue.optimistic.resolve = function (entry) { return outcome(entry, "labelResolved"); };
  queue.optimistic["follow-up"] = function (entry) { return outcome(entry, "labelFollowUp"); };

  queue.optimistic.submit = function (entry, live) {
    if (!mine(entry)) return false;
    document.dispatchEvent(new CustomEvent("offline:to-signature", { detail: { entry: entry, live: live } }));
    return false; // and the usual « en attente d'envoi » badge on the button
  };

  // --- the catalogue without network ----------------------------------------------------------

  var search = document.getElementById("part-search");
  var results = document.getElementById("part-results");
  var addForm = document.querySelector("form[data-offline-part-add]");
  if (search && results && addForm) {
    var timer = null;
    search.addEventListener("input", function () {
      if (navigator.onLine) return; // htmx asks the server
      clearTimeout(timer);
      timer = setTimeout(function () {
        var query = search.value.trim().toLowerCase();
        loadCatalogue().then(function (parts) {
          results.textContent = "";
          if (query.length < 2) return;
          parts.filter(function (p) {
            return (p.reference + " " + p.designation).toLowerCase().indexOf(query) !== -1;
          }).slice(0, 10).forEach(function (part) {
            results.appendChild(resultForm(part));
          });
        });
      }, 250);
    });
  }

  // The same form as the server's search results (_work_part_results.html), built from the
  // kept catalogue.
  function resultForm(part) {
    var form = document.createElement("form");
    form.method = "post";
    form.setAttribute("action", addForm.getAttribute("action"));
    form.className = "d-flex align-items-center gap-2 border rounded p-2 mb-2";
    form.dataset.testid = "part-result";
    var hidden = function (name, value) {
      var input = document.createElement("input");
      input.type = "hidden"; input.name = name; input.value = value;
      form.appendChild(input);
    };
    hidden("part", part.id);
    hidden("version", addForm.querySelector("[name=version]").value);
    var text = document.createElement("div");
    text.className = "flex-grow-1";
    var strong = document.createElement("strong");
    strong.textContent = part.reference;
    text.appendChild(strong);
    text.appendChild(document.createTextNode(" — " + part.designation));
    text.appendChild(document.createElement("br"));
    var small = document.createElement("small");
    small.className = "text-muted";
    small.textContent = money(part.unit_price);
    text.appendChild(small);
    form.appendChild(text);
    var quantity = addForm.querySelector("[name=quantity]").cloneNode();
    quantity.removeAttribute("id");
    quantity.value = "1";
    quantity.className = "form-control qty-input";
    quantity.setAttribute("aria-label", addForm.querySelector("label[for='" + addForm.querySelector("[name=quantity]").id + "']").textContent);
    form.appendChild(quantity);
    var button = addForm.querySelector("[type=submit]").cloneNode(true);
    button.className = "btn btn-primary";
    form.appendChild(button);
    return form;
  }
})();
