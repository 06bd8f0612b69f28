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
})();
