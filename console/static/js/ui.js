// Small DOM helpers: elements, forms whose refusals show the API's message next to the field it names.
import { t, countdown } from "./i18n.js";

/** h("div", {class: "x", onclick: fn}, child, "text", [children]) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function section(title, ...children) {
  return h("section", { class: "card" }, h("h2", {}, title), ...children);
}

export function table(columns, rows, rowAttrs = () => ({})) {
  return h("table", {},
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", {}, c.label)))),
    h("tbody", {}, rows.map((row, i) => h("tr", rowAttrs(row, i), columns.map((c) => h("td", { "data-col": c.key }, c.cell(row)))))));
}

/** A labelled input; `field` is the API's field path (body.refund_minor) whose error shows under it. */
export function field(label, input, fieldPath) {
  if (fieldPath) input.dataset.field = fieldPath;
  return h("label", { class: "field" }, h("span", {}, label), input,
           h("small", { class: "field-error", role: "alert", "data-error-for": fieldPath || "" }));
}

export function input(name, attrs = {}) { return h("input", { name, ...attrs }); }

export function select(name, options, value, attrs = {}) {
  return h("select", { name, ...attrs },
    options.map(([v, label]) => h("option", { value: v, selected: v === value ? true : undefined }, label)));
}

export function clearErrors(form) {
  form.querySelectorAll(".field-error, .form-error").forEach((el) => { el.textContent = ""; });
  form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
}

/** Show an ApiError on a form: each detail at its field, the message at the top when no field matches. */
export function showErrors(form, err) {
  clearErrors(form);
  let placed = false;
  for (const [path, message] of Object.entries(err.fields || {})) {
    const slot = form.querySelector(`[data-error-for="${CSS.escape(path)}"]`);
    if (slot) {
      slot.textContent = message;
      form.querySelector(`[data-field="${CSS.escape(path)}"]`)?.setAttribute("aria-invalid", "true");
      placed = true;
    }
  }
  const top = form.querySelector(".form-error");
  if (top) top.textContent = placed ? `${t("failed")}: ${err.message}` : err.message;
}

/** A form that runs `action(form)` on submit and shows refusals; buttons are disabled while it runs. */
export function form(attrs, children, action) {
  const el = h("form", { ...attrs, novalidate: true }, h("p", { class: "form-error", role: "alert" }), ...children);
  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(el);
    const buttons = [...el.querySelectorAll("button")];
    buttons.forEach((b) => { b.disabled = true; });
    try {
      await action(el, event.submitter);
    } catch (err) {
      if (err && err.name !== "AbortError") showErrors(el, err);
      if (!err || !("status" in err)) console.error(err);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  });
  return el;
}

export function values(formEl) {
  const out = {};
  for (const el of formEl.elements) {
    if (!el.name) continue;
    if (el.type === "checkbox") out[el.name] = el.checked;
    else out[el.name] = el.value.trim();
  }
  return out;
}

export function notice(text, kind = "ok") {
  const box = document.getElementById("notice");
  box.className = kind;
  box.textContent = text;
  clearTimeout(notice.timer);
  notice.timer = setTimeout(() => { box.textContent = ""; box.className = ""; }, 5000);
}

/** A countdown to `due`: amber from `warnAt` (the policy's warning ratio), red once past due or breached. */
export function deadline(due, { warnAt = null, breached = false, paused = false } = {}) {
  if (!due) return h("span", { class: "muted" }, "–");
  const now = Date.now();
  const dueMs = new Date(due).getTime();
  let level = "ok";
  if (breached || now >= dueMs) level = "red";
  else if (warnAt && now >= new Date(warnAt).getTime()) level = "amber";
  return h("span", { class: `countdown ${level}${paused ? " paused" : ""}`, "data-level": level, "data-due": due,
                     "data-warn": warnAt || "", title: due }, paused ? `${t("paused")} ` : "", countdown(due, now));
}

/** Refresh every countdown on the page once a second (no re-render, so typing is never disturbed). */
export function tickCountdowns() {
  const now = Date.now();
  document.querySelectorAll(".countdown[data-due]").forEach((el) => {
    const dueMs = new Date(el.dataset.due).getTime();
    let level = el.dataset.level === "red" || now >= dueMs ? "red" : "ok";
    if (level !== "red" && el.dataset.warn && now >= new Date(el.dataset.warn).getTime()) level = "amber";
    el.dataset.level = level;
    el.classList.remove("ok", "amber", "red");
    el.classList.add(level);
    el.lastChild.textContent = countdown(el.dataset.due, now);
  });
}

export async function sha256Hex(file) {
  const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
