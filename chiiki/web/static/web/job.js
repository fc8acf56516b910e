// The job page follows its job without reloading: the progress bar, the count and the step
// are read from the status URL every second; when the job is finished the page is shown
// again (or the browser goes on to the preview it produced). Without scripts the page
// refreshes itself instead (a <noscript> refresh).
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  function part(name) { return box.querySelector('[data-job="' + name + '"]'); }
  function show(state) {
    var bar = part("bar");
    if (bar) {
      if (state.percent === null) { bar.removeAttribute("value"); bar.textContent = ""; }
      else { bar.value = state.percent; bar.textContent = state.percent + "%"; }
    }
    var count = part("count");
    if (count) {
      count.textContent = state.total ? state.done + " / " + state.total : (state.done ? String(state.done) : "");
    }
    var step = part("step");
    if (step && state.step) { step.textContent = state.step; }
    var status = part("status");
    if (status) { status.textContent = state.status_label; }
  }
  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (state) {
        show(state);
        if (state.finished) { window.location.assign(state.next || window.location.href); }
        else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
