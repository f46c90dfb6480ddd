// A background job's page (a report job, an import) follows its progress through the JSON API
// (data-api, with the session's cookie) and reloads once the job has finished, to show its result.
// The page names the job's fields: data-done / data-total (the progress bar; no total: a bar without
// a value), data-count (a sentence whose {field}s are the job's) and data-count-unknown (the same
// while the total is unknown), data-status-<status> (the status in words). No library needed.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var status = box.getAttribute("data-status");
  if (status === "done" || status === "failed") { return; }
  var url = box.getAttribute("data-api");
  var doneField = box.getAttribute("data-done") || "done";
  var totalField = box.getAttribute("data-total") || "total";
  var bar = document.getElementById("job-progress");
  var count = document.getElementById("job-count");
  var label = document.getElementById("job-status");

  function words(template, job) {
    return template.replace(/\{(\w+)\}/g, function (all, field) {
      var value = job[field];
      return value === null || value === undefined ? all : Number(value).toLocaleString();
    });
  }

  function show(job) {
    var total = job[totalField];
    if (total) {
      bar.max = total;
      bar.value = job[doneField];
      bar.textContent = job.percent + "%";
    }
    var template = (!total && box.getAttribute("data-count-unknown")) || box.getAttribute("data-count");
    count.textContent = words(template, job);
    label.textContent = box.getAttribute("data-status-" + job.status) || job.status;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (!body.ok) { setTimeout(poll, 5000); return; }
        show(body.job);
        if (body.job.status === "done" || body.job.status === "failed") {
          window.location.reload();
        } else {
          setTimeout(poll, 1000);
        }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }

  setTimeout(poll, 500);
}());
