// The campaign page's live progress: server-sent events from
// /batches/{id}/events move the bar and show the result. Plain JS, no
// library; without JS the page has a Refresh link.
(function () {
  "use strict";
  var job = document.getElementById("job");
  if (!job || job.dataset.state !== "issuing" || !window.EventSource) return;
  var bar = document.getElementById("bar");
  var done = document.getElementById("done");
  var updates = 0;
  function show(st) {
    job.dataset.updates = ++updates;
    bar.max = st.total;
    bar.value = st.done;
    bar.textContent = st.done + " / " + st.total;
    done.textContent = st.done;
    job.dataset.state = st.state;
    ["issuing", "done", "failed"].forEach(function (s) {
      document.getElementById("state-" + s).hidden = s !== st.state;
    });
    if (st.error) document.getElementById("job-error").textContent = st.error;
  }
  var es = new EventSource(job.dataset.events);
  es.addEventListener("progress", function (e) { show(JSON.parse(e.data)); });
  ["done", "failed"].forEach(function (name) {
    es.addEventListener(name, function (e) { show(JSON.parse(e.data)); es.close(); });
  });
})();
