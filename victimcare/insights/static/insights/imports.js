// Progressive enhancement for a survey import's page: while the file is being
// checked, ask the status endpoint every few seconds and update the progress
// bar and the live region; when it has finished, reload the page to show the
// result. Without JavaScript the page has a "Refresh this page" link instead.
const box = document.getElementById("import-progress");
if (box && box.dataset.statusUrl && window.fetch) {
  const bar = document.getElementById("import-progress-bar");
  const text = document.getElementById("import-progress-text");
  const poll = async () => {
    try {
      const response = await fetch(box.dataset.statusUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) return;
      const status = await response.json();
      if (status.finished) {
        window.location.reload();
        return;
      }
      if (status.rows_total) {
        bar.max = status.rows_total;
        bar.value = Math.min(status.rows_checked, status.rows_total);
      }
      bar.textContent = status.text;
      if (text.textContent !== status.text) text.textContent = status.text;
    } catch {
      // A network blip: try again at the next tick.
    }
    window.setTimeout(poll, 3000);
  };
  window.setTimeout(poll, 2000);
}
