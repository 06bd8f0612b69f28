/* Day planning: each slot's place on the time axis, computed by the server (data-left and
 * data-width in %, data-top and the track's data-height in px). Set through the CSSOM, which
 * the Content-Security-Policy allows, where style="" attributes are refused. */
(function () {
  "use strict";

  document.querySelectorAll(".planning-track[data-height]").forEach(function (track) {
    track.style.height = track.dataset.height + "px";
  });
  document.querySelectorAll(".planning-slot[data-left]").forEach(function (slot) {
    slot.style.left = slot.dataset.left + "%";
    slot.style.width = slot.dataset.width + "%";
    slot.style.top = slot.dataset.top + "px";
  });
})();
