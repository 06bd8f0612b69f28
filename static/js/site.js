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
})();
