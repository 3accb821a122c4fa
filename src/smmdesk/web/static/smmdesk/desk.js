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
