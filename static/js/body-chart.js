/* Pain-map body chart (intake/fields.py PainMapWidget).
 *
 * The number inputs in the list are the form data; this script only makes the SVG a faster way
 * to fill them in and keeps both in step. Without it the list works on its own, so nothing here
 * may be required to submit the form. Loaded as an external file: the Content Security Policy
 * forbids inline scripts. */
(function () {
  "use strict";

  function setUp(chart) {
    var palette = (chart.getAttribute("data-palette") || "").split(",");
    var inputs = {};
    chart.querySelectorAll("input[data-region]").forEach(function (input) {
      inputs[input.getAttribute("data-region")] = input;
    });
    var regions = chart.querySelectorAll("[data-region].body-chart-region");
    var buttons = chart.querySelectorAll(".body-chart-level");
    var status = chart.querySelector("[data-status]");
    var brush = 5;

    function valueOf(key) {
      var n = parseInt(inputs[key].value, 10);
      return isNaN(n) || n < 0 || n > 10 ? 0 : n;
    }

    function paint(key) {
      var n = valueOf(key);
      chart.querySelectorAll('.body-chart-region[data-region="' + key + '"]').forEach(function (shape) {
        var label = shape.getAttribute("aria-label").replace(/: .*$/, "");
        var state = n ? n + "/10" : "no pain";
        shape.setAttribute("fill", palette[n] || palette[0]);
        shape.setAttribute("aria-label", label + ": " + state);
        var title = shape.querySelector("title");
        if (title) { title.textContent = label + ": " + state; }
      });
    }

    function chooseBrush(level) {
      brush = level;
      buttons.forEach(function (button) {
        var on = parseInt(button.getAttribute("data-level"), 10) === level;
        button.setAttribute("aria-pressed", on ? "true" : "false");
      });
    }

    function mark(shape) {
      var key = shape.getAttribute("data-region");
      var input = inputs[key];
      if (!input) { return; }
      // Marking a region again with the same intensity clears it: one tap to undo.
      var next = valueOf(key) === brush ? 0 : brush;
      input.value = next ? String(next) : "";
      input.classList.remove("is-invalid");
      input.removeAttribute("aria-invalid");
      paint(key);
      if (status) { status.textContent = shape.getAttribute("aria-label"); }
    }

    regions.forEach(function (shape) {
      shape.addEventListener("click", function () { mark(shape); });
      shape.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault(); // Space would scroll the page
          mark(shape);
        }
      });
    });
    Object.keys(inputs).forEach(function (key) {
      inputs[key].addEventListener("input", function () { paint(key); });
    });
    buttons.forEach(function (button) {
      // The swatch colours come from the same palette as the chart (one source, in Python).
      var level = parseInt(button.getAttribute("data-level"), 10);
      button.style.backgroundColor = palette[level];
      if (level >= 5) { button.classList.add("is-dark"); }
      button.addEventListener("click", function () {
        chooseBrush(parseInt(button.getAttribute("data-level"), 10));
      });
    });

    chooseBrush(brush);
    chart.querySelector("[data-tools]").hidden = false;
    // With the chart working, the long list folds away unless it shows an error to fix.
    var list = chart.querySelector("[data-list]");
    if (list && !list.hasAttribute("data-keep-open")) { list.open = false; }
  }

  function init() {
    document.querySelectorAll("[data-pain-map]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
