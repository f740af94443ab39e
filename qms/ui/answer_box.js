// One audit-day question, drawn in one piece: its key, text and guidance, the result buttons and the text
// fields. Drawing them together means the buttons and fields on screen always belong to the question shown
// above them, even while the page is being redrawn for the next one.
//
// What the auditor taps or types is kept in this browser's localStorage (the outbox) until the server
// acknowledges it, so a reload, a closed tab or a dropped connection loses nothing: any mounted instance sends
// every pending draft of its user, each naming its own audit unit and question.
const STORE = "qms.answerDrafts.v1";
const DEBOUNCE_MS = 700;
const RESEND_MS = 2500;
const RESEND_MAX_MS = 30000;

function readAll() {
  try { return JSON.parse(window.localStorage.getItem(STORE) || "{}"); } catch (e) { return {}; }
}
function writeAll(all) {
  try { window.localStorage.setItem(STORE, JSON.stringify(all)); } catch (e) { /* storage full or blocked */ }
}
function nonce() {
  return Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
}
function draftId(d, field) {
  return `${d.user}|${d.au}|${d.item}|${field}`;
}
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;  // text, never markup
  return node;
}

// Keyboard shortcuts on a desktop: 1-7 choose a result, n / p the next / previous question.
function installKeys() {
  if (window.__qmsAnswerKeys) return;
  window.__qmsAnswerKeys = true;
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    let button = null;
    if (/^[1-7]$/.test(event.key)) {
      button = document.querySelectorAll(".qms-answer .qms-results button")[Number(event.key) - 1];
    } else if (event.key === "n" || event.key === "N") {
      button = document.querySelector(".st-key-answer_next button");
    } else if (event.key === "p" || event.key === "P") {
      button = document.querySelector(".st-key-answer_prev button");
    }
    if (button && !button.disabled) {
      event.preventDefault();
      button.click();
    }
  });
}

function build(root, data, st) {
  const box = el("div", "qms-answer");
  const head = el("p", "qms-head");
  const position = document.createTextNode("");
  head.append(el("strong", "", data.key), position);
  box.append(head, el("p", "qms-question", data.text));
  if (data.guidance) {
    const details = el("details", "qms-guidance");
    details.append(el("summary", "", data.guidanceLabel), el("div", "qms-guidance-text", data.guidance));
    box.append(details);
  }
  const group = el("div", "qms-results");
  group.setAttribute("role", "radiogroup");
  group.setAttribute("aria-label", data.resultLabel);
  const results = {};
  for (const r of data.results) {
    const button = el("button", "qms-result", r.label);
    button.type = "button";
    button.setAttribute("role", "radio");
    button.addEventListener("click", () => edit(st, "result", r.value, true));
    group.append(button);
    results[r.value] = button;
  }
  box.append(el("div", "qms-label", data.resultLabel), group);
  const inputs = {};
  for (const f of data.fields) {
    const wrap = el("div", "qms-field");
    const id = `qms-${data.au}-${data.item}-${f.name}`;
    const label = el("label", "", f.label);
    label.htmlFor = id;
    const input = el("textarea");
    input.id = id;
    input.rows = f.rows;
    input.placeholder = f.hint;
    input.addEventListener("input", () => edit(st, f.name, input.value, false));
    input.addEventListener("blur", () => { clearTimeout(st.timer); flush(st); });
    wrap.append(label, input);
    box.append(wrap);
    inputs[f.name] = input;
  }
  const status = el("div", "qms-save-status");
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  box.append(status);
  root.append(box);
  return { box, position, results, inputs, status };
}

