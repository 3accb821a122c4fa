// Calendar: drag a publication onto another day (or hour in the week view) to move it.
(function () {
  "use strict";
  var grid = document.getElementById("calendar");
  if (!grid) { return; }
  var moveUrl = grid.dataset.moveUrl;

  grid.addEventListener("dragstart", function (e) {
    var chip = e.target.closest("[data-pub]");
    if (!chip) { return; }
    e.dataTransfer.setData("text/plain", chip.dataset.pub);
    e.dataTransfer.effectAllowed = "move";
    chip.classList.add("dragging");
  });
  grid.addEventListener("dragend", function (e) {
    var chip = e.target.closest("[data-pub]");
    if (chip) { chip.classList.remove("dragging"); }
  });
  grid.addEventListener("dragover", function (e) {
    var cell = e.target.closest("[data-drop-date]");
    if (!cell) { return; }
    e.preventDefault();
    cell.classList.add("over");
  });
  grid.addEventListener("dragleave", function (e) {
    var cell = e.target.closest("[data-drop-date]");
    if (cell && !cell.contains(e.relatedTarget)) { cell.classList.remove("over"); }
  });
  grid.addEventListener("drop", function (e) {
    var cell = e.target.closest("[data-drop-date]");
    if (!cell) { return; }
    e.preventDefault();
    cell.classList.remove("over");
    var id = e.dataTransfer.getData("text/plain");
    var data = {date: cell.dataset.dropDate};
    if (cell.dataset.dropHour !== undefined) { data.hour = cell.dataset.dropHour; }
    smmPost(moveUrl.replace("/0/", "/" + id + "/"), data).then(function (r) {
      if (r.ok) {
        smmToast(r.message, "ok");
        setTimeout(function () { location.reload(); }, 400);
      } else {
        smmToast(r.message, "bad");
      }
    });
  });

  // Keyboard: ← and → move between periods.
  document.addEventListener("keydown", function (e) {
    if (e.target.matches("input, textarea, select") || e.altKey || e.ctrlKey || e.metaKey) { return; }
    var link = document.querySelector('[data-key="' + e.key + '"]');
    if (link) { location.href = link.href; }
  });
})();
