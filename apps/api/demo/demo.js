// The Push demo: a plain ES module on top of the SDK's browser bundle (served next to this file).
// It keeps {token, queue} in localStorage, shows the history, then stays connected over a WebSocket.

const $ = (id) => document.getElementById(id);
const api = location.origin; // the page is served by the api itself
const IDENTITY_KEY = 'push-demo:client';
const HISTORY_LIMIT = 50;

/** key → {message, li, systemNotification} of every notification on screen */
const notes = new Map();
/** keys read on some device; a marker may come before its message is shown */
const readKeys = new Set();
/** push URL → domain, for labelling notifications */
let domains = new Map();
/** push URLs not in the list when a message from them came (revoked, or made on another device) */
const unknownPushUrls = new Set();
let sdk;
let client;
let connection;

function showError(text) {
  const el = $('error');
  el.textContent = text;
  el.hidden = text === '';
}

function setConnection(state, text) {
  const el = $('connection');
  el.dataset.state = state;
  el.textContent = text;
}

function compareKeys(a, b) {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am !== bm ? am - bm : as - bs;
}

function isHttpUrl(text) {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function parseIdentity(text) {
  try {
    const value = JSON.parse(text ?? '');
    return typeof value?.token === 'string' && typeof value?.queue === 'string' ? { token: value.token, queue: value.queue } : null;
  } catch {
    return null;
  }
}

async function loadIdentity() {
  const saved = parseIdentity(localStorage.getItem(IDENTITY_KEY));
  if (saved) return saved;
  const fresh = await sdk.createToken(api);
  localStorage.setItem(IDENTITY_KEY, JSON.stringify({ token: fresh.token, queue: fresh.queue }));
  return fresh;
}

// ---- notifications ---------------------------------------------------------------------------

function siteName(pushUrl) {
  return domains.get(pushUrl) ?? 'a revoked push URL';
}

function updateCounts() {
  let unread = 0;
  for (const key of notes.keys()) if (!readKeys.has(key)) unread++;
  $('unread-count').textContent = notes.size === 0 ? '' : `(${unread} unread)`;
  $('empty').hidden = notes.size > 0;
}

function renderReadState(note) {
  const read = readKeys.has(note.message.key);
  note.li.classList.toggle('read', read);
  note.li.dataset.read = String(read);
  note.li.querySelector('.badge').textContent = read ? 'Read' : 'New';
}

function addNotification(message, { live }) {
  if (notes.has(message.key)) return;
  const { title, body, actionUrl, replaceId } = message.body;
  if (replaceId !== undefined) {
    // the newest message of a (push URL, replaceId) stands for the older ones
    for (const [key, other] of notes) {
      if (other.message.queue === message.queue && other.message.body.replaceId === replaceId) {
        if (compareKeys(key, message.key) > 0) return;
        removeNotification(key);
      }
    }
  }
  const li = document.createElement('li');
  li.dataset.key = message.key;
  const link = actionUrl !== undefined && isHttpUrl(actionUrl);
  const control = document.createElement(link ? 'a' : 'button');
  control.className = 'note';
  if (link) {
    control.href = actionUrl;
    control.target = '_blank';
    control.rel = 'noopener noreferrer';
  } else {
    control.type = 'button';
  }
  const badge = document.createElement('span');
  badge.className = 'badge';
  const titleEl = document.createElement('span');
  titleEl.className = 'title';
  titleEl.textContent = title;
  control.append(badge, titleEl);
  if (body) {
    const text = document.createElement('span');
    text.className = 'text';
    text.textContent = ` — ${body}`;
    control.append(text);
  }
  const meta = document.createElement('span');
  meta.className = 'meta';
  const site = document.createElement('span');
  site.className = 'site';
  site.textContent = siteName(message.queue);
  const when = new Date(Number(message.timestamp) * 1000);
  meta.append(site, ` · ${when.toLocaleString()}${link ? ` · opens ${new URL(actionUrl).host}` : ''}`);
  control.append(meta);
  control.addEventListener('click', () => markRead(message.key));
  li.append(control);

  const note = { message, li, systemNotification: null };
  notes.set(message.key, note);
  renderReadState(note);
  // newest first: before the first item with an older key
  const list = $('notifications');
  const next = [...list.children].find((el) => compareKeys(el.dataset.key, message.key) < 0);
  list.insertBefore(li, next ?? null);
  if (!domains.has(message.queue) && !unknownPushUrls.has(message.queue)) {
    // created on another device (or revoked since): ask once
    unknownPushUrls.add(message.queue);
    void refreshPushUrls().catch(() => undefined);
  }
  if (live && !readKeys.has(message.key)) showSystemNotification(note);
  updateCounts();
}

function removeNotification(key) {
  const note = notes.get(key);
  if (!note) return;
  note.systemNotification?.close();
  note.li.remove();
  notes.delete(key);
}

function applyRead(key) {
  readKeys.add(key);
  const note = notes.get(key);
  if (note) {
    renderReadState(note);
    note.systemNotification?.close();
    note.systemNotification = null;
  }
  updateCounts();
}

async function markRead(key) {
  if (readKeys.has(key)) return;
  applyRead(key); // at once here; the marker reaches the other devices through the gateway
  try {
    await client.markRead(key);
  } catch (err) {
    showError(`Could not mark it read: ${err.message}`);
  }
}

// ---- system notifications (Notification API) ------------------------------------------------

function showSystemStatus() {
  const button = $('enable-system');
  if (!('Notification' in window)) {
    button.disabled = true;
    $('system-status').textContent = 'This browser has no system notifications.';
    return;
  }
  const permission = Notification.permission;
  button.disabled = permission !== 'default';
  $('system-status').textContent =
    permission === 'granted' ? 'System notifications are on.' : permission === 'denied' ? 'System notifications are blocked in the browser settings.' : '';
}

function showSystemNotification(note) {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  const { title, body, actionUrl } = note.message.body;
  const shown = new Notification(title, { body: body ?? '', tag: note.message.key });
  shown.addEventListener('click', () => {
    window.focus();
    void markRead(note.message.key);
    if (actionUrl !== undefined && isHttpUrl(actionUrl)) window.open(actionUrl, '_blank', 'noopener');
  });
  note.systemNotification = shown;
}

// ---- push URLs -------------------------------------------------------------------------------

async function refreshPushUrls(select) {
  const urls = await client.listPushUrls();
  domains = new Map(Object.entries(urls).map(([domain, url]) => [url, domain]));
  const list = $('push-urls');
  const picker = $('send-url');
  const keep = select ?? picker.value;
  list.replaceChildren();
  picker.replaceChildren();
  for (const [domain, url] of Object.entries(urls).sort(([a], [b]) => a.localeCompare(b))) {
    const li = document.createElement('li');
    const name = document.createElement('span');
    name.className = 'domain';
    name.textContent = domain;
    const code = document.createElement('code');
    code.textContent = url;
    const revoke = document.createElement('button');
    revoke.type = 'button';
    revoke.className = 'secondary';
    revoke.textContent = 'Revoke';
    revoke.setAttribute('aria-label', `Revoke the push URL of ${domain}`);
    revoke.addEventListener('click', async () => {
      try {
        await client.revoke(url);
        await refreshPushUrls();
      } catch (err) {
        showError(`Could not revoke: ${err.message}`);
      }
    });
    li.append(name, code, revoke);
    list.append(li);
    picker.append(new Option(domain, url, false, url === keep));
  }
  if (picker.options.length === 0) picker.append(new Option('create a push URL first', '', true, true));
  for (const note of notes.values()) note.li.querySelector('.site').textContent = siteName(note.message.queue);
}

// ---- forms -------------------------------------------------------------------------------------

function wireForms(identity) {
  $('create-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const domain = $('domain').value.trim().toLowerCase();
    try {
      const url = await client.createPushUrl(domain);
      await refreshPushUrls(url);
      $('domain').value = '';
      showError('');
    } catch (err) {
      showError(`Could not create a push URL: ${err.message}`);
    }
  });

  $('send-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const pushUrl = $('send-url').value;
    const notification = { title: $('send-title').value.trim() };
    const body = $('send-body').value.trim();
    const actionUrl = $('send-action').value.trim();
    if (body) notification.body = body;
    if (actionUrl) notification.actionUrl = actionUrl;
    try {
      const stored = await sdk.publish(pushUrl, notification);
      $('send-status').textContent = `Sent (key ${stored.key}).`;
    } catch (err) {
      $('send-status').textContent = `Not sent: ${err.message}`;
    }
  });

  $('pairing-code').value = JSON.stringify({ token: identity.token, queue: identity.queue });
  $('pair-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const other = parseIdentity($('pair-input').value.trim());
    if (!other) {
      showError('That is not a pairing code: copy the whole text from the other device.');
      return;
    }
    localStorage.setItem(IDENTITY_KEY, JSON.stringify(other));
    location.reload();
  });

  $('reset').addEventListener('click', () => {
    if (!window.confirm('Forget this token? Its notifications stay on the server but this page starts over with a new token.')) return;
    localStorage.removeItem(IDENTITY_KEY);
    location.reload();
  });

  $('enable-system').addEventListener('click', async () => {
    await Notification.requestPermission();
    showSystemStatus();
  });
  showSystemStatus();
}

