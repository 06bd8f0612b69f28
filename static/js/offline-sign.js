/* Signing without network (templates/interventions/_offline_sign.html).
 *
 * The customer is shown the summary the server will check (docs/offline.md §4): the job as kept
 * on the tablet (the offline bundle's `offline_summary`) with every waiting action of this job
 * applied in order, and the texts as typed. Its fingerprint is SHA-256 of its canonical JSON
 * (keys sorted at every level, no spaces), computed here with crypto.subtle. Both signatures
 * are queued with that summary, its fingerprint and the device's time; on replay the server
 * issues the report if its own summary has the same fingerprint, else refuses (a conflict
 * shown by the indicator, to read again and sign again online).
 */
(function () {
  "use strict";

  var template = document.getElementById("offline-sign-template");
  var queue = window.OfflineQueue;
  if (!template || !queue) return;
  var job = parseInt(template.dataset.job, 10);
  var onlineOnly = document.querySelector("[data-offline-online-only]");
  var isSignPage = !!onlineOnly;
  // The panel enters the page only when it is needed (no second signature form otherwise).
  var panel = null;
  var technicianForm = null;
  var customerForm = null;

  function ensurePanel() {
    if (panel) return;
    template.parentNode.insertBefore(template.content.cloneNode(true), template.nextSibling);
    panel = document.getElementById("offline-sign");
    technicianForm = panel.querySelector("[data-offline-sign-form=technician]");
    customerForm = panel.querySelector("[data-offline-sign-form=customer]");
    technicianForm.offlineExtraFields = signatureFields;
    customerForm.offlineExtraFields = signatureFields;
    panel.hidden = false;
    if (window.SignatureField) panel.querySelectorAll("[data-signature-field]").forEach(window.SignatureField.setup);
  }
  var current = null; // {summary, json, fingerprint}
  var wanted = false; // the technician went to the signatures offline

  // --- the summary --------------------------------------------------------------------------

  var PARIS = new Intl.DateTimeFormat("en-CA", {
    timeZone: "Europe/Paris", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });

  // "YYYY-MM-DDTHH:MM" in Europe/Paris, as the server's local_minute.
  function parisMinute(iso) {
    var parts = {};
    PARIS.formatToParts(new Date(iso)).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + "-" + parts.month + "-" + parts.day + "T" + parts.hour + ":" + parts.minute;
  }

  // As the server's decimal_text: "2", "1.5", "0.25".
  function decimalText(value) {
    var n = Number(String(value === undefined || value === "" ? "0" : value).replace(",", "."));
    return isNaN(n) ? String(value) : String(n);
  }

  var field = queue.fieldValue;

  function loadJob() {
    return queue.bundle()
      .then(function (bundle) {
        var found = (bundle.interventions || []).filter(function (j) { return j.id === job; })[0];
        if (!found) throw new Error("job not kept");
        return { job: found, catalogue: bundle.parts || [] };
      });
  }

  function texts() {
    var values = {};
    var form = document.getElementById("report-form");
    if (form) {
      form.querySelectorAll("[data-autosave]").forEach(function (f) { values[f.name] = f.value; });
      return values;
    }
    try {
      var stored = JSON.parse(localStorage.getItem("report-" + job) || "null");
      if (stored) return stored.texts;
    } catch (e) { /* no local copy */ }
    return values;
  }

  // The bundle's summary with this tablet's waiting actions applied, in the order they were made.
  function build(data) {
    var kept = data.job;
    var s = JSON.parse(JSON.stringify(kept.offline_summary));
    // Part lines with their ids (bundle `parts` is in the summary's order) to apply removals.
    var lines = kept.parts.map(function (line, index) { return { id: String(line.id), key: null, value: s.parts[index] }; });
    var visits = s.visits.map(function (visit) { return { key: null, value: visit }; });
    queue.entries().forEach(function (entry) {
      if (entry.intervention !== job) return;
      var kind = entry.kind;
      if (kind === "texts") {
        ["diagnostics", "work_done", "remarks"].forEach(function (name) {
          var value = field(entry, name);
          if (value !== undefined) s[name] = value;
        });
      } else if (kind === "arrive") {
        visits.push({ key: entry.key, value: { arrived_at: parisMinute(entry.createdAt), left_at: "", km: "0" } });
      } else if (kind === "depart") {
        var byKey = field(entry, "created_by_key");
        var match = /\/visits\/(\d+)\/depart\/$/.exec(entry.url);
        var visit = null;
        if (byKey) visit = visits.filter(function (v) { return v.key === byKey; })[0];
        else if (match && match[1] !== "0" && kept.open_visit && String(kept.open_visit.id) === match[1]) {
          var at = parisMinute(kept.open_visit.arrived_at);
          visit = visits.filter(function (v) { return v.value.arrived_at === at && !v.value.left_at; })[0];
        }
        if (!visit) visit = visits.filter(function (v) { return !v.value.left_at; }).pop();
        if (visit) {
          visit.value.left_at = parisMinute(entry.createdAt);
          visit.value.km = decimalText(field(entry, "travel_km"));
        }
      } else if (kind === "part-add") {
        var partId = field(entry, "part");
        var typed = (field(entry, "description") || "").trim();
        var reference = "";
        var designation = typed;
        if (partId) {
          var part = data.catalogue.filter(function (p) { return String(p.id) === String(partId); })[0] || {};
          reference = part.reference || "";
          designation = typed || part.designation || "";
        }
        lines.push({ id: null, key: entry.key, value: { reference: reference, designation: designation, quantity: decimalText(field(entry, "quantity") || "1") } });
      } else if (kind === "part-remove") {
        var removed = /\/parts\/(\d+)\/remove\/$/.exec(entry.url);
        var key = field(entry, "created_by_key");
        lines = lines.filter(function (line) {
          if (key) return line.key !== key;
          return !removed || line.id !== removed[1];
        });
      } else if (kind === "resolve") {
        s.outcome = "resolved";
      } else if (kind === "follow-up") {
        s.outcome = "follow_up";
      }
    });
    var typedTexts = texts();
    ["diagnostics", "work_done", "remarks"].forEach(function (name) {
      if (typedTexts[name] !== undefined) s[name] = typedTexts[name];
    });
    s.parts = lines.map(function (line) { return line.value; });
    // Ordered by arrival (then creation: a stable sort keeps the order they were made).
    s.visits = visits.map(function (v, i) { return { i: i, value: v.value }; }).sort(function (a, b) {
      if (a.value.arrived_at < b.value.arrived_at) return -1;
      if (a.value.arrived_at > b.value.arrived_at) return 1;
      return a.i - b.i;
    }).map(function (v) { return v.value; });
    return s;
  }

  // JSON with keys sorted at every level and no spaces: Python's
  // json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=False).
  function canonical(value) {
    if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
    if (value && typeof value === "object") {
      return "{" + Object.keys(value).sort().map(function (key) {
        return JSON.stringify(key) + ":" + canonical(value[key]);
      }).join(",") + "}";
    }
    return JSON.stringify(value);
  }

  function sha256(text) {
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)).then(function (buffer) {
      return Array.prototype.map.call(new Uint8Array(buffer), function (b) { return (b + 256).toString(16).slice(1); }).join("");
    });
  }

  function show(summary) {
    panel.querySelectorAll("[data-summary-field]").forEach(function (dd) {
      var name = dd.dataset.summaryField;
      var value = summary[name];
      if (name === "parts") {
        value = summary.parts.map(function (p) {
          return p.quantity + " × " + (p.reference ? p.reference + " — " : "") + p.designation;
        }).join("\n");
      } else if (name === "visits") {
        value = summary.visits.map(function (v) {
          var day = v.arrived_at.slice(8, 10) + "/" + v.arrived_at.slice(5, 7) + "/" + v.arrived_at.slice(0, 4);
          return day + " " + v.arrived_at.slice(11) + " → " + (v.left_at ? v.left_at.slice(11) : "…") + ", " +
            panel.dataset.labelTravel.replace("{km}", v.km.replace(".", ","));
        }).join("\n");
      } else if (name === "outcome") {
        value = summary.outcome === "resolved" ? panel.dataset.labelResolved : summary.outcome === "follow_up" ? panel.dataset.labelFollowUp : "";
      }
      dd.textContent = value || "—";
    });
  }

  function refresh() {
    return loadJob().then(function (data) {
      // The same guess as the online sign page, proposed once (the signatory may change or
      // clear it).
      var email = customerForm.querySelector("[name=signatory_email]");
      if (email && !email.dataset.guessed) {
        email.dataset.guessed = "yes";
        if (!email.value) email.value = data.job.signatory_email_guess || "";
      }
      var summary = build(data);
      var json = canonical(summary);
      return sha256(json).then(function (fingerprint) {
        current = { summary: summary, json: json, fingerprint: fingerprint };
        show(summary);
        panel.querySelector("[data-offline-fingerprint]").textContent = fingerprint;
        panel.dataset.fingerprint = fingerprint;
        panel.querySelector("[data-offline-sign-missing]").hidden = true;
        return current;
      });
    }, function () {
      var missing = panel.querySelector("[data-offline-sign-missing]");
      missing.textContent = panel.dataset.labelMissing;
      missing.hidden = false;
      technicianForm.hidden = true;
      customerForm.hidden = true;
      current = null;
      return null;
    });
  }

  // The fields the server checks, added to each signature when it is queued: the texts typed
  // are queued first, then the summary is built with them.
  function signatureFields() {
    var before = window.ReportAutosave ? window.ReportAutosave.queueNow() : Promise.resolve();
    return before.then(refresh).then(function (built) {
      if (!built) throw new Error("no summary");
      return [
        ["summary_fingerprint", built.fingerprint],
        ["summary_json", built.json],
        ["signed_on_device_at", queue.deviceTime()],
      ];
    });
  }

  // --- what is shown -------------------------------------------------------------------------

  function signedOnTablet(kind) {
    return queue.entries().some(function (e) { return e.intervention === job && e.kind === kind; });
  }

  function update() {
    var offline = !navigator.onLine;
    var technician = signedOnTablet("sign-technician");
    var customer = signedOnTablet("sign-customer");
    var submitted = signedOnTablet("submit");
    var visible = (offline && (isSignPage || wanted || submitted)) || technician || customer;
    if (onlineOnly) onlineOnly.hidden = visible;
    if (!visible && !panel) return false;
    ensurePanel();
    panel.hidden = !visible;
    technicianForm.hidden = technician;
    panel.querySelector("[data-offline-signed=technician]").hidden = !technician;
    customerForm.hidden = !technician || customer;
    panel.querySelector("[data-offline-signed=customer]").hidden = !customer;
    if (visible) refresh();
    return visible;
  }

  document.addEventListener("offline:to-signature", function (event) {
    wanted = true;
    if (update() && event.detail.live) panel.scrollIntoView({ block: "start" });
  });
  document.addEventListener("offline:form-queued", function (event) {
    if (panel && (event.target === technicianForm || event.target === customerForm)) {
      update();
      if (event.target === technicianForm && !customerForm.hidden) {
        customerForm.scrollIntoView({ block: "start" });
      }
    }
  });
  document.addEventListener("offline:ready", update);
  document.addEventListener("offline:sent", update);
  window.addEventListener("offline", update);
})();
