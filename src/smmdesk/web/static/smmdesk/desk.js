// smmdesk: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  function csrf() { return document.body.dataset.csrf; }

  // Show a short message at the bottom of the screen.
  window.smmToast = function (text, kind) {
    var box = document.getElementById("toast");
    if (!box) { alert(text); return; }
    box.textContent = text;
    box.className = "toast " + (kind || "");
    box.hidden = false;
    clearTimeout(box._t);
    box._t = setTimeout(function () { box.hidden = true; }, 6000);
  };

  // POST form-encoded data with the CSRF token; resolve with the JSON answer.
  window.smmPost = function (url, data) {
    var body = new URLSearchParams(data || {});
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"X-CSRFToken": csrf(), "Accept": "application/json"}
    }).then(function (r) { return r.json().then(function (j) { j._status = r.status; return j; }); });
  };

  document.addEventListener("change", function (e) {
    if (e.target.matches("[data-switch-workspace]")) {
      location.href = "/w/" + e.target.value + "/";
    }
    if (e.target.matches("[data-autosubmit]")) { e.target.form.submit(); }
  });

  // Sizes and colours that come from data arrive as data- attributes (the
  // Content-Security-Policy refuses style="" attributes); CSSOM writes are allowed.
  function applyDataStyles(root) {
    if (!root.querySelectorAll) { return; }
    var found = Array.prototype.slice.call(
      root.querySelectorAll("[data-color], [data-width], [data-height], [data-left]"));
    if (root.matches && root.matches("[data-color], [data-width], [data-height], [data-left]")) {
      found.push(root);
    }
    // Templates may localise numbers ("12,5" in Russian): read either separator.
    function num(v) { return parseFloat(String(v).replace(",", ".")) || 0; }
    found.forEach(function (el) {
      var d = el.dataset;
      if (d.color) { el.style.setProperty("--c", d.color); }
      if (d.width) { el.style.width = num(d.width) + "%"; }
      if (d.height) { el.style.height = num(d.height) + "%"; }
      if (d.left) { el.style.left = "calc(" + num(d.left) + "% - 1px)"; }
    });
  }
  applyDataStyles(document);
  // Rows swapped in later (htmx, the inbox's keyboard actions) get theirs too.
  new MutationObserver(function (changes) {
    changes.forEach(function (c) { c.addedNodes.forEach(applyDataStyles); });
  }).observe(document.documentElement, {childList: true, subtree: true});

  // Copy to clipboard: <button data-copy="#id-of-input">
  document.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-copy]");
    if (!btn) { return; }
    var field = document.querySelector(btn.dataset.copy);
    field.select();
    (navigator.clipboard ? navigator.clipboard.writeText(field.value) : Promise.resolve(document.execCommand("copy")))
      .then(function () { smmToast(btn.dataset.copied || "Copied", "ok"); });
  });
})();
