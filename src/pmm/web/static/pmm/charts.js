/* PMM platform: draws the charts of a page (pmm.charts; decision 0010).
 *
 * Each <figure class="chart"> carries its Vega-Lite spec and the d3 number and date locale of the page
 * language in <script type="application/json"> elements (data, never executed). vega-embed, from
 * vendor/vega-bundle.js (generated from the same vl-convert that renders the downloads), draws the
 * spec as SVG into the figure's .chart-drawing, inside the .chart-canvas that carries the figure's text
 * alternative (role="img", aria-label): Vega labels its own container, and the role makes the drawing's
 * many texts one image for screen readers, whose readers have the data table instead.
 *
 * The Content-Security-Policy allows no eval and no inline style, so:
 * - ast: true makes Vega evaluate expressions with its interpreter instead of new Function();
 * - defaultStyle: false and the tooltip's disableDefaultStyle keep vega-embed and vega-tooltip from
 *   injecting <style> elements (pmm.css styles them instead);
 * - actions: false: no export menu (the figure has its own download links).
 * If drawing fails, the figure says so in the canvas and opens its data table.
 */
(function () {
  "use strict";

  function readJson(id) {
    var element = id ? document.getElementById(id) : null;
    return element ? JSON.parse(element.textContent) : null;
  }

  function fail(figure, canvas, error) {
    var message = document.createElement("p");
    message.className = "chart-error";
    message.textContent = figure.getAttribute("data-error") || "The chart could not be drawn.";
    canvas.replaceChildren(message);
    canvas.removeAttribute("role");
    canvas.removeAttribute("aria-label");
    figure.classList.add("chart-failed");
    var table = figure.querySelector("details.chart-data");
    if (table) {
      table.open = true;
    }
    if (window.console) {
      window.console.warn("Chart " + figure.id + " could not be drawn:", error);
    }
  }

  function draw(figure) {
    if (figure.hasAttribute("data-drawn")) {
      return;
    }
    figure.setAttribute("data-drawn", "");
    var canvas = figure.querySelector(".chart-canvas");
    var drawing = canvas && canvas.querySelector(".chart-drawing");
    if (!drawing) {
      return;
    }
    try {
      if (typeof window.vegaEmbed !== "function") {
        throw new Error("vega-embed is not loaded (include charts/includes/scripts.html)");
      }
      var spec = readJson(figure.getAttribute("data-spec"));
      var locale = readJson(figure.getAttribute("data-locale")) || {};
      drawing.replaceChildren();
      window
        .vegaEmbed(drawing, spec, {
          renderer: "svg",
          actions: false,
          ast: true,
          defaultStyle: false,
          tooltip: { disableDefaultStyle: true },
          formatLocale: locale.format,
          timeFormatLocale: locale.time,
        })
        .then(function () {
          figure.classList.add("chart-drawn");
        })
        .catch(function (error) {
          fail(figure, canvas, error);
        });
    } catch (error) {
      fail(figure, canvas, error);
    }
  }

  function drawAll(root) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches("figure.chart")) {
      draw(scope);
    }
    scope.querySelectorAll("figure.chart").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      drawAll(document);
    });
  } else {
    drawAll(document);
  }
  // Charts in content that htmx swaps in.
  document.addEventListener("htmx:load", function (event) {
    drawAll(event.detail && event.detail.elt);
  });
})();
