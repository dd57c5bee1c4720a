// The playground page: renders what the in-process Slack Web API holds and turns
// clicks into requests the server signs and sends to the bot, as Slack would.
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);
const state = {user: localStorage.getItem("playground.user") || "UADA", workspace: null,
  channel: null, home: false, thread: null, data: null, timelineThread: null, checkpoint: null};
window.playground = {updates: []};  // every message update this page drew, for tests and curious people

async function call(path, body) {
  const sep = path.includes("?") ? "&" : "?";
  const response = await fetch(`/play/${path}${sep}user=${encodeURIComponent(state.user)}`, body === undefined ? {} :
    {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
  const data = await response.json().catch(() => ({error: `HTTP ${response.status}`}));
  if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

function escapeHtml(text) {
  return String(text ?? "").replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
}

function when(ts) {
  return new Date(parseFloat(ts) * 1000).toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"});
}

// -- the workspace -------------------------------------------------------------
async function loadWorkspace() {
  const ws = state.workspace = await call("workspace");
  const you = $("#you");
  you.innerHTML = ws.people.map(p => `<option value="${p.id}">${escapeHtml(p.name)} (${escapeHtml(p.role)})</option>`).join("");
  you.value = state.user;
  const me = ws.people.find(p => p.id === state.user);
  $("#me-email").textContent = me ? me.email : "";
  const item = c => `<li><button type="button" class="nav-item${c.id === state.channel && !state.home ? " active" : ""}" data-channel="${c.id}">${c.kind === "im" ? "💬 " + escapeHtml(c.name) : "# " + escapeHtml(c.name)}</button></li>`;
  $("#channels").innerHTML = ws.conversations.filter(c => c.kind === "channel").map(item).join("");
  $("#dms").innerHTML = ws.conversations.filter(c => c.kind === "im").map(item).join("");
  $("[data-home]").classList.toggle("active", state.home);
  $("#notices").innerHTML = ws.notices.map(n => `<p class="notice">${escapeHtml(n)}</p>`).join("");
  if (!state.home && !ws.conversations.some(c => c.id === state.channel)) state.channel = ws.conversations[0].id;
}

async function switchUser(user) {
  state.user = user;
  localStorage.setItem("playground.user", user);
  state.thread = null;
  closeModal(false);
  await loadWorkspace();
  await (state.home ? openHome() : openChannel(state.channel));
  await loadModal();
}

// -- conversations ---------------------------------------------------------------
async function openChannel(channel) {
  state.home = false;
  state.channel = channel;
  state.data = await call(`channel?channel=${encodeURIComponent(channel)}`);
  $("#home").hidden = true;
  $("#messages").hidden = $("#composer").hidden = false;
  $("#title").textContent = state.data.kind === "im" ? `💬 ${state.data.name}` : `# ${state.data.name}`;
  $("#message").placeholder = state.data.kind === "im"
    ? "Message supportbot (Enter sends, Shift+Enter is a new line)"
    : `Message #${state.data.name}: mention @supportbot to ask it (Enter sends)`;
  $("#timeline-button").hidden = $("#ai-thread-button").hidden = state.data.kind !== "im";
  await loadWorkspace();
  drawMessages();
}

function topLevel(m) { return !m.thread_ts || m.thread_ts === m.ts; }

function messageHtml(m, inThread) {
  const replies = inThread ? [] : state.data.messages.filter(r => r.thread_ts === m.ts && r.ts !== m.ts);
  const shortcuts = (state.workspace.shortcuts || []).map(s =>
    `<button type="button" class="ghost small" data-shortcut="${escapeHtml(s.callback_id)}">${escapeHtml(s.name)}</button>`).join("");
  const reactions = m.reactions.map(r => `<span class="reaction" title=":${escapeHtml(r.name)}:">${escapeHtml(r.emoji)} ${r.count}</span>`).join("");
  const replyLink = replies.length
    ? `<button type="button" class="replies" data-open-thread="${m.ts}">${replies.length} ${replies.length === 1 ? "reply" : "replies"}</button>`
    : (!inThread && state.data.kind === "channel" ? `<button type="button" class="ghost small reply" data-open-thread="${m.ts}">Reply in thread</button>` : "");
  return `<article class="msg${m.is_bot ? " bot" : ""}${m.streaming ? " streaming" : ""}" data-channel="${m.channel}" data-ts="${m.ts}">
    <div class="avatar" aria-hidden="true">${m.is_bot ? "🤖" : escapeHtml(m.author[0] || "?")}</div>
    <div class="msg-body"><div class="meta"><span class="author">${escapeHtml(m.author)}</span>${m.is_bot ? '<span class="app-badge">APP</span>' : ""}
      <time>${when(m.ts)}</time>${m.edited ? '<span class="muted small">(edited)</span>' : ""}${m.streaming ? '<span class="typing">writing…</span>' : ""}
      <span class="msg-tools">${shortcuts}</span></div>
      <div class="content">${m.html}</div>
      ${reactions ? `<div class="reactions">${reactions}</div>` : ""}${replyLink}</div></article>`;
}

function ephemeralHtml(e) {
  return `<article class="msg ephemeral"><div class="avatar" aria-hidden="true">🤖</div><div class="msg-body">
    <div class="meta"><span class="author">supportbot</span><span class="muted small">Only visible to you</span></div>
    <div class="content">${e.html}</div></div></article>`;
}

function assistantHtml(threadTs) {
  const a = (state.data.assistant || []).find(x => x.thread_ts === threadTs || (!threadTs && !x.thread_ts));
  if (!a) return "";
  const prompts = a.prompts.map(p => `<button type="button" class="prompt" data-prompt="${escapeHtml(p.message)}">${escapeHtml(p.title)}</button>`).join("");
  return `<div class="assistant">${a.title ? `<strong>${escapeHtml(a.title)}</strong>` : ""}
    ${a.status ? `<span class="status">supportbot ${escapeHtml(a.status)}</span>` : ""}${prompts}</div>`;
}

function drawMessages() {
  const list = $("#messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const top = state.data.messages.filter(topLevel);
  const notes = state.data.ephemerals.filter(e => !e.thread_ts);
  const items = [...top.map(m => [m.ts, messageHtml(m, false)]), ...notes.map(e => [e.ts, ephemeralHtml(e)])]
    .sort((a, b) => parseFloat(a[0]) - parseFloat(b[0]));
  list.innerHTML = items.map(x => x[1]).join("") || `<p class="empty muted">No messages yet. Say hello, ask "where is order 1001?" or "please refund order 1001".</p>`;
  if (atBottom) list.scrollTop = list.scrollHeight;
  drawThread();
}

function drawThread() {
  const pane = $("#thread");
  if (!state.thread || state.home) { pane.hidden = true; return; }
  pane.hidden = false;
  const messages = state.data.messages.filter(m => m.ts === state.thread || m.thread_ts === state.thread);
  const notes = state.data.ephemerals.filter(e => e.thread_ts === state.thread);
  const items = [...messages.map(m => [m.ts, messageHtml(m, true)]), ...notes.map(e => [e.ts, ephemeralHtml(e)])]
    .sort((a, b) => parseFloat(a[0]) - parseFloat(b[0]));
  $("#thread-messages").innerHTML = assistantHtml(state.thread) + items.map(x => x[1]).join("");
  const box = $("#thread-messages");
  box.scrollTop = box.scrollHeight;
}

function upsert(message) {
  window.playground.updates.push({ts: message.ts, channel: message.channel, streaming: message.streaming,
    length: message.html.length});
  if (!state.data || state.data.channel !== message.channel) return;
  const list = state.data.messages;
  const at = list.findIndex(m => m.ts === message.ts);
  if (at >= 0) list[at] = message; else { list.push(message); list.sort((a, b) => parseFloat(a.ts) - parseFloat(b.ts)); }
  drawMessages();
}

async function sendText(text, threadTs) {
  await call("send", {channel: state.channel, text, thread_ts: threadTs});
}

async function send(textarea, threadTs) {
  const text = textarea.value;
  if (!text.trim()) return;
  textarea.value = "";
  try { await sendText(text, threadTs); } catch (error) { textarea.value = text; flash(error.message); }
}

// -- Home ------------------------------------------------------------------------
async function openHome() {
  state.home = true;
  state.thread = null;
  $("#messages").hidden = $("#composer").hidden = true;
  $("#timeline-button").hidden = $("#ai-thread-button").hidden = true;
  $("#home").hidden = false;
  $("#title").textContent = "🏠 supportbot — Home";
  await loadWorkspace();
  drawHome(null);
  await call("open-home", {});  // app_home_opened: the app publishes (or refreshes) the view
  drawHome((await call("home")).home);
  drawThread();
}

function drawHome(home) {
  $("#home").innerHTML = home
    ? `<div class="view" data-view-id="${home.id}">${home.blocks}</div>`
    : `<p class="muted empty">The app has not published a Home view for you (yet).</p>`;
}

// -- modals and clicks --------------------------------------------------------------
async function loadModal() {
  const {modal} = await call("modal");
  const backdrop = $("#modal-backdrop");
  if (!modal) { backdrop.hidden = true; return; }
  $("#modal").dataset.viewId = modal.id;
  $("#modal-title").innerHTML = modal.title;
  $("#modal-body").innerHTML = `<div class="view" data-view-id="${modal.id}">${modal.blocks}</div>`;
  $("#modal-close").innerHTML = modal.close;
  $("#modal-submit").innerHTML = modal.submit;
  $("#modal-submit").hidden = !modal.submit;
  $("#modal-error").hidden = true;
  backdrop.hidden = false;
  const first = $("#modal-body input, #modal-body textarea, #modal-body select");
  if (first) first.focus();
}

function closeModal(tellServer = true) {
  if (tellServer && !$("#modal-backdrop").hidden) call("close", {}).catch(flash);
  $("#modal-backdrop").hidden = true;
}

function inputValues(root) {
  const values = {};
  root.querySelectorAll("[data-input]").forEach(el => {
    const {block_id, action_id, type} = JSON.parse(el.dataset.input);
    let value;
    if (type === "checkboxes") value = [...el.querySelectorAll("input:checked")].map(i => i.value);
    else if (type === "radio_buttons") value = (el.querySelector("input:checked") || {}).value || "";
    else value = el.value;
    (values[block_id] = values[block_id] || {})[action_id] = value;
  });
  return values;
}

async function submitModal(event) {
  event.preventDefault();
  const form = $("#modal");
  form.querySelectorAll(".bk-error").forEach(e => { e.hidden = true; });
  const result = await call("submit", {view_id: form.dataset.viewId, values: inputValues(form)}).catch(e => ({errors: {"": e.message}}));
  if (result.errors) {
    for (const [blockId, text] of Object.entries(result.errors)) {
      const target = blockId && form.querySelector(`[data-block-id="${CSS.escape(blockId)}"] .bk-error`);
      const box = target || $("#modal-error");
      box.textContent = text; box.hidden = false;
    }
    return;
  }
  await loadModal();
}

function confirmFirst(confirm) {
  if (!confirm) return Promise.resolve(true);
  const dialog = $("#confirm");
  $("#confirm-title").innerHTML = confirm.title;
  $("#confirm-text").innerHTML = confirm.text;
  $("#confirm-ok").innerHTML = confirm.confirm;
  $("#confirm-ok").className = confirm.style === "danger" ? "danger" : "primary";
  $("#confirm-deny").innerHTML = confirm.deny;
  dialog.showModal();
  return new Promise(resolve => dialog.addEventListener("close", () => resolve(dialog.returnValue === "confirm"), {once: true}));
}

async function act(el, selected) {
  const action = JSON.parse(el.dataset.action);
  if (!(await confirmFirst(el.dataset.confirm && JSON.parse(el.dataset.confirm)))) return;
  const view = el.closest("[data-view-id]");
  const message = el.closest("[data-ts]");
  const body = {action, selected};
  if (view) Object.assign(body, {view_id: view.dataset.viewId, values: inputValues(view)});
  else Object.assign(body, {channel: message.dataset.channel, ts: message.dataset.ts});
  el.disabled = true;
  try { await call("action", body); } catch (error) { flash(error.message); } finally { el.disabled = false; }
}

function flash(message) {
  const box = document.createElement("p");
  box.className = "notice flash";
  box.textContent = String(message);
  $("#notices").prepend(box);
  setTimeout(() => box.remove(), 8000);
}

// -- the operator's timeline ------------------------------------------------------------
async function openTimeline(threadId) {
  state.timelineThread = threadId;
  $("#timeline").hidden = false;
  $("#timeline-thread").textContent = threadId;
  $("#checkpoint").hidden = true;
  $("#timeline-status").textContent = "";
  const error = $("#timeline-error");
  try {
    const {steps} = await call(`timeline?thread_id=${encodeURIComponent(threadId)}`);
    error.hidden = true;
    $("#steps tbody").innerHTML = steps.map(s => `<tr tabindex="0" data-checkpoint="${s.checkpoint_id}" class="${s.branch === "head" ? "" : "aside"}">
      <td>${escapeHtml(s.created_at.slice(11, 19))}</td><td>${s.step ?? ""}</td><td>${escapeHtml(s.node)}</td>
      <td>${escapeHtml(s.last_message)}</td><td>${escapeHtml(s.branch)}</td></tr>`).join("");
  } catch (e) {
    $("#steps tbody").innerHTML = "";
    error.textContent = e.message; error.hidden = false;
  }
}

async function showCheckpoint(id) {
  state.checkpoint = id;
  document.querySelectorAll("#steps tr").forEach(r => r.classList.toggle("selected", r.dataset.checkpoint === id));
  const {state: snapshot} = await call(`checkpoint?thread_id=${encodeURIComponent(state.timelineThread)}&checkpoint_id=${encodeURIComponent(id)}`);
  $("#checkpoint").hidden = false;
  $("#checkpoint-id").textContent = id;
  $("#operator-result").textContent = "";
  $("#checkpoint-state").textContent = JSON.stringify(snapshot, null, 2);
}

async function operate(verb) {
  const out = $("#operator-result");
  try {
    const {result} = await call(verb, {thread_id: state.timelineThread, checkpoint_id: state.checkpoint});
    if (verb === "rewind") {
      await openTimeline(state.timelineThread);
      const voided = result.voided_approvals.length ? `; ${result.voided_approvals.length} approval(s) voided` : "";
      $("#timeline-status").textContent = `Rewound to ${result.to}: the new head is ${result.new_head}${voided}.`;
    } else {
      out.textContent = result.same ? "Replay: the same as recorded." : "Replay differs (- recorded, + replayed):\n" + result.diff.join("\n");
    }
  } catch (e) { out.textContent = e.message; }
}

function dmThreadId() {
  return `slack:TPLAYGROUND:${state.channel}`;
}

// -- live updates ----------------------------------------------------------------------------
function listen() {
  const source = new EventSource("/play/events");
  let reconnecting = false;
  source.onerror = () => { reconnecting = true; };
  source.onopen = () => { if (reconnecting) { reconnecting = false; switchUser(state.user); } };
  source.onmessage = async event => {
    const update = JSON.parse(event.data);
    if (update.kind === "message") upsert(update.message);
    else if (update.kind === "deleted" || update.kind === "assistant" || (update.kind === "ephemeral" && update.user === state.user)) {
      if (!state.home && state.channel === update.channel) await openChannel(state.channel);
    } else if (update.kind === "modal" && update.user === state.user) await loadModal();
    else if (update.kind === "home" && update.user === state.user && state.home) drawHome((await call("home")).home);
    if (update.kind === "message" && update.message.channel !== state.channel) loadWorkspace();
  };
}

// -- wiring ----------------------------------------------------------------------------------
function enterSends(textarea, threadTs) {
  textarea.addEventListener("keydown", e => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(textarea, threadTs()); }
  });
}

document.addEventListener("DOMContentLoaded", async () => {
  $("#you").addEventListener("change", e => switchUser(e.target.value));
  $("#composer").addEventListener("submit", e => { e.preventDefault(); send($("#message"), null); });
  $("#thread-composer").addEventListener("submit", e => { e.preventDefault(); send($("#thread-message"), state.thread); });
  enterSends($("#message"), () => null);
  enterSends($("#thread-message"), () => state.thread);
  $("#modal").addEventListener("submit", submitModal);
  $("#timeline-button").addEventListener("click", () => openTimeline(dmThreadId()));
  $("#ai-thread-button").addEventListener("click", async () => {
    try {
      const {thread_ts} = await call("ai-thread", {});
      state.thread = thread_ts;
      await openChannel(state.channel);
      $("#thread-message").focus();
    } catch (error) { flash(error.message); }
  });
  $("#thread-timeline").addEventListener("click", () => {
    const root = state.data.messages.find(m => m.ts === state.thread);
    openTimeline(root ? root.thread_id : dmThreadId());
  });
  $("#rewind").addEventListener("click", async () => {
    if (await confirmFirst({title: "Rewind?", text: "The thread continues from this checkpoint. Nothing is deleted; later steps stay in the history.", confirm: "Rewind", deny: "Cancel", style: "danger"})) operate("rewind");
  });
  $("#replay").addEventListener("click", () => operate("replay"));
  document.addEventListener("click", e => {
    const t = e.target.closest("[data-action]:not(select), [data-channel].nav-item, [data-home], [data-open-thread], [data-close-thread], [data-close-timeline], [data-close-modal], [data-checkpoint], [data-shortcut], [data-prompt]");
    if (!t) return;
    if (t.dataset.action) { e.preventDefault(); act(t); }
    else if (t.classList.contains("nav-item") && t.dataset.channel) { state.thread = null; openChannel(t.dataset.channel); }
    else if (t.hasAttribute("data-home")) openHome();
    else if (t.dataset.openThread) { state.thread = t.dataset.openThread; drawThread(); $("#thread-message").focus(); }
    else if (t.hasAttribute("data-close-thread")) { state.thread = null; drawThread(); }
    else if (t.hasAttribute("data-close-timeline")) $("#timeline").hidden = true;
    else if (t.hasAttribute("data-close-modal")) closeModal();
    else if (t.dataset.checkpoint) showCheckpoint(t.dataset.checkpoint);
    else if (t.dataset.shortcut) {
      const m = t.closest("[data-ts]");
      call("shortcut", {callback_id: t.dataset.shortcut, channel: m.dataset.channel, ts: m.dataset.ts}).catch(flash);
    } else if (t.dataset.prompt) sendText(t.dataset.prompt, state.thread).catch(e => flash(e.message));
  });
  document.addEventListener("change", e => {
    const el = e.target.closest("select[data-action]");
    if (el && !el.closest("#modal-body [data-input]") && !el.hasAttribute("data-input")) act(el, el.value);
  });
  document.addEventListener("keydown", e => {
    if (e.key === "Escape" && !$("#modal-backdrop").hidden) closeModal();
    if (e.key === "Enter" && e.target.dataset && e.target.dataset.checkpoint) showCheckpoint(e.target.dataset.checkpoint);
  });
  listen();
  await loadWorkspace();
  await openChannel(state.channel);
  await loadModal();
  document.body.dataset.ready = "true";
});
