// docflow's PDF viewer (templates/macros/pdf_viewer.html): PDF.js's own viewer components on our vendored,
// legacy build. No inline script and no eval (isEvalSupported: false), so it works under a strict CSP.
import * as pdfjsLib from "./vendor/pdfjs/pdf.min.js";
import { EventBus, FindState, PDFFindController, PDFLinkService, PDFViewer } from "./vendor/pdfjs/web/pdf_viewer.js";

const SCALES = [0.5, 0.75, 1, 1.25, 1.5, 2, 3];

function text(root, key, values = {}) {
  let message = root.dataset[key] || "";
  for (const [name, value] of Object.entries(values)) message = message.replace(`{${name}}`, value);
  return message;
}

// A signature widget (AcroForm /FT /Sig) is drawn by PDF.js on the canvas only, with no element of its own:
// outline each one on its page, with a label, so a reader sees where the signatures are (R-series: signed
// documents show who signed where).
async function outlineSignatures(root, pageView) {
  const page = pageView.div;
  page.querySelectorAll(".pdf-sig-box").forEach((box) => box.remove());
  const annotations = await pageView.pdfPage.getAnnotations({ intent: "display" });
  const viewport = pageView.pdfPage.getViewport({ scale: 1 });
  for (const a of annotations) {
    if (a.fieldType !== "Sig" || !a.rect) continue;
    const [x1, y1, x2, y2] = pdfjsLib.Util.normalizeRect(viewport.convertToViewportRectangle(a.rect));
    if (x2 - x1 < 1 || y2 - y1 < 1) continue; // an invisible signature has a zero-size widget
    const box = document.createElement("div");
    box.className = "pdf-sig-box";
    box.dataset.field = a.fieldName || "";
    box.dataset.testid = "pdf-signature-field";
    box.style.left = `${(100 * x1) / viewport.width}%`;
    box.style.top = `${(100 * y1) / viewport.height}%`;
    box.style.width = `${(100 * (x2 - x1)) / viewport.width}%`;
    box.style.height = `${(100 * (y2 - y1)) / viewport.height}%`;
    const label = document.createElement("span");
    label.className = "pdf-sig-label";
    label.textContent = `${text(root, "tSignature")}${a.fieldName ? ": " + a.fieldName : ""}`;
    box.append(label);
    page.append(box);
  }
}

async function countSignatureFields(pdf) {
  const fields = (await pdf.getFieldObjects()) || {};
  return Object.values(fields).flat().filter((f) => f.type === "signature").length;
}

function wireToolbar(root, viewer, eventBus) {
  const el = (name) => root.querySelector(`[data-pdf="${name}"]`);
  const page = el("page");
  const zoom = el("zoom");
  const step = (direction) => {
    const now = viewer.currentScale;
    const next = direction > 0 ? SCALES.find((s) => s > now + 0.01) : SCALES.findLast((s) => s < now - 0.01);
    if (next) viewer.currentScaleValue = String(next);
  };
  el("prev").addEventListener("click", () => viewer.previousPage());
  el("next").addEventListener("click", () => viewer.nextPage());
  el("zoom-in").addEventListener("click", () => step(1));
  el("zoom-out").addEventListener("click", () => step(-1));
  zoom.addEventListener("change", () => { viewer.currentScaleValue = zoom.value; });
  page.addEventListener("change", () => {
    const n = Number.parseInt(page.value, 10);
    if (n >= 1 && n <= viewer.pagesCount) viewer.currentPageNumber = n;
    else page.value = viewer.currentPageNumber;
  });
  eventBus.on("pagechanging", ({ pageNumber }) => { page.value = pageNumber; });
  eventBus.on("scalechanging", ({ presetValue, scale }) => {
    const value = presetValue || String(scale);
    if (![...zoom.options].some((o) => o.value === value)) zoom.add(new Option(`${Math.round(scale * 100)}%`, value));
    zoom.value = value;
  });
  el("find").addEventListener("submit", (event) => {
    event.preventDefault();
    eventBus.dispatch("find", { source: root, type: "again", query: el("query").value, caseSensitive: false,
                                entireWord: false, highlightAll: true, findPrevious: false, matchDiacritics: false });
  });
  eventBus.on("updatefindmatchescount", ({ matchesCount }) => {
    if (matchesCount.total) el("status").textContent = text(root, "tMatches", matchesCount);
  });
  eventBus.on("updatefindcontrolstate", ({ state }) => {
    if (state === FindState.NOT_FOUND) el("status").textContent = text(root, "tNotFound");
  });
}

async function open(root) {
  const container = root.querySelector('[data-pdf="container"]');
  const status = root.querySelector('[data-pdf="status"]');
  pdfjsLib.GlobalWorkerOptions.workerSrc = root.dataset.worker;
  const eventBus = new EventBus();
  const linkService = new PDFLinkService({ eventBus });
  const findController = new PDFFindController({ eventBus, linkService });
  // Form fields are drawn, not editable: a viewer never fills in an official document.
  const viewer = new PDFViewer({ container, eventBus, linkService, findController, removePageBorders: false,
                                 annotationMode: pdfjsLib.AnnotationMode.ENABLE });
  linkService.setViewer(viewer);
  wireToolbar(root, viewer, eventBus);
  eventBus.on("pagesinit", () => { viewer.currentScaleValue = "page-width"; });
  eventBus.on("pagerendered", ({ source }) => { outlineSignatures(root, source); });
  new ResizeObserver(() => {
    if (viewer.pagesCount && viewer.currentScaleValue.startsWith("page-")) {
      viewer.currentScaleValue = viewer.currentScaleValue;
    }
  }).observe(container);
  try {
    const pdf = await pdfjsLib.getDocument({ url: root.dataset.src, standardFontDataUrl: root.dataset.fonts,
                                             isEvalSupported: false, enableXfa: false, withCredentials: true }).promise;
    viewer.setDocument(pdf);
    linkService.setDocument(pdf, null);
    root.querySelector('[data-pdf="pages"]').textContent = text(root, "tPages", { pages: pdf.numPages });
    root.querySelector('[data-pdf="page"]').max = pdf.numPages;
    const signatures = await countSignatureFields(pdf);
    if (signatures) status.textContent = text(root, "tSignatures", { count: signatures });
    root.dataset.state = "ready";
  } catch (error) {
    status.textContent = text(root, "tFailed");
    status.classList.add("text-danger");
    root.dataset.state = "failed";
    console.error("docflow PDF viewer:", error);
  }
}

document.querySelectorAll("section.pdf-viewer[data-src]").forEach((root) => { open(root); });
