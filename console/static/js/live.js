// Server-sent events read with fetch (EventSource cannot send the bearer header); reconnects on its own.
import { auth } from "./api.js";

/** Call onChange(data) on each `change` event of /events (one case, or every case the user may see). */
export function watch(complaintId, onChange) {
  const controller = new AbortController();
  let stopped = false;
  const url = complaintId ? `/events?complaint_id=${encodeURIComponent(complaintId)}` : "/events";

  async function run() {
    while (!stopped) {
      try {
        const response = await fetch(url, { headers: { Authorization: `Bearer ${auth.token}`, Accept: "text/event-stream" },
                                            signal: controller.signal });
        if (!response.ok) { if (response.status === 401 || response.status === 403 || response.status === 404) return; }
        else await read(response.body);
      } catch (err) {
        if (stopped || err.name === "AbortError") return;
      }
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }

  async function read(stream) {
    const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let event = "message";
        const data = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).trim());
        }
        if (event === "change" && data.length) {
          try { onChange(JSON.parse(data.join("\n"))); } catch { /* a malformed event is skipped */ }
        }
      }
    }
  }

  run();
  return () => { stopped = true; controller.abort(); };
}
