/* Behaviour shared by every page, kept out of the templates: the Content-Security-Policy
 * allows no inline script or on… handler (docs/reliability.md, « Content-Security-Policy »). */
(function () {
  "use strict";

  // A <select data-submit-on-change> sends its form as soon as a value is picked (language).
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-submit-on-change]") && field.form) {
      field.form.submit();
    }
  });

  // A <button data-copy="#field"> copies the field's text (the calendar address) and says so.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) {
      return;
    }
    var field = document.querySelector(button.getAttribute("data-copy"));
    if (!field) {
      return;
    }
    field.select();
    var done = function () {
      button.textContent = button.getAttribute("data-copied") || button.textContent;
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done);
    } else if (document.execCommand("copy")) {
      done();
    }
  });

  /* One side of an edit conflict, its title above its text (« — » when empty): the autosave's
   * banner (report-autosave.js) and the offline queue's panel (offline-queue.js) draw theirs
   * with it. `options.className` is added to the text's class, `options.testid` names it. */
  function conflictColumn(title, text, options) {
    options = options || {};
    var col = document.createElement("div");
    col.className = "col-12 col-md-6";
    var head = document.createElement("div");
    head.className = "small fw-semibold";
    head.textContent = title;
    var content = document.createElement("div");
    content.className = "conflict-text" + (options.className ? " " + options.className : "");
    if (options.testid) content.dataset.testid = options.testid;
    content.textContent = text === undefined || text === null || text === "" ? "—" : String(text);
    col.appendChild(head);
    col.appendChild(content);
    return col;
  }

  window.Site = { conflictColumn: conflictColumn };
})();