// ---- start -----------------------------------------------------------------------------------

async function start(retried = false) {
  const identity = await loadIdentity();
  client = new sdk.PushClient({ api, token: identity.token, queue: identity.queue, storage: localStorage });
  let history;
  try {
    history = await client.history({ limit: HISTORY_LIMIT });
  } catch (err) {
    if (err.code === 'invalid_token' && !retried) {
      // the server no longer knows this token (its data was reset): start over with a new one
      localStorage.removeItem(IDENTITY_KEY);
      return start(true);
    }
    throw err;
  }
  $('queue-url').textContent = identity.queue;
  wireForms(identity);
  await refreshPushUrls();
  for (const message of history.messages) {
    if (sdk.isReadMarker(message)) applyRead(message.body.read);
    else addNotification(message, { live: false });
  }
  updateCounts();

  // resume the socket right after the history shown, so nothing falls between the two
  const newest = history.messages.at(-1);
  connection = client.connect(newest ? { since: newest.key } : {});
  connection.on('state', (state) => {
    if (state === 'connected') setConnection(state, `Connected (gateway node ${connection.node})`);
    else if (state === 'connecting') setConnection(state, 'Connecting…');
    else setConnection(state, 'Offline: reconnecting…');
  });
  connection.on('message', (message) => addNotification(message, { live: true }));
  connection.on('read', (read) => applyRead(read.key));
  connection.on('error', (err) => {
    if (err.code === 'invalid_token' || (err.code === 'closed' && (err.closeCode === 1008 || err.closeCode === 1009))) {
      setConnection('offline', 'Offline');
      showError(`Disconnected for good: ${err.message}`);
    } else {
      console.warn('push connection:', err.code, err.message);
    }
  });
}

try {
  sdk = await import('./push-client.js');
} catch (err) {
  setConnection('offline', 'Not started');
  showError(`The SDK bundle did not load (build it with \`npm run build:client\`): ${err.message}`);
}
if (sdk) {
  start().catch((err) => {
    setConnection('offline', 'Not started');
    showError(`Could not start: ${err.message}`);
  });
}
