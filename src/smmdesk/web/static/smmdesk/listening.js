// The mentions stream's keyboard, as in the inbox (static/smmdesk/inbox.js). Every key
// also has a link or a button: the page works without this file (and without htmx).
//   j / k  next / previous      Enter  open          r  answer       e  done
//   s      spam                 a      assign       /  search       ?  help
//   Ctrl+Enter in the answer sends it                Esc leaves a field
(function () {
  "use strict";
  var stream = document.getElementById("listening");
  if (!stream) { return; }
  var focusAfterOpen = null;

  var R = smmRows("listening"), rows = R.rows, opened = R.opened, cursor = R.cursor,
    setCursor = R.setCursor, move = R.move, focusField = R.focusField, nextAfter = R.nextAfter;

  function open(row, thenFocus) {
    if (!row) { return; }
    setCursor(row);
    if (row.classList.contains("on") && document.querySelector("#pane .listening-msg")) {
      focusField(thenFocus);
      return;
    }
    focusAfterOpen = thenFocus || null;
    row.querySelector(".inbox-link").click();  // htmx loads it into the pane; a plain link otherwise
  }

  function replaceRow(row, html) {
    var t = document.createElement("template");
    t.innerHTML = html.trim();
    var fresh = t.content.firstElementChild;
    ["on", "cursor"].forEach(function (c) { if (row.classList.contains(c)) { fresh.classList.add(c); } });
    row.replaceWith(fresh);
    if (window.htmx) { htmx.process(fresh); }
    return fresh;
  }

  // e / s: mark the mention under the cursor, then go on to the next one.
  function mark(status) {
    var row = cursor();
    if (!row || !row.dataset.action) { return; }
    var wasOpen = row.classList.contains("on"), next = nextAfter(row);
    smmPost(row.dataset.action, {status: status, keep: stream.dataset.keep}).then(function (answer) {
      smmToast(answer.message, answer.ok ? "ok" : "bad");
      if (!answer.row) { return; }
      var fresh = replaceRow(row, answer.row);
      if (!answer.ok) { return; }
      setCursor(next || fresh);
      if (wasOpen && next) { open(next); }
      else if (wasOpen && window.htmx) { htmx.ajax("GET", document.querySelector("#pane .listening-msg").dataset.url, {target: "#pane"}); }
    }).catch(function () { smmToast(stream.dataset.errorText, "bad"); });
  }

  function help() {
    var box = document.getElementById("listening-keys");
    if (box.open) { box.close(); } else { box.showModal(); }
  }

  var keys = {
    "j": function () { move(1); },
    "k": function () { move(-1); },
    "Enter": function () { open(cursor()); },
    "r": function () { open(cursor(), "#reply-text"); },
    "e": function () { mark("done"); },
    "s": function () { mark("spam"); },
    "a": function () { open(cursor(), "#listening-assign"); },
    "/": function () { focusField("#listening-q"); },
    "?": help
  };

  document.addEventListener("keydown", function (e) {
    var run = smmStreamKey(e, keys, "listening-keys");
    if (run) { e.preventDefault(); run(); }
  });

  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-keys-open]")) { help(); return; }
    var row = e.target.closest("#listening-rows .listening-row");
    if (row) { setCursor(row, true); }
  });

  // A mention was loaded into the pane: mark its row, and on a phone show the pane alone.
  document.addEventListener("htmx:afterSettle", function (e) {
    var msg = document.querySelector("#pane .listening-msg");
    if (!msg || (e.detail.target && e.detail.target.id !== "pane")) { return; }
    rows().forEach(function (r) { r.classList.toggle("on", r.dataset.id === msg.dataset.message); });
    stream.classList.add("has-open");
    if (window.matchMedia("(max-width: 800px)").matches) { window.scrollTo(0, 0); }
    if (focusAfterOpen) { focusField(focusAfterOpen); focusAfterOpen = null; }
  });

  document.addEventListener("htmx:oobAfterSwap", function () {
    var row = opened();
    if (row && !cursor()) { setCursor(row); }
  });

  setCursor(opened() || rows()[0], true);
})();
