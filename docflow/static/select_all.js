// A "select all on this page" checkbox: <input type="checkbox" data-select-all="FORM-ID"> ticks or clears
// every checkbox that belongs to that form (form="FORM-ID"). No inline script: the CSP allows 'self' only.
document.querySelectorAll('input[data-select-all]').forEach(function (all) {
  var boxes = function () {
    return document.querySelectorAll('input[type="checkbox"][form="' + all.dataset.selectAll + '"]');
  };
  all.addEventListener('change', function () {
    boxes().forEach(function (box) { box.checked = all.checked; });
  });
  document.addEventListener('change', function (event) {
    if (event.target !== all && event.target.form && event.target.form.id === all.dataset.selectAll) {
      var list = Array.prototype.slice.call(boxes());
      all.checked = list.length > 0 && list.every(function (box) { return box.checked; });
    }
  });
});
