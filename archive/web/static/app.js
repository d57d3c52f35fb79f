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
