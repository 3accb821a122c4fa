// Composer: channel tabs, own-text toggles, media upload and library,
// hashtag groups and snippets. The server's check (HTMX, #checks) stays the authority.
(function () {
  "use strict";
  var form = document.getElementById("composer");
  if (!form) { return; }
  var body = document.getElementById("id_body");
  var mediaInput = document.getElementById("id_media");
  var lastText = body;

  // The counters under the texts come from the server's check (swapped out of band with
  // #checks): the length as published, UTM tags and each network's counting rules
  // included, so they never disagree with the previews.
  function refresh() { form.dispatchEvent(new Event("change", {bubbles: true})); }

  function showTab(id) {
    form.querySelectorAll("[data-tab]").forEach(function (t) { t.classList.toggle("on", t.dataset.tab === id); });
    form.querySelectorAll("[data-variant]").forEach(function (p) { p.hidden = p.dataset.variant !== id; });
  }
  function chosen() { return Array.from(form.querySelectorAll("[data-channel-toggle]:checked")).map(function (c) { return c.value; }); }
  function syncTabs() {
    var ids = chosen();
    form.querySelectorAll("[data-tab]").forEach(function (t) { t.hidden = ids.indexOf(t.dataset.tab) < 0; });
    var current = form.querySelector("[data-tab].on:not([hidden])");
    document.getElementById("variants").hidden = !ids.length;
    if (ids.length) { showTab(current ? current.dataset.tab : ids[0]); }
  }

  form.addEventListener("click", function (e) {
    var tab = e.target.closest("[data-tab]");
    if (tab) { showTab(tab.dataset.tab); }
    var ins = e.target.closest("[data-insert]");
    if (ins) { insert(lastText, ins.dataset.insert); }
    var rm = e.target.closest("[data-remove-media]");
    if (rm) { removeMedia(rm.dataset.removeMedia); }
    var add = e.target.closest("[data-add-media]");
    if (add) { addMedia(add.dataset.addMedia, add.dataset.src, add.dataset.kind, add.dataset.name); }
  });
  form.addEventListener("focusin", function (e) { if (e.target.matches("textarea")) { lastText = e.target; } });
  form.addEventListener("input", function (e) {
    if (e.target === body) {
      form.querySelectorAll("[data-custom]").forEach(function (box) {
        if (!box.checked) {
          var area = form.querySelector('textarea[name="text_' + box.dataset.custom + '"]');
          area.value = body.value;
        }
      });
    }
  });
  form.addEventListener("change", function (e) {
    if (e.target.matches("[data-channel-toggle]")) { syncTabs(); }
    if (e.target.matches("[data-custom]")) {
      var area = form.querySelector('textarea[name="text_' + e.target.dataset.custom + '"]');
      area.disabled = !e.target.checked;
      if (e.target.checked && !area.value) { area.value = body.value; }
      if (e.target.checked) { area.focus(); }
    }
  });

  function insert(area, text) {
    if (!area || area.disabled) { area = body; }
    var s = area.selectionStart || area.value.length, end = area.selectionEnd || s;
    var before = area.value.slice(0, s), sep = before && !/\s$/.test(before) ? " " : "";
    area.value = before + sep + text + area.value.slice(end);
    area.focus();
    area.dispatchEvent(new Event("input", {bubbles: true}));
  }

  function ids() { return mediaInput.value ? mediaInput.value.split(",") : []; }
  function addMedia(id, src, kind, name) {
    if (ids().indexOf(String(id)) >= 0) { return; }
    mediaInput.value = ids().concat([String(id)]).join(",");
    var fig = document.createElement("figure");
    fig.dataset.media = id;
    var thumb = kind === "video" || kind === "document"
      ? Object.assign(document.createElement("div"), {className: kind === "video" ? "vid" : "vid doc",
                                                      textContent: kind === "video" ? "▶" : "PDF"})
      : Object.assign(document.createElement("img"), {src: src, alt: ""});
    var cap = Object.assign(document.createElement("figcaption"), {textContent: name});
    var x = Object.assign(document.createElement("button"), {type: "button", className: "x", textContent: "×"});
    x.dataset.removeMedia = id;
    fig.append(thumb, cap, x);
    document.getElementById("thumbs").append(fig);
    refresh();
  }
  function removeMedia(id) {
    mediaInput.value = ids().filter(function (x) { return x !== String(id); }).join(",");
    var fig = document.querySelector('#thumbs [data-media="' + id + '"]');
    if (fig) { fig.remove(); }
    refresh();
  }

  var upload = document.getElementById("upload");
  if (upload) {
    upload.addEventListener("change", function () {
      Array.from(upload.files).forEach(function (file) {
        var data = new FormData();
        data.append("file", file);
        fetch(form.dataset.mediaApi, {method: "POST", body: data, credentials: "same-origin",
                                      headers: {"X-CSRFToken": document.body.dataset.csrf}})
          .then(function (r) { return r.json().then(function (j) { return [r.ok, j]; }); })
          .then(function (res) {
            if (!res[0]) { smmToast(res[1].error ? res[1].error.message : file.name, "bad"); return; }
            addMedia(res[1].id, "/w/" + location.pathname.split("/")[2] + "/media/" + res[1].id + "/", res[1].kind, res[1].original_name);
          });
      });
      upload.value = "";
    });
  }

  syncTabs();
})();
