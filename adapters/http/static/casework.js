// Progressive enhancement only: every page works without this script.
(function () {
  "use strict";
  // Move focus to the error summary (or the conflict box) so screen readers announce it.
  var summary = document.querySelector("[data-focus]");
  if (summary) { summary.focus(); }

  // Show only the part of a form that the chosen radio asks for (data-reveal-when="name=value").
  var reveals = document.querySelectorAll("[data-reveal-when]");
  function update() {
    reveals.forEach(function (section) {
      var rule = section.getAttribute("data-reveal-when").split("=");
      var checked = document.querySelector('input[name="' + rule[0] + '"]:checked');
      section.hidden = !checked || checked.value !== rule[1];
    });
  }
  if (reveals.length) {
    document.addEventListener("change", function (event) {
      if (event.target && event.target.type === "radio") { update(); }
    });
    update();
  }

  // Stop a second click from sending the same form twice while the first is on its way
  // (the server would not write twice anyway: each form carries a one-time key).
  document.querySelectorAll("form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-sending")) { event.preventDefault(); return; }
      form.setAttribute("data-sending", "true");
      setTimeout(function () { form.removeAttribute("data-sending"); }, 3000);
    });
  });
})();
