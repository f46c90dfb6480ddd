// The upload form (数据导入): a large roster over a village's line takes a while to send, and the
// page looked the same meanwhile, so clerks clicked again, which started the upload over. Once the
// form is sent its button is disabled and the page says the file is on its way (the words come
// from the form's data-sending). Back from the result page (the browser's page cache), the form
// is usable again. No library needed.
(function () {
  "use strict";
  var form = document.querySelector("form.upload");
  if (!form) { return; }
  var button = form.querySelector("button[type=submit]");
  var status = document.getElementById("upload-status");
  var label = button ? button.textContent : "";

  form.addEventListener("submit", function () {
    if (!button) { return; }
    // disabled after this event: a button disabled before the form is sent would not be sent with it
    setTimeout(function () {
      button.disabled = true;
      button.textContent = form.getAttribute("data-sending-button") || label;
      if (status) {
        status.textContent = form.getAttribute("data-sending") || "";
        status.hidden = false;
      }
    }, 0);
  });

  window.addEventListener("pageshow", function () {
    if (button) {
      button.disabled = false;
      button.textContent = label;
    }
    if (status) { status.hidden = true; }
  });
}());
