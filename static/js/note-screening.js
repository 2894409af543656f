/* Screening as the session note's technique rows are filled in (issue 17, item 5).
 *
 * Markup (templates/sessions_log/note_form.html, _technique_row.html):
 *   <div data-screen-url="/appointments/<id>/note/screen/">   around the technique rows
 *     <div data-technique-row> ...the row's selects... <div data-screen-findings aria-live="polite">
 * When a row's technique, region, position or pressure changes, the server says what that work
 * meets on the client's health history, and the row shows it. Saving checks it again: this
 * only tells the therapist sooner. No inline script or style: the CSP forbids both.
 */
(function () {
  "use strict";

  var FIELDS = ["technique", "body_region", "position", "pressure"];

  function valueOf(row, field) {
    var input = row.querySelector('[name$="-' + field + '"]');
    return input ? input.value : "";
  }

  function show(box, findings) {
    box.textContent = "";
    if (!findings.length) return;
    var list = document.createElement("ul");
    list.className = "list-unstyled mb-1";
    findings.forEach(function (finding) {
      var item = document.createElement("li");
      item.className = finding.severity === "contraindicated" ? "text-danger" : "text-body-secondary";
      var text = finding.label + ": " + finding.reason;
      if (finding.needs_reason) text += " Write why below, or change the row.";
      item.textContent = text;
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  function screen(url, row) {
    var box = row.querySelector("[data-screen-findings]");
    if (!box) return;
    var params = new URLSearchParams();
    FIELDS.forEach(function (field) {
      params.set(field, valueOf(row, field));
    });
    // Only the newest answer counts: an earlier request (the row before its last change) may
    // come back later and must not overwrite it.
    var asked = (Number(box.getAttribute("data-asked")) || 0) + 1;
    box.setAttribute("data-asked", String(asked));
    function current() {
      return Number(box.getAttribute("data-asked")) === asked;
    }
    if (!params.get("technique")) {
      box.textContent = "";
      return;
    }
    fetch(url + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : { findings: [] };
      })
      .then(function (data) {
        if (current()) show(box, data.findings || []);
      })
      .catch(function () {
        if (current()) box.textContent = "";
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-screen-url]").forEach(function (area) {
      var url = area.getAttribute("data-screen-url");
      area.addEventListener("change", function (event) {
        var row = event.target.closest("[data-technique-row]");
        if (row) screen(url, row);
      });
      area.querySelectorAll("[data-technique-row]").forEach(function (row) {
        screen(url, row);
      });
    });
  });
})();
