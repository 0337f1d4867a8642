/* "Preparing your report": asks the report's status (JSON) until it is ready, shows the progress in
 * the live region and the bar, then opens the download. Without JavaScript the page reloads itself
 * (its <noscript> refresh) and works the same. */
(function () {
  "use strict";

  function show(box, answer) {
    var bar = document.getElementById("report-progress-bar");
    var text = document.getElementById("report-progress-text");
    if (answer.status !== "queued") {
      bar.value = answer.progress;
    }
    bar.textContent = answer.progress + "%";
    if (text.textContent !== answer.message) {
      text.textContent = answer.message;
    }
    box.setAttribute("data-status", answer.status);
  }

  function finish(answer) {
    var ready = document.getElementById("report-progress-ready");
    var wait = document.getElementById("report-progress-wait");
    if (wait) {
      wait.hidden = true;
    }
    if (answer.status === "ready") {
      ready.hidden = false;
      window.location.assign(answer.download);
    } else {
      window.location.reload(); // failed: the page shows the reason and offers to try again
    }
  }

  function ask(box) {
    fetch(box.getAttribute("data-status-url"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json();
      })
      .then(function (answer) {
        if (!answer.status) {
          throw new Error("no status");
        }
        show(box, answer);
        if (answer.status === "ready" || answer.status === "failed") {
          finish(answer);
        } else {
          window.setTimeout(function () { ask(box); }, Math.max(1, answer.retry_after) * 1000);
        }
      })
      .catch(function () {
        document.getElementById("report-progress-text").textContent = box.getAttribute("data-unreachable");
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("report-progress");
    if (!box) {
      return;
    }
    var status = box.getAttribute("data-status");
    if (status === "ready") {
      window.location.assign(box.getAttribute("data-download"));
    } else if (status !== "failed") {
      window.setTimeout(function () { ask(box); }, 1000);
    }
  });
})();
