/* Autosave of the report texts: nothing typed on the tablet may be lost.
 *
 * Every keystroke is copied at once into localStorage (per intervention) and marked "not yet
 * saved"; after a short pause the texts are POSTed to the server. If the network is down the
 * texts stay in localStorage and are re-sent when the browser comes back online (and every few
 * seconds), and again when the page is opened. The badge says where the text is.
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
      localStorage.setItem(key, JSON.stringify({ texts: values(), revision: revision, at: Date.now() }));
    } catch (e) { /* storage full or disabled: the server copy is still attempted */ }
  }

  function scheduleRetry() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(send, RETRY_MS);
  }

  function send() {
    var pending = readLocal();
    if (!pending) { setState("saved"); return; }
    if (inFlight) { again = true; return; }
    inFlight = true;
    setState("saving");
    var body = new URLSearchParams();
    Object.keys(pending.texts).forEach(function (name) { body.append(name, pending.texts[name]); });
    fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "X-Requested-With": "fetch" },
    }).then(function (response) {
      return response.json().then(function (json) { return { ok: response.ok, json: json }; });
    }).then(function (result) {
      inFlight = false;
      if (!result.ok) {
        // Refused for good (signed report): say so, keep the local copy for the record.
        setState("refused", result.json.error || "");
        return;
      }
      var current = readLocal();
      if (current && current.revision === pending.revision) {
        localStorage.removeItem(key);
        setState("saved", result.json.at);
      } else {
        send();
      }
      if (again) { again = false; send(); }
    }).catch(function () {
      inFlight = false;
      setState("offline");
      scheduleRetry();
    });
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
    fields.forEach(function (f) {
      if (Object.prototype.hasOwnProperty.call(stored.texts, f.name)) f.value = stored.texts[f.name];
    });
    setState("dirty");
    send();
  }
})();
