// Page-wide touches that need no template change: wide tables scroll inside their own box (never the whole
// page on a phone), and the menu marks the page you are on for screen readers.
(function () {
  "use strict";
  document.querySelectorAll("main table").forEach(function (table) {
    var parent = table.parentElement;
    if (parent.classList.contains("table-responsive") || parent.classList.contains("table-scroll")) return;
    var box = document.createElement("div");
    box.className = "table-scroll";
    parent.insertBefore(box, table);
    box.appendChild(table);
    if (box.scrollWidth > box.clientWidth) box.tabIndex = 0; // scrolled by keyboard too (WCAG 2.1.1)
  });
  var here = window.location.pathname;
  var best = null;
  document.querySelectorAll("nav.navbar-docflow a.nav-link[href], nav.navbar-docflow a.dropdown-item[href]").forEach(function (link) {
    var path = new URL(link.href, window.location.href).pathname;
    if ((here === path || (path !== "/" && here.indexOf(path) === 0)) && (!best || path.length > best.path.length)) {
      best = { link: link, path: path };
    }
  });
  if (best) best.link.setAttribute("aria-current", "page");
})();
