// The inbox's keyboard and small helpers. Everything here also has a link or a button:
// the page works without this file (and without htmx).
//   j / k  next / previous      Enter  open          r  answer       e  done
//   s      spam                 x      tick          a  assign       /  search
//   ?      help                 Ctrl+Enter in the answer sends it    Esc leaves a field
//   1-6    correct the intent   7-9    correct the tone (the help lists them; the
//          server renders that list, and this file reads it from there)
(function () {
  "use strict";
  var inbox = document.getElementById("inbox");
  if (!inbox) { return; }
  var focusAfterOpen = null;

  var R = smmRows("inbox"), rows = R.rows, opened = R.opened, cursor = R.cursor,
    setCursor = R.setCursor, move = R.move, focusField = R.focusField, nextAfter = R.nextAfter;

  function open(row, thenFocus) {
    if (!row) { return; }
    setCursor(row);
    if (row.classList.contains("on") && document.querySelector("#pane .inbox-msg")) {
      focusField(thenFocus);
      return;
    }
    focusAfterOpen = thenFocus || null;
    row.querySelector(".inbox-link").click();  // htmx loads it into the pane; a plain link otherwise
  }

  // e / s: mark the message under the cursor, then go on to the next one.
  function mark(status) {
    var row = cursor();
    if (!row || !row.dataset.action) { return; }
    var wasOpen = row.classList.contains("on"), next = nextAfter(row);
    smmPost(row.dataset.action, {status: status, keep: inbox.dataset.keep}).then(function (answer) {
      smmToast(answer.message, answer.ok ? "ok" : "bad");
      if (!answer.row) { return; }
      var fresh = replaceRow(row, answer.row);
      if (!answer.ok) { return; }
      if (next) { setCursor(next); } else { setCursor(fresh); }
      if (wasOpen && next) { open(next); }
      else if (wasOpen && window.htmx) { htmx.ajax("GET", document.querySelector("#pane .inbox-msg").dataset.url, {target: "#pane"}); }
    }).catch(function () { smmToast(inbox.dataset.errorText, "bad"); });
  }

  function replaceRow(row, html) {
    var t = document.createElement("template");
    t.innerHTML = html.trim();
    var fresh = t.content.firstElementChild;
    var tick = row.querySelector(".inbox-tick"), freshTick = fresh.querySelector(".inbox-tick");
    if (tick && freshTick) { freshTick.checked = tick.checked; }
    ["on", "cursor"].forEach(function (c) { if (row.classList.contains(c)) { fresh.classList.add(c); } });
    row.replaceWith(fresh);
    if (window.htmx) { htmx.process(fresh); }
    return fresh;
  }

  // 1-9: correct one label of the message under the cursor, as its "Correct it" form
  // does; the row (and the open message) come back with the label made sure.
  function correct(field, value) {
    var row = cursor();
    if (!row || !row.dataset.correct) { return; }
    var data = {keep: inbox.dataset.keep};
    data[field] = value;
    smmPost(row.dataset.correct, data).then(function (answer) {
      smmToast(answer.message, answer.ok ? "ok" : "bad");
      if (!answer.row) { return; }
      var fresh = replaceRow(row, answer.row);
      var msg = document.querySelector("#pane .inbox-msg");
      if (answer.ok && msg && msg.dataset.message === fresh.dataset.id && window.htmx) {
        htmx.ajax("GET", msg.dataset.url, {target: "#pane"});
      }
    }).catch(function () { smmToast(inbox.dataset.errorText, "bad"); });
  }

  function toggleTick() {
    var tick = cursor() && cursor().querySelector(".inbox-tick");
    if (tick) { tick.checked = !tick.checked; }
  }

  function help() {
    var box = document.getElementById("inbox-keys");
    if (box.open) { box.close(); } else { box.showModal(); }
  }

  var keys = {
    "j": function () { move(1); },
    "k": function () { move(-1); },
    "Enter": function () { open(cursor()); },
    "r": function () { open(cursor(), "#reply-text"); },
    "e": function () { mark("done"); },
    "s": function () { mark("spam"); },
    "x": toggleTick,
    "a": function () { open(cursor(), "#inbox-assign"); },
    "/": function () { focusField("#inbox-q"); },
    "?": help
  };
  document.querySelectorAll("#inbox-keys [data-correct-key]").forEach(function (d) {
    keys[d.dataset.correctKey] = function () { correct(d.dataset.field, d.dataset.value); };
  });

  // The digit on the key, whatever the layout (AZERTY types "&" for 1 without Shift).
  function keyOf(e) {
    if (!/^[0-9]$/.test(e.key) && /^Digit[0-9]$/.test(e.code || "") && !e.shiftKey) {
      return e.code.slice(5);
    }
    return e.key;
  }

  document.addEventListener("keydown", function (e) {
    var run = smmStreamKey(e, keys, "inbox-keys", keyOf);
    if (run) { e.preventDefault(); run(); }
  });

  document.addEventListener("click", function (e) {
    var opener = e.target.closest("[data-keys-open]");
    if (opener) { help(); return; }
    var saved = e.target.closest("[data-fill]");
    if (saved) {  // a saved reply goes into the answer, where the cursor is
      var box = document.getElementById("reply-text");
      if (!box) { return; }
      e.preventDefault();
      box.focus();
      box.setRangeText(saved.dataset.fill, box.selectionStart, box.selectionEnd, "end");
      return;
    }
    var row = e.target.closest("#inbox-rows .inbox-row");
    if (row) { setCursor(row, true); }
  });

  document.addEventListener("change", function (e) {
    if (e.target.matches("[data-check-all]")) {
      document.querySelectorAll(".inbox-tick").forEach(function (t) { t.checked = e.target.checked; });
    }
  });

  // An answer was sent: when it went out (the box comes back empty), leave the box, so
  // that j / k / e work again at once; when it failed, the text stays and so does the focus.
  var answering = false;
  document.addEventListener("htmx:beforeRequest", function (e) {
    answering = !!(e.detail.elt && e.detail.elt.querySelector && e.detail.elt.querySelector("#reply-text"));
  });

  // A message was loaded into the pane: mark its row, and on a phone show the pane alone.
  document.addEventListener("htmx:afterSettle", function (e) {
    var msg = document.querySelector("#pane .inbox-msg");
    if (!msg || (e.detail.target && e.detail.target.id !== "pane")) { return; }
    var box = document.getElementById("reply-text");
    if (answering && box && !box.value && document.activeElement === box) { box.blur(); }
    answering = false;
    rows().forEach(function (r) { r.classList.toggle("on", r.dataset.id === msg.dataset.message); });
    inbox.classList.add("has-open");
    if (window.matchMedia("(max-width: 800px)").matches) { window.scrollTo(0, 0); }
    if (focusAfterOpen) { focusField(focusAfterOpen); focusAfterOpen = null; }
  });

  // Keep ticks when the server sends a row again (htmx out-of-band swap).
  var ticked = [];
  document.addEventListener("htmx:beforeSwap", function () {
    ticked = Array.prototype.map.call(document.querySelectorAll(".inbox-tick:checked"), function (t) { return t.value; });
  });
  document.addEventListener("htmx:oobAfterSwap", function () {
    document.querySelectorAll(".inbox-tick").forEach(function (t) { if (ticked.indexOf(t.value) >= 0) { t.checked = true; } });
    var row = document.querySelector("#inbox-rows .inbox-row.on");
    if (row && !cursor()) { setCursor(row); }
  });

  setCursor(opened() || rows()[0], true);
})();
