// A report job's page follows its progress (GET /api/reports/{id}, the session's cookie) and
// reloads once the job has finished, to show the download or what went wrong. No library needed.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var status = box.getAttribute("data-status");
  if (status === "done" || status === "failed") { return; }
  var url = box.getAttribute("data-api");
  var bar = document.getElementById("job-progress");
  var count = document.getElementById("job-count");
  var label = document.getElementById("job-status");

  function show(job) {
    bar.max = job.total || 1;
    bar.value = job.done;
    bar.textContent = job.percent + "%";
    count.textContent = box.getAttribute("data-count")
      .replace("{done}", job.done).replace("{total}", job.total).replace("{rows}", job.rows.toLocaleString());
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
