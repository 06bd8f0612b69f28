/* The tablet's queue of actions: nothing done on site is lost without network.
 *
 * Every form of the tablet pages that writes (arrival, departure, visit correction, parts,
 * resolution, follow-up, other request, checklists and acceptance, signatures, and the report
 * texts through report-autosave.js) goes through here:
 *
 * - online with nothing waiting, the form is sent as before (the page answers with its errors
 *   in place);
 * - otherwise (no network, or older actions still waiting: the order must be kept) it is put in
 *   the queue (IndexedDB, static/js/offline-store.js) with an idempotency key, the device time
 *   and the versions the form was based on, the page shows it at once marked « en attente
 *   d'envoi », and the queue is sent in order as soon as the network is back (online event,
 *   every RETRY_MS, page opened, « Envoyer maintenant »).
 *
 * Each replay POSTs the same fields to the same URL with the headers of docs/offline.md; the
 * server answers JSON: 2xx → removed; 409 → the queue stops and shows both values, the
 * technician chooses; 422 (or 400) → the queue stops on it and shows the French message until
 * the technician corrects or drops it. Nothing is dropped without the technician's choice.
 *
 * The strings shown come from the indicator's data attributes (translated by the template).
 */
(function () {
  "use strict";

  var root = document.getElementById("offline-indicator");
  if (!root || !window.OfflineStore || !window.indexedDB) return;
  var store = window.OfflineStore;
  var RETRY_MS = 15000;
  var user = root.dataset.user || "";
  var stateLabel = root.querySelector("[data-offline-state]");
  var lastSyncLabel = root.querySelector("[data-offline-last-sync]");
  var sendButton = root.querySelector("[data-offline-send]");
  var panel = document.getElementById("offline-problem");
  var entries = []; // this user's queue, as last read
  var flushing = false;
  var inFlight = null; // the key of the action on its way to the server
  var stopped = null; // the entry the queue stops on (conflict, refusal, login needed)
  var authNeeded = false;
  var retryTimer = null;

  // The tablet's writes (paths); anything else (language, logout, dispatch) is never queued.
  var QUEUED = [
    [/^\/interventions\/(\d+)\/work\/arrive\/$/, "arrive"],
    [/^\/interventions\/(\d+)\/work\/visits\/[^/]+\/depart\/$/, "depart"],
    [/^\/interventions\/(\d+)\/work\/visits\/\d+\/$/, "visit"],
    [/^\/interventions\/(\d+)\/work\/report\/$/, "texts"],
    [/^\/interventions\/(\d+)\/work\/parts\/add\/$/, "part-add"],
    [/^\/interventions\/(\d+)\/work\/parts\/\d+\/remove\/$/, "part-remove"],
    [/^\/interventions\/(\d+)\/work\/other-request\/$/, "other-request"],
    [/^\/interventions\/(\d+)\/work\/resolve\/$/, "resolve"],
    [/^\/interventions\/(\d+)\/work\/follow-up\/$/, "follow-up"],
    [/^\/interventions\/(\d+)\/work\/submit\/$/, "submit"],
    [/^\/interventions\/(\d+)\/work\/reopen\/$/, "reopen"],
    [/^\/interventions\/(\d+)\/out-of-conditions\/$/, "out-of-conditions"],
    [/^\/interventions\/(\d+)\/sign\/technician\/$/, "sign-technician"],
    [/^\/interventions\/(\d+)\/sign\/customer\/$/, "sign-customer"],
    [/^\/procedures\/intervention\/(\d+)\/record\/$/, "checklist"],
  ];

  // Tablet actions that need the network (docs/offline.md): offline, they say so in French
  // instead of the browser's error page.
  var NEEDS_NETWORK = [
    /^\/interventions\/\d+\/work\/handover\/$/,
    /^\/interventions\/\d+\/amendment\/sign\/$/,
    /^\/procedures\/intervention\/\d+\/(attach|diagnostic\/start)\/$/,
    /^\/procedures\/runs\/\d+\/(answer|back|abandon)\/$/,
  ];

  function needsNetwork(form, path) {
    if (navigator.onLine || !NEEDS_NETWORK.some(function (p) { return p.test(path); })) return false;
    var note = form.querySelector("[data-offline-needs-network]");
    if (!note) {
      note = document.createElement("div");
      note.className = "alert alert-warning mt-2 mb-0";
      note.setAttribute("role", "alert");
      note.dataset.offlineNeedsNetwork = "";
      note.dataset.testid = "offline-needs-network";
      form.appendChild(note);
    }
    note.textContent = label("NeedsNetwork");
    return true;
  }

  function label(name, values) {
    var text = root.dataset["label" + name] || "";
    Object.keys(values || {}).forEach(function (key) { text = text.split("{" + key + "}").join(values[key]); });
    return text;
  }

  function classify(path) {
    for (var i = 0; i < QUEUED.length; i += 1) {
      var match = QUEUED[i][0].exec(path);
      if (match) return { kind: QUEUED[i][1], intervention: parseInt(match[1], 10) };
    }
    return null;
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (e) {
      var field = document.querySelector("[name=csrfmiddlewaretoken]");
      return field ? field.value : "";
    }
  }

  function uuid() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function pad2(n) { return (n < 10 ? "0" : "") + n; }

  // The device's local time with its offset (2026-11-30T14:05:09.120+01:00): what the server
  // records as « heure de l'appareil ».
  function deviceTime(date) {
    var d = date || new Date();
    var offset = -d.getTimezoneOffset();
    var sign = offset >= 0 ? "+" : "-";
    var abs = Math.abs(offset);
    return d.getFullYear() + "-" + pad2(d.getMonth() + 1) + "-" + pad2(d.getDate()) + "T" +
      pad2(d.getHours()) + ":" + pad2(d.getMinutes()) + ":" + pad2(d.getSeconds()) + "." +
      String(d.getMilliseconds() + 1000).slice(1) + sign + pad2(Math.floor(abs / 60)) + ":" + pad2(abs % 60);
  }

  function shortTime(iso) {
    var d = new Date(iso);
    return isNaN(d) ? "" : pad2(d.getHours()) + ":" + pad2(d.getMinutes());
  }

  // --- the indicator -----------------------------------------------------------------------

  function waiting() { return entries.length; }

  function render() {
    var state;
    var text;
    if (stopped && stopped.state === "conflict") {
      state = "conflict"; text = label("Conflict");
    } else if (stopped && stopped.state === "error") {
      state = "error"; text = label("Error");
    } else if (authNeeded) {
      state = "auth"; text = label("Auth");
    } else if (flushing) {
      state = "syncing"; text = label("Syncing");
    } else if (waiting()) {
      state = "pending";
      text = waiting() === 1 ? label("PendingOne") : label("PendingMany", { n: waiting() });
      if (!navigator.onLine) text = label("Offline") + " · " + text;
    } else {
      state = navigator.onLine ? "online" : "offline";
      text = label(navigator.onLine ? "Online" : "Offline");
    }
    root.dataset.state = state;
    root.dataset.pending = String(waiting());
    root.className = root.className.replace(/\boffline-state-\S+/g, "").trim() + " offline-state-" + state;
    if (stateLabel) stateLabel.textContent = text;
    if (sendButton) sendButton.hidden = !waiting();
  }

  function showLastSync() {
    return store.meta("lastSync:" + user).then(function (at) {
      if (!lastSyncLabel) return;
      lastSyncLabel.textContent = at ? label("LastSync", { time: new Date(at).toLocaleString(document.documentElement.lang || "fr", { dateStyle: "short", timeStyle: "short" }) }) : label("NeverSynced");
    }).catch(function () { return null; });
  }

  function reload() {
    return store.all().then(function (all) {
      entries = all.filter(function (entry) { return entry.user === user; });
      stopped = entries.filter(function (e) { return e.state === "conflict" || e.state === "error"; })[0] || null;
      render();
      showProblem();
      return entries;
    });
  }

  // --- queueing ------------------------------------------------------------------------------

  function formFields(form, submitter) {
    var data;
    try { data = new FormData(form, submitter || undefined); } catch (e) { data = new FormData(form); }
    var fields = [];
    data.forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken") return;
      if (value instanceof File) {
        if (!value.size && !value.name) return; // no file chosen
        fields.push([name, value, value.name]);
      } else {
        fields.push([name, value]);
      }
    });
    if (submitter && submitter.name && !data.has(submitter.name)) fields.push([submitter.name, submitter.value]);
    return fields;
  }

  function baseVersions(fields) {
    var versions = {};
    fields.forEach(function (field) {
      if (/version$/.test(field[0]) && typeof field[1] === "string") versions[field[0]] = field[1];
    });
    return versions;
  }

  function actionLabel(form, submitter, kind) {
    var text = form.dataset.offlineLabel || (submitter && (submitter.textContent || submitter.value)) || "";
    return (text || kind).replace(/\s+/g, " ").trim();
  }

  function enqueue(entry) {
    entry.key = entry.key || uuid();
    entry.user = user;
    entry.createdAt = entry.createdAt || deviceTime();
    entry.state = "pending";
    return store.add(entry).then(function (id) {
      entry.id = id;
      entries.push(entry);
      render();
      document.dispatchEvent(new CustomEvent("offline:queued", { detail: entry }));
      return entry;
    });
  }

  /* The report texts (report-autosave.js): one waiting copy per page at the end of the queue,
   * replaced by each newer copy, so the server gets the last text once, in its place. */
  function queueTexts(url, texts, version, page) {
    var info = classify(new URL(url, location.href).pathname);
    var fields = Object.keys(texts).map(function (name) { return [name, texts[name]]; });
    fields.push(["version", String(version)]);
    fields.push(["page", page]);
    var same = entries.filter(function (e) { return e.kind === "texts" && e.url === url; }).pop();
    var textsOf = function (entry) {
      return JSON.stringify(entry.fields.filter(function (f) { return f[0] !== "version" && f[0] !== "page"; }));
    };
    var fresh = { fields: fields };
    // Already waiting, word for word: nothing to add.
    if (same && inFlight !== same.key && textsOf(same) === textsOf(fresh)) return Promise.resolve(same);
    var last = entries[entries.length - 1];
    if (last && last.kind === "texts" && last.url === url && last.state === "pending" && inFlight !== last.key) {
      last.fields = fields;
      last.base = { version: String(version) };
      last.createdAt = deviceTime();
      return store.put(last).then(function () { render(); return last; });
    }
    return enqueue({
      url: url, kind: "texts", intervention: info ? info.intervention : null,
      label: root.dataset.labelTexts || "texts", fields: fields, base: { version: String(version) },
      page: location.pathname,
    });
  }

  // Nothing waits and the network is there: a form may go as before. Not before the queue
  // was read from IndexedDB (an older action may wait there).
  var loaded = false;
  function idle() {
    return loaded && navigator.onLine && !entries.length && !flushing && !stopped;
  }

  function signatureEmpty(form) {
    var empty = false;
    form.querySelectorAll("[data-signature-field]").forEach(function (field) {
      var pad = field.signaturePad;
      var input = field.querySelector("input[type=hidden]");
      if (pad && !pad.isEmpty()) input.value = pad.toDataURL("image/png");
      if (!input.value) {
        empty = true;
        var message = field.querySelector("[data-signature-empty]");
        if (message) message.hidden = false;
      }
    });
    return empty;
  }

  function onSubmit(event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return;
    var action = new URL(form.getAttribute("action") || location.href, location.href);
    if (action.origin !== location.origin) return;
    var info = classify(action.pathname);
    if (!info) {
      if (needsNetwork(form, action.pathname)) { event.preventDefault(); event.stopImmediatePropagation(); }
      return;
    }
    if (idle() && !form.hasAttribute("data-offline-always")) {
      document.dispatchEvent(new CustomEvent("offline:direct", { detail: { form: form, kind: info.kind } }));
      return; // sent as before
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    if (form.querySelector("[data-signature-field]") && signatureEmpty(form)) return;
    if (!form.checkValidity()) { form.reportValidity(); return; }
    var submitter = event.submitter || null;
    var fields = formFields(form, submitter);
    var extra = form.offlineExtraFields ? form.offlineExtraFields() : null;
    var before = extra ? Promise.resolve(extra) : Promise.resolve([]);
    before.then(function (more) {
      fields = fields.concat(more || []);
      return enqueue({
        url: action.pathname, kind: info.kind, intervention: info.intervention,
        label: actionLabel(form, submitter, info.kind), fields: fields, base: baseVersions(fields),
        page: location.pathname,
      });
    }).then(function (entry) {
      form.dispatchEvent(new CustomEvent("offline:form-queued", { bubbles: true, detail: entry }));
      flush();
    });
  }

  // --- sending ------------------------------------------------------------------------------

  // The same form as the page sends: urlencoded, or multipart when a file (the stamp) is in it.
  function body(entry) {
    var withFile = entry.fields.some(function (field) { return field.length > 2; });
    var data = withFile ? new FormData() : new URLSearchParams();
    entry.fields.forEach(function (field) {
      if (field.length > 2) data.append(field[0], field[1], field[2]);
      else data.append(field[0], field[1]);
    });
    return data;
  }

  function headers(entry) {
    return {
      "X-CSRFToken": token || csrfToken(),
      "X-Requested-With": "fetch",
      "X-Offline-Replay": "1",
      "Idempotency-Key": entry.key,
      "X-Device-Time": entry.createdAt,
      "Accept": "application/json",
    };
  }

  // The page's token may be dead (cached before a login): ask the server for a fresh one.
  var token = null;
  function freshToken() {
    if (!root.dataset.csrfUrl) return Promise.resolve(null);
    return fetch(root.dataset.csrfUrl, { credentials: "same-origin", headers: { "Accept": "application/json", "X-Offline-Replay": "1" }, cache: "no-store" })
      .then(function (response) {
        if (response.status === 401) { authNeeded = true; return null; }
        return response.json().then(function (json) { token = json.csrf_token || null; authNeeded = false; return token; });
      });
  }

  function answerOf(response) {
    if (response.type === "opaqueredirect") {
      return Promise.resolve({ status: 302, json: {}, isJson: false });
    }
    return response.text().then(function (text) {
      var json = null;
      try { json = JSON.parse(text); } catch (e) { json = null; }
      return { status: response.status, json: json || {}, isJson: json !== null };
    });
  }

  // Which counter of the job an action's `version` field refers to (docs/offline.md).
  function counterOf(entry) {
    if (entry.kind === "texts") return "texts";
    if (entry.kind === "part-add" || entry.kind === "part-remove") return "parts";
    if (entry.kind === "visit") {
      var match = /\/visits\/(\d+)\/$/.exec(entry.url);
      return match ? "visits." + match[1] : null;
    }
    return null;
  }

  function counterValue(versions, counter) {
    if (!versions || !counter) return undefined;
    var parts = counter.split(".");
    var value = versions[parts[0]];
    if (parts.length > 1 && value) value = value[parts[1]];
    return value;
  }

  function setVersion(entry, value) {
    var found = false;
    entry.fields.forEach(function (field) { if (field[0] === "version") { field[1] = String(value); found = true; } });
    if (!found) entry.fields.push(["version", String(value)]);
    entry.base = { version: String(value) };
  }

  // The next actions of the same counter are based on what the server holds after this one
  // (this tablet's own change): docs/offline.md, « Versions ».
  function rebase(sent, answer) {
    var changed = [];
    entries.forEach(function (entry) {
      if (entry === sent || entry.intervention !== sent.intervention) return;
      var counter = counterOf(entry);
      var value = counterValue(answer.versions, counter);
      if (value === undefined) return;
      setVersion(entry, value);
      changed.push(store.put(entry));
    });
    return Promise.all(changed);
  }

  function sendOne(entry) {
    inFlight = entry.key;
    return fetch(entry.url, {
      method: "POST", body: body(entry), credentials: "same-origin", headers: headers(entry),
      redirect: "manual",
    }).then(answerOf).then(function (answer) {
      inFlight = null;
      return answer;
    }, function (error) {
      inFlight = null;
      throw error;
    });
  }

  function stopOn(entry, state, answer) {
    entry.state = state;
    entry.answer = answer.json;
    entry.status = answer.status;
    stopped = entry;
    return store.put(entry).then(function () { showProblem(); });
  }

  function flush() {
    if (flushing || stopped) { render(); return Promise.resolve(); }
    if (!navigator.onLine) { render(); scheduleRetry(); return Promise.resolve(); }
    flushing = true;
    render();
    var sentAny = false;

    var retriedToken = false;
    function next() {
      return reload().then(function () {
        if (stopped) return "stopped";
        var entry = entries[0];
        if (!entry) return "done";
        flushing = true;
        render();
        return sendOne(entry).then(function (answer) {
          var json = answer.json;
          if (answer.status === 401 || answer.status === 302 || (answer.status === 200 && !answer.isJson)) {
            authNeeded = true;
            return "auth";
          }
          if (answer.status === 403 && json.csrf) {
            if (retriedToken) return "retry";
            retriedToken = true;
            return freshToken().then(next);
          }
          authNeeded = false;
          if (answer.status >= 200 && answer.status < 300) {
            sentAny = true;
            return rebase(entry, json).then(function () {
              return store.remove(entry.id);
            }).then(function () {
              document.dispatchEvent(new CustomEvent("offline:sent", { detail: { entry: entry, answer: json } }));
              return next();
            });
          }
          if (answer.status === 409) return stopOn(entry, "conflict", answer).then(function () { return "stopped"; });
          if (answer.status >= 400 && answer.status < 500 && answer.status !== 429) {
            return stopOn(entry, "error", answer).then(function () { return "stopped"; });
          }
          return "retry"; // 5xx, 429: the server will be back
        }, function () { return "retry"; });
      });
    }

    return reload().then(function () {
      if (!entries.length || stopped) return stopped ? "stopped" : "empty";
      return freshToken().catch(function () { return null; }).then(function () {
        return authNeeded ? "auth" : next();
      });
    }).then(function (outcome) {
      flushing = false;
      var done = outcome === "done" || sentAny;
      return (done ? store.setMeta("lastSync:" + user, Date.now()) : Promise.resolve()).then(function () {
        if (outcome === "retry" || outcome === "auth") scheduleRetry();
        if (outcome === "done" && sentAny) document.dispatchEvent(new CustomEvent("offline:synced"));
        return showLastSync();
      });
    }).then(render, function () { flushing = false; render(); scheduleRetry(); });
  }

  function scheduleRetry() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, RETRY_MS);
  }

  // --- conflicts and refusals ----------------------------------------------------------------

  function fieldValue(entry, name) {
    for (var i = 0; i < entry.fields.length; i += 1) if (entry.fields[i][0] === name) return entry.fields[i][1];
    return undefined;
  }

  function block(title, text, testid) {
    return window.Site.conflictColumn(title, text, { className: "pre-line", testid: testid });
  }

  function readable(value) {
    if (value === undefined || value === null || value === "") return "—";
    if (Array.isArray(value)) {
      return value.map(function (item) {
        if (item && typeof item === "object") {
          if (item.designation !== undefined || item.description !== undefined) {
            return (item.quantity ? item.quantity + " × " : "") + (item.reference ? item.reference + " — " : "") + (item.designation || item.description || "");
          }
          if (item.arrived_at !== undefined) {
            return String(item.arrived_at).replace("T", " ") + " → " + (item.left_at ? String(item.left_at).slice(11) : "…") +
              (item.km !== undefined ? ", " + item.km + " km" : "");
          }
          // Keys in one order whoever wrote them: equal values read equal.
          return Object.keys(item).sort().map(function (k) { return item[k]; }).join(" · ");
        }
        return String(item);
      }).join("\n") || "—";
    }
    if (typeof value === "object") {
      return Object.keys(value).sort().map(function (k) { return k + " : " + readable(value[k]); }).join("\n");
    }
    return String(value);
  }

  function problemMessage(answer) {
    if (answer.conflict && answer.conflict.message) return answer.conflict.message;
    if (answer.errors) {
      return Object.keys(answer.errors).map(function (name) { return [].concat(answer.errors[name]).join(" "); }).join(" ");
    }
    return answer.error || answer.message || label("ErrorUnknown");
  }

  function showProblem() {
    if (!panel) return;
    if (!stopped) { panel.hidden = true; return; }
    var entry = stopped;
    var answer = entry.answer || {};
    var conflict = entry.state === "conflict" ? (answer.conflict || {}) : null;
    var signature = conflict && conflict.field === "signature";
    panel.dataset.kind = entry.state;
    panel.querySelector("[data-offline-problem-title]").textContent = conflict ? label("ConflictTitle") : label("ErrorTitle");
    panel.querySelector("[data-offline-problem-action]").textContent =
      label("Action", { action: entry.label, time: shortTime(entry.createdAt) });
    panel.querySelector("[data-offline-problem-message]").textContent = problemMessage(answer);
    var list = panel.querySelector("[data-offline-problem-fields]");
    list.textContent = "";
    if (conflict) {
      var yours = conflict.yours;
      var theirs = conflict.theirs;
      var names = yours && theirs && typeof yours === "object" && typeof theirs === "object" && !Array.isArray(yours) && !Array.isArray(theirs)
        ? Object.keys(theirs).filter(function (k) { return readable(yours[k]) !== readable(theirs[k]); })
        : [null];
      names.forEach(function (name) {
        if (name !== null) {
          var heading = document.createElement("div");
          heading.className = "fw-semibold mt-2";
          heading.textContent = (root.dataset["field" + name.replace(/(^|_)(\w)/g, function (m, u, c) { return c.toUpperCase(); })]) || name;
          list.appendChild(heading);
        }
        var row = document.createElement("div");
        row.className = "row g-2 mb-2";
        if (name) row.dataset.field = name;
        row.appendChild(block(label("Mine"), readable(name === null ? yours : yours[name]), "conflict-mine"));
        var who = conflict.by ? " (" + conflict.by + (conflict.at ? ", " + conflict.at : "") + ")" : "";
        row.appendChild(block(label("Theirs") + who, readable(name === null ? theirs : theirs[name]), "conflict-theirs"));
        list.appendChild(row);
      });
    }
    // A customer signature refused for its e-mail only: the address is corrected here and the
    // signature (with its summary and time) is sent again, under a new key.
    var emailFix = panel.querySelector("[data-offline-email-fix]");
    if (emailFix) {
      emailFix.hidden = !emailOnly(entry);
      if (!emailFix.hidden) emailFix.querySelector("input").value = fieldValue(entry, "signatory_email") || "";
    }
    panel.querySelector("[data-offline-keep]").hidden = !conflict || signature;
    panel.querySelector("[data-offline-take]").hidden = !conflict || signature;
    panel.querySelector("[data-offline-resign]").hidden = !signature;
    panel.querySelector("[data-offline-fix]").hidden = !!conflict || !entry.page;
    panel.querySelector("[data-offline-drop]").hidden = !!conflict;
    panel.hidden = false;
  }

  function resume(entry) {
    stopped = null;
    panel.hidden = true;
    render();
    return flush();
  }

  // Keep mine: the same action again, as a new action (new key) based on the version the
  // server now holds; the other value stays in the job's history.
  function keepMine() {
    var entry = stopped;
    if (!entry) return;
    var answer = entry.answer || {};
    var conflict = answer.conflict || {};
    if (conflict.version !== undefined && conflict.version !== null) setVersion(entry, conflict.version);
    entry.key = uuid();
    entry.state = "pending";
    delete entry.answer;
    store.put(entry).then(function () {
      document.dispatchEvent(new CustomEvent("offline:kept", { detail: { entry: entry, answer: answer } }));
      // Later actions of the same counter follow the new base too.
      return rebase(entry, answer);
    }).then(function () { resume(entry); });
  }

  // Take theirs (or drop a refused action): the server's value stays; mine is dropped.
  function drop(event) {
    var entry = stopped;
    if (!entry) return;
    var answer = entry.answer || {};
    return store.remove(entry.id).then(function () {
      document.dispatchEvent(new CustomEvent("offline:dropped", { detail: { entry: entry, answer: answer, theirs: event === "theirs" } }));
      return resume(entry);
    });
  }

  // Correct a refused action: its page opens with the values typed, the action leaves the
  // queue and is queued again when the form is sent.
  function emailOnly(entry) {
    var errors = (entry.answer || {}).errors;
    return entry.state === "error" && entry.kind === "sign-customer" && !!errors &&
      Object.keys(errors).length === 1 && !!errors.signatory_email;
  }

  function fixEmail(entry) {
    var input = panel.querySelector("[data-offline-email-fix] input");
    if (!input.checkValidity()) { input.reportValidity(); return; }
    var found = false;
    entry.fields.forEach(function (f) { if (f[0] === "signatory_email") { f[1] = input.value.trim(); found = true; } });
    if (!found) entry.fields.push(["signatory_email", input.value.trim()]);
    entry.key = uuid(); // the refusal is stored for the old key
    entry.state = "pending";
    delete entry.answer;
    delete entry.status;
    store.put(entry).then(function () { resume(entry); });
  }

  function fix() {
    var entry = stopped;
    if (!entry) return;
    if (emailOnly(entry)) { fixEmail(entry); return; }
    try { sessionStorage.setItem("offline-fix", JSON.stringify({ url: entry.url, fields: entry.fields.filter(function (f) { return typeof f[1] === "string"; }) })); } catch (e) { /* private mode */ }
    store.remove(entry.id).then(function () {
      stopped = null;
      location.href = entry.page;
    });
  }

  function restoreFix() {
    var saved;
    try { saved = JSON.parse(sessionStorage.getItem("offline-fix") || "null"); } catch (e) { saved = null; }
    if (!saved) return;
    var form = Array.prototype.filter.call(document.forms, function (f) {
      return new URL(f.getAttribute("action") || location.href, location.href).pathname === saved.url;
    })[0];
    if (!form) return;
    sessionStorage.removeItem("offline-fix");
    fillForm(form, saved.fields);
    form.scrollIntoView({ block: "center" });
  }

  function fillForm(form, fields) {
    fields.forEach(function (field) {
      if (/version$/.test(field[0])) return;
      var inputs = form.querySelectorAll("[name='" + field[0].replace(/'/g, "") + "']");
      inputs.forEach(function (input) {
        if (input.type === "radio" || input.type === "checkbox") input.checked = input.value === field[1];
        else if (input.type !== "file" && input.type !== "hidden") input.value = field[1];
      });
    });
  }

  /* Take back a waiting action before it is sent (a part line added offline, then removed):
   * it leaves the queue and nothing is ever sent for it. Resolves false when it is no longer in
   * the queue or is on its way to the server: the caller then queues the opposite action. */
  function withdraw(key) {
    return reload().then(function () {
      var entry = entries.filter(function (e) { return e.key === key; })[0];
      if (!entry || inFlight === key) return false;
      return store.remove(entry.id).then(reload).then(function () {
        document.dispatchEvent(new CustomEvent("offline:withdrawn", { detail: entry }));
        flush();
        return true;
      });
    });
  }

  // An action built by a page script (not a form): queued like a form's, then sent in order.
  function queueAction(entry) {
    var info = classify(new URL(entry.url, location.href).pathname);
    if (!info) return Promise.reject(new Error("not a tablet action: " + entry.url));
    entry.kind = info.kind;
    entry.intervention = info.intervention;
    entry.base = baseVersions(entry.fields);
    entry.page = entry.page || location.pathname;
    return enqueue(entry).then(function (queuedEntry) { flush(); return queuedEntry; });
  }

  // --- what the page shows while actions wait -------------------------------------------------

  function pendingBadge() {
    var badge = document.createElement("span");
    badge.className = "badge text-bg-warning offline-pending ms-2";
    badge.dataset.testid = "offline-pending";
    badge.textContent = label("PendingItem");
    return badge;
  }

  function formsFor(entry) {
    return Array.prototype.filter.call(document.forms, function (form) {
      // A form without action posts to its page (the visit correction page).
      var action = form.getAttribute("action") || ((form.getAttribute("method") || "").toLowerCase() === "post" ? location.href : null);
      return action && new URL(action, location.href).pathname === entry.url;
    });
  }

  /* The offline bundle (the technician's jobs and the catalogue), read once and shared by the
   * page scripts (offline-work.js, offline-sign.js): one request per page load instead of one
   * per caller and per refresh. Forgotten when an action reached the server or the service
   * worker kept a newer copy: the next call reads it again. */
  var bundlePromise = null;
  function bundle() {
    if (bundlePromise) return bundlePromise;
    var url = root.dataset.bundleUrl;
    if (!url) return Promise.reject(new Error("no bundle"));
    var promise = fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("bundle " + response.status);
        return response.json();
      });
    bundlePromise = promise;
    // A failed read is not kept: the next call asks again.
    promise.catch(function () { if (bundlePromise === promise) bundlePromise = null; });
    return promise;
  }
  function forgetBundle() { bundlePromise = null; }
  // Registered before the page scripts' listeners: they read the new bundle.
  document.addEventListener("offline:sent", forgetBundle);
  document.addEventListener("offline:prefetched", forgetBundle);

  var optimistic = {};
  window.OfflineQueue = {
    queueTexts: queueTexts,
    idle: idle,
    flush: flush,
    entries: function () { return entries.slice(); },
    reload: reload,
    deviceTime: deviceTime,
    fieldValue: fieldValue,
    shortTime: shortTime,
    label: label,
    pendingBadge: pendingBadge,
    fillForm: fillForm,
    formsFor: formsFor,
    withdraw: withdraw,
    queueAction: queueAction,
    bundle: bundle,
    // kind → function(entry, live): shows a waiting action on this page; `live` is true right
    // after the technician sent it, false when the page is opened again later.
    optimistic: optimistic,
  };

  function showWaiting(entry, live) {
    var handler = optimistic[entry.kind];
    if (handler && handler(entry, live) !== false) return;
    formsFor(entry).forEach(function (form) {
      if (!live) fillForm(form, entry.fields);
      if (!form.querySelector(".offline-pending")) {
        var button = form.querySelector("[type=submit]");
        (button ? button.parentNode : form).appendChild(pendingBadge());
      }
    });
  }

  document.addEventListener("offline:queued", function (event) { showWaiting(event.detail, true); });
  document.addEventListener("offline:synced", function () {
    prefetchLater();
    // Everything is on the server: show the page as the server has it now, unless the user is
    // typing.
    var active = document.activeElement;
    if (active && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName) && active.value) return;
    if (document.querySelector(".offline-pending")) location.reload();
  });

  document.addEventListener("submit", onSubmit, true);
  if (sendButton) sendButton.addEventListener("click", function () { authNeeded = false; flush(); });
  if (panel) {
    panel.querySelector("[data-offline-keep]").addEventListener("click", keepMine);
    panel.querySelector("[data-offline-take]").addEventListener("click", function () { drop("theirs"); });
    panel.querySelector("[data-offline-drop]").addEventListener("click", function () { drop("refused"); });
    panel.querySelector("[data-offline-fix]").addEventListener("click", fix);
    // The report changed since the customer signed on the tablet: the signature is dropped and
    // the sign page opens online, to read it again and sign again.
    panel.querySelector("[data-offline-resign]").addEventListener("click", function () {
      var entry = stopped;
      if (!entry) return;
      // The other signature waiting for this job was given on the same summary: it goes too.
      var others = entries.filter(function (e) {
        return e !== entry && e.intervention === entry.intervention && /^sign-/.test(e.kind);
      });
      Promise.all(others.map(function (e) { return store.remove(e.id); })).then(function () {
        return drop("theirs");
      }).then(function () {
        location.href = "/interventions/" + entry.intervention + "/sign/";
      });
    });
  }
  window.addEventListener("online", function () { render(); flush(); });
  window.addEventListener("offline", render);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) flush(); });

  // Logging out of a shared tablet forgets the kept pages (the queue stays, for this user).
  document.querySelectorAll("form[action$='/logout/']").forEach(function (form) {
    form.addEventListener("submit", function () {
      if (navigator.serviceWorker && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage({ type: "forget" });
      }
    });
  });

  // The service worker keeps the pages and data of the technician's jobs for the next days;
  // asked again at most every PREFETCH_MS while online.
  var PREFETCH_MS = 5 * 60 * 1000;
  var PREFETCH_DELAY_MS = 1500;
  function prefetch(force) {
    if (!navigator.onLine || !navigator.serviceWorker) return Promise.resolve();
    return store.meta("prefetchedAt:" + user).then(function (at) {
      if (!force && at && Date.now() - at < PREFETCH_MS) return null;
      return navigator.serviceWorker.ready.then(function (registration) {
        if (!registration.active) return null;
        // Once the page is loaded and the technician had a moment: the page first.
        setTimeout(function () { registration.active.postMessage({ type: "prefetch" }); }, PREFETCH_DELAY_MS);
        return null;
      });
    });
  }
  if ("serviceWorker" in navigator && root.dataset.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      var data = event.data || {};
      if (data.type === "prefetched") {
        root.dataset.prefetched = data.ok ? "yes" : "failed";
        if (data.ok) {
          store.setMeta("prefetchedAt:" + user, Date.now());
          if (!entries.length) store.setMeta("lastSync:" + user, Date.now()).then(showLastSync);
        }
        document.dispatchEvent(new CustomEvent("offline:prefetched", { detail: data }));
      }
    });
    navigator.serviceWorker.register(root.dataset.serviceWorker, { scope: "/" }).then(function () {
      return prefetch(false);
    }).catch(function () { return null; });
    window.addEventListener("online", function () { prefetch(false); });
  }
  window.OfflineQueue.prefetch = prefetch;
  function prefetchLater() { if (window.OfflineQueue.prefetch) window.OfflineQueue.prefetch(true); }

  reload().then(function () {
    loaded = true;
    entries.forEach(function (entry) { if (entry.page === location.pathname || entry.intervention) showWaiting(entry, false); });
    restoreFix();
    showLastSync();
    document.dispatchEvent(new CustomEvent("offline:ready"));
    flush();
  });
})();
