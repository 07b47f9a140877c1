/* Picture editors of the product form (siyu/console/forms_media.py):
 * - the gallery: thumbnails in order, dragged or moved with arrows, removed, added from the library
 *   (a dialog with the picker page) or uploaded (POST to the library's JSON upload);
 * - the detail (图文详情): a contenteditable area with a small toolbar, copied into its textarea on
 *   every change; images come from the library. The server cleans the HTML either way.
 * Without JavaScript the gallery keeps its hidden inputs plus an address field; the detail is shown as
 * saved and posted back unchanged. */
(function () {
  "use strict";

  function csrfToken(el) {
    var form = el.closest("form");
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function upload(el, files, done, showErrors) {
    var body = new FormData();
    Array.prototype.forEach.call(files, function (f) { body.append("pictures", f); });
    showErrors([]);
    return fetch(el.dataset.uploadUrl, {
      method: "POST",
      body: body,
      headers: { "X-CSRFToken": csrfToken(el), Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        (data.images || []).forEach(done);
        showErrors((data.errors || []).map(function (e) { return e.message; }));
      })
      .catch(function () { showErrors([el.dataset.failed || "Upload failed"]); });
  }

  function errorsOf(el) {
    var box = el.querySelector("[data-upload-errors]");
    return function (messages) { box.textContent = messages.join(" "); };
  }

  // One dialog for every editor: shows a page of the library, calls back with the picked image.
  var dialog = null;
  var onPick = null;
  function openPicker(url, title, pick) {
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.className = "picker";
      dialog.innerHTML = '<div class="picker-head"><h2></h2><button type="button" data-close>×</button></div><div data-picker-content></div>';
      document.body.appendChild(dialog);
      dialog.addEventListener("click", function (event) {
        var tile = event.target.closest("[data-pick]");
        if (tile && onPick) {
          dialog.close(); // first: while the modal is open the page behind it cannot take focus
          onPick({ url: tile.dataset.url, thumbnail_url: tile.dataset.thumb, name: tile.dataset.alt });
          return;
        }
        var page = event.target.closest("[data-picker-page]");
        if (page) load(dialog.dataset.url + "?page=" + page.dataset.pickerPage);
        if (event.target.closest("[data-close]") || event.target === dialog) dialog.close();
      });
    }
    function load(href) {
      fetch(href, { credentials: "same-origin", headers: { "HX-Request": "true" } })
        .then(function (r) { return r.text(); })
        .then(function (html) { dialog.querySelector("[data-picker-content]").innerHTML = html; });
    }
    onPick = pick;
    dialog.dataset.url = url;
    dialog.querySelector("h2").textContent = title;
    dialog.querySelector("[data-picker-content]").innerHTML = "";
    load(url);
    dialog.showModal();
  }

  function setUpGallery(root) {
    var list = root.querySelector("[data-gallery-items]");
    var template = root.querySelector("template[data-item-template]");
    var most = parseInt(root.dataset.most, 10) || 20;
    var showErrors = errorsOf(root);
    var pick = root.querySelector("[data-open-picker]");
    var uploadLabel = root.querySelector("[data-upload-label]");
    pick.hidden = false;
    uploadLabel.hidden = false;

    function add(image) {
      var urls = Array.prototype.map.call(list.children, function (li) { return li.dataset.url; });
      if (urls.indexOf(image.url) >= 0) return;
      if (urls.length >= most) { showErrors([root.dataset.full || "At most " + most]); return; }
      var li = template.content.firstElementChild.cloneNode(true);
      li.dataset.url = image.url;
      li.querySelector("img").src = image.thumbnail_url || image.url;
      li.querySelector("input").value = image.url;
      list.appendChild(li);
    }

    pick.addEventListener("click", function () { openPicker(root.dataset.pickerUrl, pick.textContent, add); });
    root.querySelector("[data-upload]").addEventListener("change", function (event) {
      var input = event.target;
      upload(root, input.files, add, showErrors).then(function () { input.value = ""; });
    });
    list.addEventListener("click", function (event) {
      var li = event.target.closest(".gallery-item");
      if (!li) return;
      var move = event.target.closest("[data-move]");
      if (move) {
        if (move.dataset.move === "-1" && li.previousElementSibling) list.insertBefore(li, li.previousElementSibling);
        if (move.dataset.move === "1" && li.nextElementSibling) list.insertBefore(li.nextElementSibling, li);
      }
      if (event.target.closest("[data-remove]")) li.remove();
    });
    var dragged = null;
    list.addEventListener("dragstart", function (event) {
      dragged = event.target.closest(".gallery-item");
      if (dragged) { dragged.classList.add("dragging"); event.dataTransfer.effectAllowed = "move"; }
    });
    list.addEventListener("dragend", function () { if (dragged) dragged.classList.remove("dragging"); dragged = null; });
    list.addEventListener("dragover", function (event) {
      if (!dragged) return;
      event.preventDefault();
      var over = event.target.closest(".gallery-item");
      if (!over || over === dragged) return;
      var box = over.getBoundingClientRect();
      var after = event.clientX > box.left + box.width / 2;
      list.insertBefore(dragged, after ? over.nextElementSibling : over);
    });
  }

  function setUpRichText(root) {
    var area = root.querySelector("[data-richtext-area]");
    var source = root.querySelector("[data-richtext-source]");
    var toolbar = root.querySelector(".richtext-toolbar");
    var showErrors = errorsOf(root);
    area.contentEditable = "true";
    toolbar.hidden = false;
    var saved = null; // the selection when the editor lost focus (a dialog or a file picker takes it)

    function sync() { source.value = area.innerHTML; }
    function remember() {
      var sel = window.getSelection();
      if (sel.rangeCount && area.contains(sel.anchorNode)) saved = sel.getRangeAt(0);
    }
    function restore() {
      area.focus();
      if (saved) { var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(saved); }
    }
    function insertImage(image) {
      restore();
      var img = document.createElement("img");
      img.src = image.url;
      img.alt = image.name || "";
      document.execCommand("insertHTML", false, img.outerHTML);
      sync();
    }

    area.addEventListener("input", sync);
    area.addEventListener("keyup", remember);
    area.addEventListener("mouseup", remember);
    area.addEventListener("blur", remember);
    area.addEventListener("paste", function (event) {
      // Pasted pictures go to the library; pasted text arrives plain (the server would strip the rest).
      var data = event.clipboardData;
      if (!data) return;
      event.preventDefault();
      if (data.files && data.files.length) {
        remember();
        upload(root, data.files, insertImage, showErrors);
        return;
      }
      document.execCommand("insertText", false, data.getData("text/plain"));
    });
    toolbar.addEventListener("mousedown", function (event) {
      if (event.target.closest("button")) event.preventDefault(); // keep the selection in the area
    });
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("[data-cmd]");
      if (!button) return;
      var cmd = button.dataset.cmd;
      if (cmd === "image") {
        remember();
        openPicker(root.dataset.pickerUrl, button.title, insertImage);
        return;
      }
      area.focus();
      if (cmd === "createLink") {
        var href = window.prompt(button.dataset.prompt, "https://");
        if (href && /^https?:\/\//i.test(href)) document.execCommand("createLink", false, href);
      } else if (cmd === "formatBlock") {
        document.execCommand("formatBlock", false, "<" + button.dataset.value + ">");
      } else {
        document.execCommand(cmd, false, null);
      }
      sync();
    });
    root.querySelector("[data-upload]").addEventListener("change", function (event) {
      var input = event.target;
      upload(root, input.files, insertImage, showErrors).then(function () { input.value = ""; });
    });
    var form = root.closest("form");
    if (form) form.addEventListener("submit", sync);
  }

  // The library's upload form: the chosen files' names beside the button (the input itself is hidden).
  document.querySelectorAll("[data-file-pick] input[type=file]").forEach(function (input) {
    var names = input.closest("form").querySelector("[data-file-names]");
    input.addEventListener("change", function () {
      names.textContent = Array.prototype.map.call(input.files, function (f) { return f.name; }).join("、");
    });
  });

  document.querySelectorAll("[data-gallery]").forEach(setUpGallery);
  document.querySelectorAll("[data-richtext]").forEach(setUpRichText);
})();
