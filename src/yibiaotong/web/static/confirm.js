// A form with data-confirm asks before it is sent (disabling an account, …). The app's
// Content-Security-Policy (default-src 'self') blocks inline onsubmit handlers, so the question is
// attached here, from a file of the app's own. No library needed.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
}());