// A change becomes a draft in the outbox at once; a result is sent at once, text after a pause or on leaving.
function edit(st, field, value, now) {
  const d = st.data;
  if (d.disabled) return;
  const all = readAll();
  const key = draftId(d, field);
  const old = all[key];
  all[key] = { user: d.user, au: d.au, item: d.item, field, text: value,
               base: old ? old.base : d.values[field], sent: old ? old.sent : undefined,
               sentTexts: old ? old.sentTexts : [], nonce: nonce(), t: Date.now() };
  writeAll(all);
  paint(st, all);
  clearTimeout(st.timer);
  if (now) flush(st);
  else st.timer = setTimeout(() => flush(st), DEBOUNCE_MS);
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  installKeys();
  let st = parentElement.__qmsAnswer;
  if (!st || st.item !== data.item || st.au !== data.au) {
    if (st) st.box.remove();  // Streamlit's own stylesheet lives beside it in the same parent
    st = parentElement.__qmsAnswer = { au: data.au, item: data.item, timer: null, resend: null };
    st.data = data;
    Object.assign(st, build(parentElement, data, st));
  }
  st.data = data;
  st.send = setTriggerValue;

  // What the server says it has processed: saved drafts leave the outbox, refused ones wait for the auditor.
  const all = readAll();
  let changed = false;
  for (const [key, draft] of Object.entries(all)) {
    if (draft.user !== data.user) continue;
    const outcome = data.acks[draft.nonce];
    if (data.dropped.includes(draft.nonce) || outcome === "ok") {
      delete all[key];
      changed = true;
    } else if (outcome && !draft.held) {
      draft.held = true;
      changed = true;
    } else if (draft.sent && data.acks[draft.sent.nonce] === "ok" && draft.base !== draft.sent.text) {
      draft.base = draft.sent.text;  // an earlier keystroke's text is on the server now: build on it
      changed = true;
    }
  }
  if (changed) writeAll(all);
  paint(st, all);
  if (pending(st).length) flush(st);
  // Each draw from the server starts again at RESEND_MS; without draws (offline, or the page has moved on to the
  // sign-in and the box is waiting to be removed) resends back off, so they never keep the server's run from ending.
  let delay = RESEND_MS;
  const resend = () => {
    if (pending(st).length) {
      flush(st);
      delay = Math.min(delay * 2, RESEND_MAX_MS);
    }
    st.resend = setTimeout(resend, delay);
  };
  st.resend = setTimeout(resend, delay);
  const online = () => flush(st);
  window.addEventListener("online", online);
  return () => {
    clearTimeout(st.resend);
    window.removeEventListener("online", online);
  };
}

// The screen shows what is stored, unless this browser holds a newer draft of it.
function paint(st, all) {
  const data = st.data;
  st.position.textContent = " · " + data.position;
  const shownResult = (all[draftId(data, "result")] || {}).text ?? data.values.result;
  for (const [value, button] of Object.entries(st.results)) {
    const on = value === shownResult;
    button.setAttribute("aria-checked", on ? "true" : "false");
    button.classList.toggle("qms-on", on);
    button.disabled = data.disabled;
  }
  for (const [name, input] of Object.entries(st.inputs)) {
    const draft = all[draftId(data, name)];
    const shown = draft ? draft.text : data.values[name];
    if (input.value !== shown && !(document.activeElement === input && draft)) input.value = shown;
    input.disabled = data.disabled;
  }
  const mine = Object.values(all).filter((d) => d.user === data.user);
  const key = mine.some((d) => d.held) ? "held"
    : mine.length ? (navigator.onLine ? "saving" : "offline") : data.version ? "saved" : "";
  st.status.textContent = key ? data.labels[key] : "";
  st.status.dataset.state = key;
}

function pending(st) {
  return Object.entries(readAll()).filter(([, d]) => d.user === st.data.user && !d.held);
}

function flush(st) {
  const drafts = pending(st);
  if (!drafts.length || st.data.disabled) return;
  const all = readAll();
  for (const [key, d] of drafts) {
    // Every text sent may have reached the server even if its answer was lost (a reload, a dropped line):
    // the server accepts any of them as what this draft was based on.
    const texts = (d.sentTexts || []).filter((x) => x !== d.text).concat([d.text]).slice(-20);
    all[key].sent = { nonce: d.nonce, text: d.text };
    all[key].sentTexts = d.sentTexts = texts;
  }
  writeAll(all);
  st.send("save", { drafts: drafts.map(([, d]) => ({ au: d.au, item: d.item, field: d.field, text: d.text,
                                                     base: d.base, sent: d.sentTexts, nonce: d.nonce })) });
  paint(st, all);
}
