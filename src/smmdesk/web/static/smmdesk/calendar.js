// Calendar: drag a publication onto another day (or hour in the week view) to move it, or
// carry it there with the keyboard.
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

  // Keyboard moves, for whoever does not drag: focus a post, press M (or Space) to pick it
  // up, the arrows carry it a day (↑ ↓ a week; an hour in the week view), Enter drops it
  // there through the same endpoint as the drag, Escape puts it back.
  var live = document.createElement("p");
  live.className = "sr-only";
  live.id = "cal-live";
  live.setAttribute("aria-live", "assertive");
  grid.appendChild(live);
  var carried = null;  // {chip, home, before, cell}
  var relocating = false;

  grid.querySelectorAll("[data-pub]").forEach(function (chip) {
    chip.setAttribute("aria-keyshortcuts", "M Space");
    if (document.getElementById("cal-keys")) { chip.setAttribute("aria-describedby", "cal-keys"); }
  });

  function say(text) {
    live.textContent = "";
    setTimeout(function () { live.textContent = text; }, 50);
  }

  function dayLabel(cell) {
    var p = cell.dataset.dropDate.split("-").map(Number);
    var label = new Date(p[0], p[1] - 1, p[2]).toLocaleDateString(
      document.documentElement.lang || undefined, {weekday: "long", day: "numeric", month: "long"});
    var hour = cell.dataset.dropHour;
    return hour === undefined ? label : label + ", " + ("0" + hour).slice(-2) + ":00";
  }

  function shiftDay(iso, days) {
    var p = iso.split("-").map(Number);
    return new Date(Date.UTC(p[0], p[1] - 1, p[2] + days)).toISOString().slice(0, 10);
  }

  function target(cell, key) {
    var hour = cell.dataset.dropHour, date = cell.dataset.dropDate;
    var days = {ArrowLeft: -1, ArrowRight: 1}[key] || 0;
    if (hour === undefined && !days) { days = key === "ArrowUp" ? -7 : 7; }
    if (hour !== undefined && !days) { hour = String(Number(hour) + (key === "ArrowUp" ? -1 : 1)); }
    var sel = '[data-drop-date="' + shiftDay(date, days) + '"]' +
      (hour === undefined ? "" : '[data-drop-hour="' + hour + '"]');
    return grid.querySelector(sel);
  }

  function place(chip, cell, before) {
    relocating = true;
    if (before && before.parentNode === cell) { cell.insertBefore(chip, before); }
    else { cell.appendChild(chip); }
    chip.focus();
    relocating = false;
  }

  function pickUp(chip) {
    var cell = chip.closest("[data-drop-date]");
    if (!cell) { return; }
    carried = {chip: chip, home: cell, before: chip.nextSibling, cell: cell};
    chip.classList.add("moving");
    chip.setAttribute("aria-grabbed", "true");
    say((grid.dataset.sayPicked || "%(day)s").replace("%(day)s", dayLabel(cell)));
  }

  function letGo() {
    grid.querySelectorAll(".over").forEach(function (c) { c.classList.remove("over"); });
    carried.chip.classList.remove("moving");
    carried.chip.removeAttribute("aria-grabbed");
    carried = null;
  }

  function putBack(announce) {
    var c = carried;
    place(c.chip, c.home, c.before);
    letGo();
    if (announce) { say(grid.dataset.sayCancelled || ""); }
  }

  function carry(key) {
    var next = target(carried.cell, key);
    if (!next) { return; }
    carried.cell.classList.remove("over");
    carried.cell = next;
    if (next !== carried.home) { next.classList.add("over"); }
    place(carried.chip, next, null);
    say(dayLabel(next));
  }

  function drop() {
    var c = carried, cell = c.cell;
    if (cell === c.home) { putBack(true); return; }
    var data = {date: cell.dataset.dropDate};
    if (cell.dataset.dropHour !== undefined) { data.hour = cell.dataset.dropHour; }
    letGo();
    smmPost(moveUrl.replace("/0/", "/" + c.chip.dataset.pub + "/"), data).then(function (r) {
      if (!r.ok) {
        carried = c;
        putBack(false);
        say(r.message);
        smmToast(r.message, "bad");
        return;
      }
      c.chip.className = c.chip.className.replace(/\bst-\S+/, "st-" + r.status);
      if (data.hour !== undefined) {
        var t = c.chip.querySelector(".t");
        if (t) { t.textContent = ("0" + data.hour).slice(-2) + t.textContent.slice(2); }
      }
      c.chip.classList.add("flash");
      setTimeout(function () { c.chip.classList.remove("flash"); }, 1600);
      say(r.message);
      smmToast(r.message, "ok");
    });
  }

  grid.addEventListener("keydown", function (e) {
    var chip = e.target.closest && e.target.closest("[data-pub]");
    if (!chip || e.altKey || e.ctrlKey || e.metaKey) { return; }
    if (!carried) {
      // KeyM: the M key on any layout (it types "ь" on a Cyrillic one).
      if (e.code !== "KeyM" && e.key !== "m" && e.key !== " ") { return; }
      pickUp(chip);
    } else if (/^Arrow(Left|Right|Up|Down)$/.test(e.key)) {
      carry(e.key);
    } else if (e.key === "Enter" || e.key === " ") {
      drop();
    } else if (e.key === "Escape") {
      putBack(true);
    } else {
      return;
    }
    e.preventDefault();
    e.stopPropagation();
  });
  grid.addEventListener("focusout", function (e) {
    if (carried && !relocating && e.target === carried.chip) { putBack(true); }
  });

  // Keyboard: ← and → move between periods.
  document.addEventListener("keydown", function (e) {
    if (e.target.matches("input, textarea, select") || e.altKey || e.ctrlKey || e.metaKey) { return; }
    var link = document.querySelector('[data-key="' + e.key + '"]');
    if (link) { location.href = link.href; }
  });
})();
