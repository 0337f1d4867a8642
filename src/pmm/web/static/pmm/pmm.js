/* PMM platform: small behaviours on top of pages that work without JavaScript.
 *
 * Vendored library: htmx.min.js is htmx 2.0.11 (BSD Zero Clause licence), the file
 * package/dist/htmx.min.js of `npm pack htmx.org@2.0.11`, sha256
 * d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717.
 *
 * No inline script or style anywhere, so that a strict Content-Security-Policy can be applied:
 * htmx's settings are in base.html's <meta name="htmx-config"> (no indicator <style> of its own,
 * whose rules are in pmm.css; no code evaluated from attributes; no scripts from responses).
 */
(function () {
  "use strict";

  function announce(text) {
    var region = document.getElementById("autosave-status");
    if (!region) {
      return;
    }
    var line = document.createElement("p");
    line.className = "autosave-message autosave-problem";
    var strong = document.createElement("strong");
    strong.textContent = region.getAttribute("data-failed") || "Not saved";
    line.appendChild(strong);
    line.appendChild(document.createTextNode(" · " + text));
    region.replaceChildren(line);
  }

  // A failed autosave (refused, server error, network down) never passes silently.
  document.addEventListener("htmx:responseError", function (event) {
    var region = document.getElementById("autosave-status");
    var status = event.detail && event.detail.xhr ? event.detail.xhr.status : 0;
    var template = region ? region.getAttribute("data-error") : "";
    announce((template || "The server refused the change (%s). Reload the page.").replace("%s", status));
  });
  document.addEventListener("htmx:sendError", function () {
    var region = document.getElementById("autosave-status");
    announce((region && region.getAttribute("data-offline")) || "The server could not be reached.");
  });

  function autosaveForm(element) {
    var form = element && element.form;
    return form && form.hasAttribute("data-autosave") ? form : null;
  }

  // Enter in a one-line field of an autosaved form saves that field (as leaving it does) instead of
  // sending the whole page.
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || field.tagName !== "INPUT" || !autosaveForm(field)) {
      return;
    }
    if (["checkbox", "radio", "submit", "button"].indexOf(field.type) >= 0) {
      return;
    }
    event.preventDefault();
    field.blur();
    field.focus();
  });

  // "Save all" waits for autosaves still on their way, so that it carries the latest version.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-autosave") || !form.querySelector(".htmx-request")) {
      return;
    }
    event.preventDefault();
    var submitter = event.submitter || null;
    var retry = function () {
      if (form.querySelector(".htmx-request")) {
        return;
      }
      document.removeEventListener("htmx:afterRequest", retry);
      window.setTimeout(function () {
        form.requestSubmit(submitter);
      }, 0);
    };
    document.addEventListener("htmx:afterRequest", retry);
  });

  // A link to a folded part of a page (an outcome of a dimension's entry page, a field inside it)
  // unfolds it: the <details> around the target, or the one of the section the link names.
  function unfold(hash) {
    var target = hash && hash.length > 1 ? document.getElementById(decodeURIComponent(hash.slice(1))) : null;
    if (!target) {
      return;
    }
    var folded = target.tagName === "SECTION" ? target.querySelector(":scope > details:not([open])") : null;
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS" && !node.open) {
        node.open = true;
      }
    }
    if (folded) {
      folded.open = true;
    }
    target.scrollIntoView();
  }
  window.addEventListener("hashchange", function () {
    unfold(window.location.hash);
  });
  if (window.location.hash) {
    unfold(window.location.hash);
  }

  // An error summary (a refused workbook upload) takes the focus, so that its problems are seen and read.
  var summary = document.querySelector("[data-focus-on-load]");
  if (summary) {
    summary.focus();
  }

  // The menu's "More" closes like a menu: on Escape (the focus back on "More") and on a click elsewhere.
  var more = document.querySelector(".nav-more details");
  if (more) {
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && more.open) {
        more.open = false;
        more.querySelector("summary").focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (more.open && !more.contains(event.target)) {
        more.open = false;
      }
    });
  }
})();
