/* Staff console: when a row of the question log is opened, bring its detail into view. */
(() => {
  let opened = 0;
  const mark = (e) => {
    if (e.target.closest && e.target.closest("#ac-log")) opened = Date.now();
  };
  document.addEventListener("click", mark, true);
  document.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") mark(e); }, true);
  new MutationObserver(() => {
    const detail = document.querySelector("#ac-log-detail .ac-detail");
    if (!detail || !opened || Date.now() - opened > 5000) return;
    opened = 0;
    const box = detail.getBoundingClientRect();
    if (box.top < 0 || box.top > window.innerHeight - 120) {
      detail.scrollIntoView({ block: "start" });
    }
  }).observe(document.documentElement, { childList: true, subtree: true, characterData: true });
})();
