// A stream of rows worked from the keyboard: the inbox (inbox.js) and listening's
// mentions (listening.js) share this. ``smmRows("inbox")`` reads the rows
// "#inbox-rows .inbox-row" and moves the cursor among them; ``smmStreamKey`` is the
// common part of their keydown handler (Ctrl+Enter sends the answer, a field keeps its
// own keys, Esc leaves it, the help dialog takes no other key).
(function () {
  "use strict";

  window.smmRows = function (prefix) {
    var all = "#" + prefix + "-rows ." + prefix + "-row";
    var api = {
      rows: function () { return Array.prototype.slice.call(document.querySelectorAll(all)); },
      opened: function () { return document.querySelector(all + ".on"); },
      cursor: function () { return document.querySelector(all + ".cursor") || api.opened(); },
      setCursor: function (row, quiet) {
        api.rows().forEach(function (r) { r.classList.remove("cursor"); });
        if (!row) { return; }
        row.classList.add("cursor");
        if (!quiet) { row.scrollIntoView({block: "nearest"}); }
      },
      move: function (step) {
        var list = api.rows();
        if (!list.length) { return; }
        var i = list.indexOf(api.cursor());
        i = i < 0 ? 0 : Math.min(list.length - 1, Math.max(0, i + step));
        api.setCursor(list[i]);
      },
      nextAfter: function (row) {
        var list = api.rows(), i = list.indexOf(row);
        return list[i + 1] || list[i - 1] || null;
      },
      focusField: function (selector) {
        var field = selector && document.querySelector(selector);
        if (field) { field.focus(); }
      }
    };
    return api;
  };

  function isTyping(el) {
    if (el.isContentEditable) { return true; }
    if (el.tagName === "TEXTAREA" || el.tagName === "SELECT") { return true; }
    return el.tagName === "INPUT" && !/^(checkbox|radio|button|submit|reset)$/.test(el.type);
  }

  // The key's handler from ``keys`` (by ``name(e)``, default e.key), or null when the
  // key belongs to something else; Ctrl+Enter in the answer box sends it here.
  window.smmStreamKey = function (e, keys, dialogId, name) {
    var el = e.target;
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && el.id === "reply-text") {
      e.preventDefault();
      el.form.requestSubmit();
      return null;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) { return null; }
    if (isTyping(el)) {
      if (e.key === "Escape") { el.blur(); }
      return null;
    }
    if (e.key === "Enter" && el.closest("a, button, summary")) { return null; }  // their own Enter
    if (document.getElementById(dialogId).open && e.key !== "?") { return null; }
    return keys[name ? name(e) : e.key] || null;
  };
})();
