// The text fields of one audit-day answer. What the auditor types is kept in this browser's localStorage
// (the outbox) until the server acknowledges it, so a reload, a closed tab or a dropped connection loses
// nothing: any mounted instance sends every pending draft of its user, each naming its own question.
const STORE = "qms.answerDrafts.v1";
const DEBOUNCE_MS = 700;
const RESEND_MS = 2500;

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
      button = document.querySelectorAll(".st-key-answer_result_box button")[Number(event.key) - 1];
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

function build(root, data) {
  const box = document.createElement("div");
  box.className = "qms-answer-texts";
  const inputs = {};
  for (const f of data.fields) {
    const wrap = document.createElement("div");
    wrap.className = "qms-field";
    const label = document.createElement("label");
    const id = `qms-${data.au}-${data.item}-${f.name}`;
    label.htmlFor = id;
    label.textContent = f.label;  // text, never markup
    const input = document.createElement("textarea");
    input.id = id;
    input.rows = f.rows;
    input.placeholder = f.hint;
    input.dataset.field = f.name;
    wrap.append(label, input);
    box.append(wrap);
    inputs[f.name] = input;
  }
  const status = document.createElement("div");
  status.className = "qms-save-status";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  box.append(status);
  root.append(box);
  return { box, inputs, status };
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  installKeys();
  let st = parentElement.__qmsAnswer;
  if (!st || st.item !== data.item || st.au !== data.au) {
    if (st) st.box.remove();  // Streamlit's own stylesheet lives beside it in the same parent
    st = parentElement.__qmsAnswer = { au: data.au, item: data.item, timer: null, resend: null, ...build(parentElement, data) };
    for (const input of Object.values(st.inputs)) {
      input.addEventListener("input", () => {
        const d = st.data;
        const all = readAll();
        const key = draftId(d, input.dataset.field);
        const old = all[key];
        all[key] = { user: d.user, au: d.au, item: d.item, field: input.dataset.field, text: input.value,
                     base: old ? old.base : d.values[input.dataset.field], sent: old ? old.sent : undefined,
                     sentTexts: old ? old.sentTexts : [], nonce: nonce(), t: Date.now() };
        writeAll(all);
        paintStatus(st, "typing");
        clearTimeout(st.timer);
        st.timer = setTimeout(() => flush(st), DEBOUNCE_MS);
      });
      input.addEventListener("blur", () => { clearTimeout(st.timer); flush(st); });
    }
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

  for (const [name, input] of Object.entries(st.inputs)) {
    const draft = all[draftId(data, name)];
    const shown = draft ? draft.text : data.values[name];
    if (input.value !== shown && !(document.activeElement === input && draft)) input.value = shown;
    input.disabled = data.disabled;
  }
  paintStatus(st);
  if (pending(st).length) flush(st);
  st.resend = setInterval(() => { if (pending(st).length) flush(st); }, RESEND_MS);
  const online = () => flush(st);
  window.addEventListener("online", online);
  return () => {
    clearInterval(st.resend);
    window.removeEventListener("online", online);
  };
}

function pending(st) {
  return Object.entries(readAll()).filter(([, d]) => d.user === st.data.user && !d.held);
}

function flush(st) {
  const drafts = pending(st);
  if (!drafts.length || st.data.disabled) { paintStatus(st); return; }
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
  paintStatus(st, navigator.onLine ? "saving" : "offline");
}

function paintStatus(st, state) {
  const mine = Object.values(readAll()).filter((d) => d.user === st.data.user);
  const held = mine.some((d) => d.held);
  const key = held ? "held" : state === "typing" ? "typing" : mine.length ? (navigator.onLine ? "saving" : "offline")
    : st.data.version ? "saved" : "";
  st.status.textContent = key ? st.data.labels[key] : "";
  st.status.dataset.state = key;
}
