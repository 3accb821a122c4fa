/* The competitors page: confirm deletions, show the hint and the Instagram account
   field for the network chosen in "add a page", and bring the post an alert linked to
   (?post=<id>) into view. The page works without this file. */
(function () {
  "use strict";

  document.addEventListener("submit", function (e) {
    var form = e.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) { e.preventDefault(); }
  });

  function syncKind(form) {
    var select = form.querySelector("[data-kind]");
    if (!select) { return; }
    var option = select.options[select.selectedIndex];
    var help = form.querySelector("[data-kind-help]");
    if (help && option) { help.textContent = option.dataset.help || ""; }
    var instagram = form.querySelector("[data-instagram-only]");
    if (instagram) { instagram.hidden = select.value !== "instagram"; }
  }

  document.addEventListener("change", function (e) {
    if (e.target.matches("[data-kind]")) { syncKind(e.target.form); }
  });

  function ready() {
    document.querySelectorAll("form[data-page-form]").forEach(syncKind);
    var marked = document.querySelector(".competitor-card .highlight");
    if (marked) { marked.scrollIntoView({block: "center"}); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
}());
