// Refreshes a document's text status ("Đang nhận dạng chữ (OCR): 3/10 trang") while OCR runs, without a reload.
(function () {
  "use strict";
  var box = document.querySelector("[data-text-status-url]");
  if (!box) { return; }
  var url = box.getAttribute("data-text-status-url");
  var message = box.querySelector("[data-text-status-message]");
  var delay = 5000;
  function poll() {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (!status) { return; }
        message.textContent = status.message;
        box.setAttribute("data-pending", String(status.pending));
        if (!status.complete) { window.setTimeout(poll, delay); }
      })
      .catch(function () { window.setTimeout(poll, delay * 4); });
  }
  window.setTimeout(poll, delay);
}());
