// Pieces several pages share: loading a case's live clock for a list row, per-page keyboard shortcuts.
import { get } from "../api.js";
import { deadline } from "../ui.js";

// A list page re-reads its rows (and each row's live clock) at most this often, however busy the platform is.
export const LIST_REFRESH_MS = 5000;

/** The clock the read model's sla_due_at belongs to, from the live state (it knows warn_at). */
export function mainClock(live, row) {
  const clocks = (live?.clocks || []).filter((c) => !["solution", "dispute_limit"].includes(c.name));
  return clocks.find((c) => c.name === row?.sla_clock) || clocks.find((c) => !c.paused) || null;
}

/** Replace each row's countdown with one that knows the policy's warning time (a few requests at a time). */
export async function enrichCountdowns(rows, container, signal) {
  const queue = rows.slice(0, 50);
  async function next() {
    while (queue.length && !signal.aborted) {
      const row = queue.shift();
      try {
        const detail = await get(`/complaints/${encodeURIComponent(row.id)}`, { signal });
        const clock = mainClock(detail.live, row);
        const cell = container.querySelector(`tr[data-id="${CSS.escape(row.id)}"] td[data-col="due"]`);
        if (cell && clock) cell.replaceChildren(deadline(clock.due_at, { warnAt: clock.warn_at, breached: clock.breached, paused: clock.paused }));
      } catch { /* the read model's countdown stays */ }
    }
  }
  await Promise.all([next(), next(), next(), next()]);
}

/** Keyboard shortcuts for one page; returns the function that removes them. Ignored while typing. */
export function shortcuts(map) {
  function onKey(event) {
    const target = event.target;
    const typing = target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
    if (event.key === "Escape" && typing) { target.blur(); return; }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    const fn = map[event.key];
    if (fn) { event.preventDefault(); fn(event); }
  }
  document.addEventListener("keydown", onKey);
  return () => document.removeEventListener("keydown", onKey);
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

/** Run fn at most once per `ms` (the first call waits `settle` ms), for pages that re-read whole lists. */
export function throttle(fn, ms, settle = 300) {
  let last = 0;
  let timer = null;
  return () => {
    if (timer) return;
    timer = setTimeout(async () => {
      timer = null;
      last = Date.now();
      await fn();
    }, Math.max(settle, ms - (Date.now() - last)));
  };
}
