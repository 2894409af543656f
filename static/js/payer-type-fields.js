/* The coverage form shows the fields of the chosen payer type only.
 *
 * Markup (templates/billing/coverage/form.html): a <form data-payer-type-form> with a select
 * named payer_type, and fieldsets <fieldset data-payer-types="commercial auto_pip">.
 * Without script every fieldset shows (each says which kind it is for), and the server
 * ignores the fields the chosen kind does not use. No inline script: the CSP forbids it.
 */
(function () {
  "use strict";

  function setUp(form) {
    var select = form.querySelector('select[name="payer_type"]');
    if (!select) return;
    var sets = form.querySelectorAll("fieldset[data-payer-types]");

    function refresh() {
      sets.forEach(function (set) {
        var kinds = set.getAttribute("data-payer-types").split(" ");
        set.hidden = kinds.indexOf(select.value) === -1;
      });
    }

    select.addEventListener("change", refresh);
    refresh();
  }

  document.querySelectorAll("form[data-payer-type-form]").forEach(setUp);
})();
