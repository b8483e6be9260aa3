// Progressive enhancement for the tablet. The pages work without this file.
// 1. A live "Chosen: n of 5" count, and a gentle stop at 5.
// 2. After a few minutes without use: a warning, then the page clears itself.
(function () {
  "use strict";
  var body = document.body;
  var form = document.querySelector("form.checklist");
  if (form) {
    var max = parseInt(form.getAttribute("data-max"), 10) || 5;
    var counter = form.querySelector("[data-count]");
    var template = body.getAttribute("data-count-template") || "Chosen: {n} of {max}";
    var field = form.getAttribute("data-field") || "chosen";
    var boxes = form.querySelectorAll('input[name="' + field + '"]');
    var update = function () {
      var n = form.querySelectorAll('input[name="' + field + '"]:checked').length;
      counter.textContent = template.replace("{n}", n).replace("{max}", max);
      for (var i = 0; i < boxes.length; i++) {
        boxes[i].disabled = !boxes[i].checked && n >= max;
      }
    };
    for (var i = 0; i < boxes.length; i++) boxes[i].addEventListener("change", update);
    update();
  }
  var idle = (parseInt(body.getAttribute("data-idle-seconds"), 10) || 240) * 1000;
  var resetUrl = body.getAttribute("data-reset-url") || "/tablet";
  var warning = document.getElementById("timeout-warning");
  var warnTimer, resetTimer;
  var arm = function () {
    clearTimeout(warnTimer);
    clearTimeout(resetTimer);
    if (warning) warning.hidden = true;
    warnTimer = setTimeout(function () {
      if (warning) {
        warning.hidden = false;
        var button = document.getElementById("still-here");
        if (button) button.focus();
      }
      resetTimer = setTimeout(function () { window.location.replace(resetUrl); }, 60000);
    }, idle);
  };
  ["click", "keydown", "touchstart", "input"].forEach(function (type) {
    document.addEventListener(type, arm, { passive: true });
  });
  arm();
})();
