/* Signature fields around signature_pad 5 (interventions/signatures.py explains the choice).
 *
 * - The pad keeps one aspect ratio (3:1, CSS in tablet.css) whatever the screen, and the strokes
 *   are kept in CSS pixels of the canvas they were drawn on. A resize or a rotation of the
 *   tablet changes the canvas size: every stroke is rescaled from the old size to the new one
 *   and redrawn, so the whole drawing stays visible and is what gets submitted (redrawn at
 *   their old coordinates, a portrait canvas would cut off what was drawn right of its width).
 * - The hidden input always holds a PNG data URI of the whole current drawing: updated at the
 *   end of every stroke, after every redraw and just before submitting.
 * - A form sent back with an error keeps the drawing: it is shown stretched over the pad (same
 *   aspect ratio), under any stroke added afterwards, and follows the resizes too.
 * - An empty pad blocks the submission with a French message (the server refuses it too).
 */
(function () {
  "use strict";

  // A rotation fires several resize events while the layout settles: redraw once, at the end.
  var RESIZE_DEBOUNCE_MS = 120;

  function rescaled(strokes, sx, sy) {
    return strokes.map(function (group) {
      return Object.assign({}, group, {
        points: group.points.map(function (point) {
          return Object.assign({}, point, { x: point.x * sx, y: point.y * sy });
        }),
      });
    });
  }

  function setup(root) {
    var canvas = root.querySelector("canvas");
    var input = root.querySelector("input[type=hidden]");
    var emptyMessage = root.querySelector("[data-signature-empty]");
    var pad = new window.SignaturePad(canvas, {
      minWidth: 1,
      maxWidth: 3,
      penColor: "#0b2a6f",
    });
    // The canvas size (CSS px) and pixel ratio the strokes' coordinates refer to.
    var size = null;
    var background = null;
    var pendingResize = null;

    function backgroundReady() {
      return background !== null && background.complete && background.naturalWidth > 0;
    }

    function store() {
      if (pad.isEmpty()) {
        // Nothing drawn here: keep the drawing sent back by the server, if any.
        if (!background) input.value = "";
        return;
      }
      if (background && !backgroundReady()) return;
      input.value = pad.toDataURL("image/png");
      if (emptyMessage) emptyMessage.hidden = true;
    }

    function redraw(strokes) {
      pad.clear();
      if (backgroundReady()) {
        canvas.getContext("2d").drawImage(background, 0, 0, size.width, size.height);
      }
      if (strokes.length) {
        pad.fromData(strokes, { clear: false });
        store();
      }
    }

    function resize() {
      pendingResize = null;
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      var width = canvas.offsetWidth;
      var height = canvas.offsetHeight;
      if (!width || !height) return;
      if (size && size.width === width && size.height === height && size.ratio === ratio) return;
      var strokes = pad.toData().slice();
      if (size && strokes.length) {
        strokes = rescaled(strokes, width / size.width, height / size.height);
      }
      size = { width: width, height: height, ratio: ratio };
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
      canvas.getContext("2d").setTransform(ratio, 0, 0, ratio, 0, 0);
      redraw(strokes);
    }

    function scheduleResize() {
      if (pendingResize) clearTimeout(pendingResize);
      pendingResize = setTimeout(resize, RESIZE_DEBOUNCE_MS);
    }

    if (input.value) {
      background = new Image();
      background.onload = function () {
        if (size) redraw(pad.toData().slice());
      };
      background.src = input.value;
    }

    pad.addEventListener("endStroke", store);
    window.addEventListener("resize", scheduleResize);
    window.addEventListener("orientationchange", scheduleResize);
    if (window.ResizeObserver) new window.ResizeObserver(scheduleResize).observe(canvas);
    resize();

    root.querySelector("[data-signature-clear]").addEventListener("click", function () {
      background = null;
      pad.clear();
      input.value = "";
    });

    var form = root.closest("form");
    form.addEventListener("submit", function (event) {
      if (pendingResize) {
        clearTimeout(pendingResize);
        resize();
      }
      if (pad.isEmpty() && !input.value) {
        event.preventDefault();
        if (emptyMessage) emptyMessage.hidden = false;
        canvas.scrollIntoView({ block: "center" });
        return;
      }
      store();
    });
    root.signaturePad = pad;
  }

  document.querySelectorAll("[data-signature-field]").forEach(setup);
  // Fields put in the page later (the signatures without network, offline-sign.js).
  window.SignatureField = { setup: setup };
})();
