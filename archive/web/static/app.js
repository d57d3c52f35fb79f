// Place each OCR word's box over the page image (percentages of the image, so any size fits), and
// show a clicked word's box and confidence. Without this script the words are listed as buttons.
document.querySelectorAll(".scan").forEach(function (scan) {
  var size = (scan.dataset.size || "").split(",").map(Number);
  if (size.length !== 2 || !size[0] || !size[1]) return;
  scan.classList.add("boxed");
  var info = scan.parentElement.querySelector(".wordinfo");
  scan.querySelectorAll(".word").forEach(function (w) {
    var b = w.dataset.box.split(",").map(Number);
    w.style.left = (100 * b[0] / size[0]) + "%"; w.style.top = (100 * b[1] / size[1]) + "%";
    w.style.width = (100 * (b[2] - b[0]) / size[0]) + "%"; w.style.height = (100 * (b[3] - b[1]) / size[1]) + "%";
    w.addEventListener("click", function () {
      scan.querySelectorAll(".word.chosen").forEach(function (o) { o.classList.remove("chosen"); });
      w.classList.add("chosen");
      if (info) info.textContent = "“" + w.textContent + "” box " + w.dataset.box + ", confidence " + w.dataset.conf;
    });
  });
});

// A background job's page: follow its progress from /api/jobs/ID (the job's row in the database), and
// reload the page when it ends so the server lists the results. Without this script the page refreshes itself.
document.querySelectorAll("#job[data-status-url]").forEach(function (box) {
  if (box.dataset.state === "done" || box.dataset.state === "failed") return;
  var bar = box.querySelector("progress"), stage = box.querySelector(".stage"),
      count = box.querySelector(".count"), state = box.querySelector(".state");
  function poll() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (job) {
        state.textContent = job.state; stage.textContent = job.stage;
        count.textContent = job.done + "/" + job.total;
        bar.max = job.total || 1; bar.value = job.total ? job.done : 0;
        if (job.state === "done" || job.state === "failed") { window.location.reload(); return; }
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
});
