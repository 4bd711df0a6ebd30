// The direction form: picking one of the leader's phrases writes it into the instruction at once (without
// script the form sends the choice and the server puts it first). Loaded from 'self': the CSP allows no inline code.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-phrase-for]").forEach(function (select) {
    var field = document.getElementById(select.getAttribute("data-phrase-for"));
    if (!field) { return; }
    select.addEventListener("change", function () {
      var phrase = select.value;
      if (phrase && field.value.indexOf(phrase) === -1) {
        field.value = field.value.trim() ? field.value.trim() + "\n" + phrase : phrase;
      }
      select.value = "";   // sent empty: the phrase is in the instruction now
      field.focus();
    });
  });
});
