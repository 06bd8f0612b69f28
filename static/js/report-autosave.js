/* Autosave of the report texts: nothing typed on the tablet may be lost.
 *
 * Every keystroke is copied at once into localStorage (per intervention) and marked "not yet
 * saved"; after a short pause the texts are POSTed to the server. If the network is down the
 * texts stay in localStorage and are re-sent when the browser comes back online (and every few
 * seconds), and again when the page is opened. The badge says where the text is.
 *
 * Each save carries the version of the texts it was based on (data-version, then the version
 * the server answers). If someone else saved in between (another tablet, the dispatcher's
 * diagnostic run), the server refuses with their texts: sending stops, a banner shows both
 * texts, and the user chooses to keep theirs or their own. Nothing typed is dropped meanwhile.
 *
 * On the technician's tablet the texts go through the queue of actions (offline-queue.js) as
 * soon as the network is down or other actions wait, so that they reach the server in their
 * place (before the signatures that show them): one waiting copy, replaced by each newer one.
 * The queue then says where they are; its conflict panel shows both texts.
 */
(function () {
  "use strict";

  var form = document.getElementById("report-form");
  if (!form) return;
  var badge = document.getElementById("save-state");
  var url = form.dataset.autosaveUrl;
  var key = form.dataset.storageKey;
  var fields = Array.prototype.slice.call(form.querySelectorAll("[data-autosave]"));
  var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  var DEBOUNCE_MS = 700;
  var RETRY_MS = 4000;
  var timer = null;
  var retryTimer = null;
  var inFlight = false;
  var again = false;
  var revision = 0;
  var version = parseInt(form.dataset.version || "0", 10);
  var conflict = null; // the server's answer while the user has not chosen
  var banner = document.getElementById("report-conflict");
  // Names this open page: the history keeps one event per page and person (editing session).
  var pageId = Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  var queue = window.OfflineQueue || null;
  var queuedRevision = null; // the local revision last put in the queue

  function setState(state, detail) {
    if (!badge) return;
    badge.className = "badge save-state save-state-" + state;
    badge.dataset.state = state;
    var label = badge.dataset["label" + state.charAt(0).toUpperCase() + state.slice(1)];
    badge.textContent = detail ? label + " " + detail : label;
  }

  function values() {
    var data = {};
    fields.forEach(function (f) { data[f.name] = f.value; });
    return data;
  }

  function readLocal() {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }

  function writeLocal() {
    revision += 1;
    try {
      localStorage.setItem(key, JSON.stringify({
        texts: values(), revision: revision, at: Date.now(), version: version,
      }));
    } catch (e) { /* storage full or disabled: the server copy is still attempted */ }
  }

  function scheduleRetry() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(send, RETRY_MS);
  }

  function send() {
    var pending = readLocal();
    if (!pending) { setState("saved"); return; }
    if (conflict) { setState("conflict"); return; }
    if (queue && !queue.idle()) { toQueue(pending); return; }
    if (inFlight) { again = true; return; }
    inFlight = true;
    setState("saving");
    var body = new URLSearchParams();
    Object.keys(pending.texts).forEach(function (name) { body.append(name, pending.texts[name]); });
    body.append("version", pending.version === undefined ? 0 : pending.version);
    body.append("page", pageId);
    fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "X-Requested-With": "fetch" },
    }).then(function (response) {
      return response.json().then(function (json) { return { ok: response.ok, json: json }; });
    }).then(function (result) {
      inFlight = false;
      if (result.json.conflict) {
        showConflict(result.json);
        return;
      }
      if (!result.ok) {
        // Refused for good (signed report): say so, keep the local copy for the record.
        setState("refused", result.json.error || "");
        return;
      }
      version = result.json.version;
      var current = readLocal();
      if (current && current.revision === pending.revision) {
        localStorage.removeItem(key);
        setState("saved", result.json.at);
      } else {
        rebase(version);
        send();
      }
      if (again) { again = false; send(); }
    }).catch(function () {
      inFlight = false;
      if (queue) { toQueue(readLocal() || pending); return; }
      setState("offline");
      scheduleRetry();
    });
  }

  function toQueue(pending) {
    queuedRevision = pending.revision;
    setState("offline");
    return queue.queueTexts(url, pending.texts, pending.version === undefined ? 0 : pending.version, pageId)
      .then(function () { queue.flush(); });
  }

  if (queue) {
    // The queue delivered these texts: the local copy goes if nothing was typed since.
    document.addEventListener("offline:sent", function (event) {
      var entry = event.detail.entry;
      if (entry.kind !== "texts" || entry.url !== url) return;
      var versions = event.detail.answer.versions || {};
      if (versions.texts !== undefined) version = versions.texts;
      var current = readLocal();
      if (current && current.revision === queuedRevision) {
        localStorage.removeItem(key);
        setState("saved");
      } else if (current) {
        rebase(version);
      } else {
        setState("saved");
      }
    });
    // Their texts chosen in the queue's conflict panel: they replace what is on the page.
    document.addEventListener("offline:dropped", function (event) {
      var entry = event.detail.entry;
      if (entry.kind !== "texts" || entry.url !== url || !event.detail.theirs) return;
      var answer = event.detail.answer || {};
      var theirs = (answer.conflict && answer.conflict.theirs) || {};
      if (answer.conflict && answer.conflict.version !== undefined) version = answer.conflict.version;
      fields.forEach(function (f) {
        if (Object.prototype.hasOwnProperty.call(theirs, f.name)) f.value = theirs[f.name];
      });
      localStorage.removeItem(key);
      setState("saved");
    });
    document.addEventListener("offline:kept", function (event) {
      var entry = event.detail.entry;
      if (entry.kind !== "texts" || entry.url !== url) return;
      var answer = event.detail.answer || {};
      if (answer.conflict && answer.conflict.version !== undefined) rebase(answer.conflict.version);
    });
  }

  // The signatures queued offline show the texts as typed: put them in the queue first.
  window.ReportAutosave = {
    queueNow: function () {
      var pending = readLocal();
      clearTimeout(timer);
      if (!pending || !queue) return Promise.resolve();
      return toQueue(pending);
    },
  };

  // Later edits of this user are based on what the server now holds.
  function rebase(newVersion) {
    var current = readLocal();
    if (!current) return;
    current.version = newVersion;
    try { localStorage.setItem(key, JSON.stringify(current)); } catch (e) { /* see writeLocal */ }
  }

  function showConflict(answer) {
    conflict = answer;
    setState("conflict");
    if (!banner) return;
    banner.querySelector("[data-conflict-message]").textContent = answer.error;
    var list = banner.querySelector("[data-conflict-fields]");
    list.textContent = "";
    var mine = values();
    fields.forEach(function (f) {
      var theirs = answer.theirs[f.name] || "";
      if (theirs === mine[f.name]) return;
      var heading = document.createElement("div");
      heading.className = "fw-semibold mt-2";
      var label = form.querySelector("label[for='" + f.id + "']");
      heading.textContent = label ? label.textContent : f.name;
      var row = document.createElement("div");
      row.className = "row g-2 mb-2";
      row.dataset.field = f.name;
      row.appendChild(window.Site.conflictColumn(banner.dataset.labelMine, mine[f.name]));
      row.appendChild(window.Site.conflictColumn(banner.dataset.labelTheirs + " (" + answer.by + ", " + answer.at + ")", theirs));
      list.appendChild(heading);
      list.appendChild(row);
    });
    banner.hidden = false;
    banner.scrollIntoView({ block: "start" });
  }

  function resolve(keepMine) {
    if (!conflict) return;
    var answer = conflict;
    conflict = null;
    banner.hidden = true;
    version = answer.version;
    if (keepMine) {
      rebase(version);
      send();
    } else {
      fields.forEach(function (f) {
        if (Object.prototype.hasOwnProperty.call(answer.theirs, f.name)) f.value = answer.theirs[f.name];
      });
      localStorage.removeItem(key);
      setState("saved");
    }
  }

  if (banner) {
    banner.querySelector("[data-conflict-keep]").addEventListener("click", function () { resolve(true); });
    banner.querySelector("[data-conflict-take]").addEventListener("click", function () { resolve(false); });
  }

  // The texts are only ever autosaved: the form itself is never submitted.
  form.addEventListener("submit", function (event) { event.preventDefault(); });

  fields.forEach(function (field) {
    field.addEventListener("input", function () {
      writeLocal();
      setState("dirty");
      clearTimeout(timer);
      timer = setTimeout(send, DEBOUNCE_MS);
    });
  });

  window.addEventListener("online", send);
  window.addEventListener("offline", function () { if (readLocal()) setState("offline"); });

  // Other buttons of the page (arrival, parts…) reload it: send what is pending first.
  document.querySelectorAll("form[data-flush-report]").forEach(function (other) {
    other.addEventListener("submit", function () {
      if (readLocal() && navigator.sendBeacon) {
        var data = new FormData();
        var texts = readLocal().texts;
        Object.keys(texts).forEach(function (name) { data.append(name, texts[name]); });
        data.append("version", readLocal().version === undefined ? 0 : readLocal().version);
        data.append("page", pageId);
        data.append("csrfmiddlewaretoken", csrf);
        navigator.sendBeacon(url, data);
      }
    });
  });

  // Text typed earlier and never confirmed by the server (tab closed, network lost) wins
  // over what the server sent: put it back and send it.
  var stored = readLocal();
  if (stored) {
    revision = stored.revision || 0;
    // Typed on an older page: saved against the version it was typed on, so that a change
    // made since by someone else shows as a conflict instead of being overwritten.
    version = stored.version === undefined ? 0 : stored.version;
    fields.forEach(function (f) {
      if (Object.prototype.hasOwnProperty.call(stored.texts, f.name)) f.value = stored.texts[f.name];
    });
    setState("dirty");
    // The queue first reads what waits in it: these texts go after the older actions.
    if (queue) document.addEventListener("offline:ready", send, { once: true });
    else send();
  }
})();
