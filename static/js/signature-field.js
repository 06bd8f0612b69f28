/* Signature fields around signature_pad 5 (interventions/signatures.py explains the choice).
 *
 * - The hidden input holds a PNG data URI, updated at the end of every stroke.
 * - A resize or a rotation rescales the canvas and redraws the strokes from toData():
 *   a signature already drawn is never wiped.
 * - An empty pad blocks the submission with a French message (the server refuses it too).
 */
(function () {
  "use strict";

  function setup(root) {
    var canvas = root.querySelector("canvas");
    var input = root.querySelector("input[type=hidden]");
    var emptyMessage = root.querySelector("[data-signature-empty]");
    var pad = new window.SignaturePad(canvas, {
      minWidth: 1,
      maxWidth: 3,
      penColor: "#0b2a6f",
    });
    var lastWidth = 0;

    function store() {
      input.value = pad.isEmpty() ? "" : pad.toDataURL("image/png");
      if (!pad.isEmpty() && emptyMessage) emptyMessage.hidden = true;
    }

    function resize() {
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      var width = canvas.offsetWidth;
      if (!width || (width === lastWidth && canvas.width === Math.round(width * ratio))) return;
      lastWidth = width;
      var strokes = pad.toData();
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(canvas.offsetHeight * ratio);
      canvas.getContext("2d").setTransform(ratio, 0, 0, ratio, 0, 0);
      pad.clear();
      if (strokes.length) {
        pad.fromData(strokes);
      } else if (input.value) {
        // A form sent back with an error: show what was drawn before.
        pad.fromDataURL(input.value, { ratio: 1, width: width, height: canvas.offsetHeight });
      }
    }

    pad.addEventListener("endStroke", store);
    window.addEventListener("resize", resize);
    window.addEventListener("orientationchange", resize);
    resize();

    root.querySelector("[data-signature-clear]").addEventListener("click", function () {
      pad.clear();
      input.value = "";
    });

    var form = root.closest("form");
    form.addEventListener("submit", function (event) {
      if (pad.isEmpty() && !input.value) {
        event.preventDefault();
        if (emptyMessage) emptyMessage.hidden = false;
        canvas.scrollIntoView({ block: "center" });
        return;
      }
      if (!pad.isEmpty()) store();
    });
    root.signaturePad = pad;
  }

  document.querySelectorAll("[data-signature-field]").forEach(setup);
})();
