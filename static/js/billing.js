/* Billing list: the header box ticks or unticks every row. */
(function () {
  "use strict";

  var all = document.getElementById("select-all");
  if (!all) return;
  all.addEventListener("change", function () {
    document.querySelectorAll(".row-select").forEach(function (box) { box.checked = all.checked; });
  });
})();
