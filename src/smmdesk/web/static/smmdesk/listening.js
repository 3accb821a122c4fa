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

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#listening-rows .listening-row")); }
  function opened() { return document.querySelector("#listening-rows .listening-row.on"); }
  function cursor() { return document.querySelector("#listening-rows .listening-row.cursor") || opened(); }

  function setCursor(row, quiet) {
    rows().forEach(function (r) { r.classList.remove("cursor"); });
    if (!row) { return; }
    row.classList.add("cursor");
    if (!quiet) { row.scrollIntoView({block: "nearest"}); }
  }

  function move(step) {
    var list = rows();
    if (!list.length) { return; }
    var i = list.indexOf(cursor());
    i = i < 0 ? 0 : Math.min(list.length - 1, Math.max(0, i + step));
    setCursor(list[i]);
  }

  function focusField(selector) {
    var field = selector && document.querySelector(selector);
    if (field) { field.focus(); }
  }

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

  function nextAfter(row) {
    var list = rows(), i = list.indexOf(row);
    return list[i + 1] || list[i - 1] || null;
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

  function isTyping(el) {
    if (el.isContentEditable) { return true; }
    if (el.tagName === "TEXTAREA" || el.tagName === "SELECT") { return true; }
    return el.tagName === "INPUT" && !/^(checkbox|radio|button|submit|reset)$/.test(el.type);
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
    var el = e.target;
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && el.id === "reply-text") {
      e.preventDefault();
      el.form.requestSubmit();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) { return; }
    if (isTyping(el)) {
      if (e.key === "Escape") { el.blur(); }
      return;
    }
    if (e.key === "Enter" && el.closest("a, button, summary")) { return; }  // their own Enter
    if (document.getElementById("listening-keys").open && e.key !== "?") { return; }
    var run = keys[e.key];
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
