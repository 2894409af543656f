/* "Add a row" for Django formsets, without a round trip to the server.
 *
 * Markup (see templates/intake/assessment_form.html):
 *   <div data-formset="PREFIX">             the formset's management form is inside
 *     <div data-formset-rows>...</div>      the rows
 *     <template data-formset-empty>...</template>   formset.empty_form (ids hold __prefix__)
 *     <button type="button" data-formset-add hidden>Add a row</button>
 *   </div>
 * The button stays hidden without script; the page then offers enough empty rows and a
 * "Save and add more rows" button. An added row left empty is skipped on save, like the
 * server's own empty rows. No inline script or style: the CSP forbids both.
 */
(function () {
  "use strict";

  function setUp(box) {
    var prefix = box.getAttribute("data-formset");
    var total = box.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
    var max = box.querySelector('input[name="' + prefix + '-MAX_NUM_FORMS"]');
    var template = box.querySelector("template[data-formset-empty]");
    var rows = box.querySelector("[data-formset-rows]");
    var button = box.querySelector("[data-formset-add]");
    if (!total || !template || !rows || !button) return;

    function refresh() {
      button.disabled = max !== null && Number(total.value) >= Number(max.value);
    }

    button.addEventListener("click", function () {
      var index = Number(total.value);
      rows.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
      total.value = String(index + 1);
      refresh();
      var first = rows.lastElementChild.querySelector("input, select, textarea");
      if (first) first.focus();  // keyboard users carry on typing in the new row
    });
    button.hidden = false;
    refresh();
  }

  document.querySelectorAll("[data-formset]").forEach(setUp);
})();
