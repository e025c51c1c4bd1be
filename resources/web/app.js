// zerotee's page: live view (fragmented MP4 over a WebSocket into Media Source Extensions),
// workers, live events and recordings. No framework, no build step, nothing from elsewhere.
'use strict';

const $ = (id) => document.getElementById(id);
const state = { status: null, camera: null, stream: null, live: null, offsetS: 0 };

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: 'same-origin', ...options });
  if (response.status === 401) {
    showLogin();
    throw new Error('not logged in');
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok || body.ok === false) throw new Error(body.error || response.statusText);
  return body;
}

function showLogin() {
  $('login').hidden = false;
  $('app').hidden = true;
  $('logout').hidden = true;
}

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const r = await fetch('/api/session', {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token: $('token').value }),
  });
  if (r.ok) location.reload();
  else $('login-error').textContent = (await r.json().catch(() => ({}))).error || 'refused';
});
$('logout').addEventListener('click', async () => {
  await fetch('/api/session', { method: 'DELETE', credentials: 'same-origin' });
  location.reload();
});

function wsUrl(path) {
  return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + path;
}

// ---- live view ---------------------------------------------------------------------------
// Each viewer gets fragmented MP4 (one fragment per frame) starting at the stream's last
// keyframe; the page keeps the video at the live edge so latency stays a few frames.
class LiveView {
  constructor(video, camera, stream) {
    this.video = video;
    this.queue = [];
    this.closed = false;
    this.source = new MediaSource();
    video.src = URL.createObjectURL(this.source);
    this.source.addEventListener('sourceopen', () => this.open(camera, stream), { once: true });
  }

  open(camera, stream) {
    this.buffer = this.source.addSourceBuffer('video/mp4; codecs="avc1.42E01E"');
    this.buffer.mode = 'segments';
    this.buffer.addEventListener('updateend', () => this.pump());
    const q = new URLSearchParams({ camera, stream });
    this.socket = new WebSocket(wsUrl('/api/live?' + q));
    this.socket.binaryType = 'arraybuffer';
    this.socket.onmessage = (m) => {
      if (typeof m.data === 'string') {
        const said = JSON.parse(m.data);
        if (said.error) setLiveState(said.error, true);
        return;
      }
      this.queue.push(m.data);
      this.pump();
    };
    this.socket.onclose = (e) => {
      if (!this.closed) setLiveState('live view ended' + (e.reason ? ': ' + e.reason : ''), true);
    };
    setLiveState('connecting…');
  }

  pump() {
    if (!this.buffer || this.buffer.updating || this.queue.length === 0) return;
    const total = this.queue.reduce((n, b) => n + b.byteLength, 0);
    const joined = new Uint8Array(total);
    let at = 0;
    for (const b of this.queue) { joined.set(new Uint8Array(b), at); at += b.byteLength; }
    this.queue = [];
    try {
      this.buffer.appendBuffer(joined);
    } catch (err) {
      setLiveState('the browser refused the stream: ' + err.message, true);
      return;
    }
    this.keepLive();
  }

  keepLive() {
    const v = this.video;
    const ranges = this.buffer.buffered;
    if (ranges.length === 0) return;
    const end = ranges.end(ranges.length - 1);
    if (v.paused) v.play().catch(() => {});
    // More than 0.3 s behind the newest frame: jump to it (the GOP cache starts us up to a
    // GOP back, and a stalled tab falls behind).
    if (end - v.currentTime > 0.3) v.currentTime = Math.max(ranges.start(ranges.length - 1), end - 0.05);
    // Keep 20 s of buffer at most.
    if (!this.buffer.updating && v.currentTime - ranges.start(0) > 30)
      this.buffer.remove(ranges.start(0), v.currentTime - 20);
    setLiveState('live');
  }

  close() {
    this.closed = true;
    if (this.socket) this.socket.close();
    URL.revokeObjectURL(this.video.src);
  }
}

function setLiveState(text, bad = false) {
  $('live-state').textContent = text;
  $('live-state').className = bad ? 'error' : 'muted';
}

function startLive() {
  if (state.live) state.live.close();
  state.live = new LiveView($('live'), state.camera, state.stream);
  $('snapshot').href = '/api/snapshot?' + new URLSearchParams({ camera: state.camera });
}

// ---- workers -----------------------------------------------------------------------------
async function refreshWorkers() {
  const { result } = await api('/api/workers');
  const box = $('workers');
  box.replaceChildren(...result.map((w) => {
    const row = document.createElement('div');
    row.className = 'worker';
    const label = document.createElement('span');
    label.innerHTML = '<b></b> <span class="muted"></span> <span></span>';
    label.children[0].textContent = w.name;
    label.children[1].textContent = w.kind + (w.stream ? ' · ' + w.stream : '');
    label.children[2].textContent = w.state;
    label.children[2].className = 'state-' + w.state;
    const running = w.state === 'running' || w.state === 'starting';
    const button = document.createElement('button');
    button.textContent = running ? 'Stop' : 'Start';
    button.onclick = () => api(`/api/workers/${encodeURIComponent(w.name)}/${running ? 'stop' : 'start'}`,
                               { method: 'POST' })
      .catch((err) => { $('error').textContent = err.message; })
      .finally(refreshWorkers);
    row.append(label, button);
    return row;
  }));
}

// ---- events ------------------------------------------------------------------------------
function addEvent(e, atTop = true) {
  const li = document.createElement('li');
  const time = document.createElement('time');
  time.textContent = deviceTime(Date.parse(e.time)).toISOString().slice(11, 19);
  li.append(time, `${e.source}: ${e.message}`);
  const list = $('events');
  atTop ? list.prepend(li) : list.append(li);
  while (list.children.length > 200) list.lastChild.remove();
}

async function startEvents() {
  const { result } = await api('/api/events');
  result.slice(-50).reverse().forEach((e) => addEvent(e, false));
  const socket = new WebSocket(wsUrl('/api/events/live'));
  socket.onmessage = (m) => {
    const e = JSON.parse(m.data);
    if (e.id) addEvent(e);
    if (e.type === 'worker' || e.type === 'stream') refreshWorkers().catch(() => {});
  };
  socket.onclose = () => setTimeout(startEvents, 3000);
}

// ---- recordings --------------------------------------------------------------------------
// A Date whose UTC fields read as the device's local time (status.utc_offset_s).
function deviceTime(ms) { return new Date(ms + state.offsetS * 1000); }
function deviceIso(ms) { return deviceTime(ms).toISOString().slice(0, 19); }
function dayStartMs(day) { return Date.parse(day + 'T00:00:00Z') - state.offsetS * 1000; }

async function refreshRecordings() {
  const day = $('day').value;
  const from = dayStartMs(day), to = from + 86400000;
  $('recordings-error').textContent = '';
  let answer;
  try {
    answer = await api('/api/recordings?' + new URLSearchParams({
      camera: state.camera, from: deviceIso(from), to: deviceIso(to) }));
  } catch (err) {
    $('recordings-error').textContent = err.message;
    return;
  }
  const line = $('timeline');
  line.querySelectorAll('.segment,.event').forEach((n) => n.remove());
  const at = (ms) => (100 * (ms - from) / 86400000).toFixed(3) + '%';
  let seconds = 0;
  for (const s of answer.segments) {
    const bar = document.createElement('div');
    bar.className = 'segment';
    bar.style.left = at(s.start_ms);
    bar.style.width = Math.max(0.1, 100 * s.duration_s * 1000 / 86400000).toFixed(3) + '%';
    bar.title = `${s.file} (${s.duration_s.toFixed(1)} s)`;
    line.append(bar);
    seconds += s.duration_s;
  }
  for (const e of answer.events.filter((e) => e.type === 'detection' || e.type === 'event')) {
    const tick = document.createElement('div');
    tick.className = 'event';
    tick.style.left = at(Date.parse(e.time));
    tick.title = e.message;
    line.append(tick);
  }
  $('recordings-summary').textContent =
    `${answer.segments.length} segments, ${(seconds / 60).toFixed(1)} min, ${answer.events.length} events`;
  state.recordings = answer;
}

function clipUrl(fromMs, seconds, download) {
  const q = new URLSearchParams({ camera: state.camera, from: deviceIso(fromMs),
                                  to: deviceIso(fromMs + seconds * 1000) });
  if (download) q.set('download', '1');
  return '/api/clip?' + q;
}

function playFrom(ms) {
  const v = $('playback');
  v.src = clipUrl(ms, 60, false);
  v.play().catch(() => {});
  $('clip-from').value = deviceIso(ms).slice(11, 19);
  updateDownload();
}

function updateDownload() {
  const [h, m, s] = ($('clip-from').value || '00:00:00').split(':').map(Number);
  const from = dayStartMs($('day').value) + ((h * 60 + m) * 60 + (s || 0)) * 1000;
  $('download').href = clipUrl(from, Number($('clip-seconds').value) || 30, true);
}

// A pixel of a day's timeline is a minute or two: a click plays the recording under it, or
// the nearest one within a few pixels.
$('timeline').addEventListener('click', (e) => {
  const box = e.currentTarget.getBoundingClientRect();
  const msPerPx = 86400000 / box.width;
  const ms = dayStartMs($('day').value) + (e.clientX - box.left) * msPerPx;
  let best = null, bestGap = 6 * msPerPx;
  for (const s of (state.recordings || {}).segments || []) {
    const end = s.start_ms + s.duration_s * 1000;
    const gap = ms < s.start_ms ? s.start_ms - ms : ms > end ? ms - end : 0;
    if (gap < bestGap) { best = s; bestGap = gap; }
  }
  if (!best) return;
  playFrom(Math.min(Math.max(ms, best.start_ms), best.start_ms + best.duration_s * 1000 - 1000));
});
$('timeline-hours').replaceChildren(...Array.from({ length: 8 }, (_, i) => {
  const label = document.createElement('span');
  label.textContent = String(i * 3).padStart(2, '0') + ':00';
  return label;
}));
$('day').addEventListener('change', refreshRecordings);
$('clip-from').addEventListener('change', updateDownload);
$('clip-seconds').addEventListener('change', updateDownload);

// ---- start -------------------------------------------------------------------------------
async function main() {
  let status;
  try {
    status = (await api('/api/status')).result;
  } catch (err) {
    if (err.message !== 'not logged in') $('error').textContent = err.message;
    return;
  }
  state.status = status;
  state.offsetS = status.utc_offset_s || 0;
  $('app').hidden = false;
  $('logout').hidden = false;
  const params = new URLSearchParams(location.search);
  $('camera').replaceChildren(...status.cameras.map((c) => new Option(c.name, c.name)));
  state.camera = params.get('camera') || status.cameras[0].name;
  $('camera').value = state.camera;
  const fillStreams = () => {
    const camera = status.cameras.find((c) => c.name === state.camera);
    const streams = (camera.stream_names || [{ name: 'main', codec: 'h264' }])
      .filter((s) => s.codec === 'h264');
    $('stream').replaceChildren(...streams.map((s) => new Option(s.name, s.name)));
    // Phones get the smaller stream when there is one; the list lets anyone choose.
    const small = streams.find((s) => s.name === 'sub');
    state.stream = params.get('stream') ||
      (small && window.matchMedia('(max-width: 760px)').matches ? 'sub' : streams[0]?.name || 'main');
    $('stream').value = state.stream;
  };
  fillStreams();
  $('camera').onchange = () => { state.camera = $('camera').value; fillStreams(); startLive(); refreshRecordings(); };
  $('stream').onchange = () => { state.stream = $('stream').value; startLive(); };
  $('day').value = deviceIso(Date.now()).slice(0, 10);
  $('clip-from').value = deviceIso(Date.now() - 60000).slice(11, 19);
  updateDownload();
  startLive();
  refreshWorkers().catch((err) => { $('error').textContent = err.message; });
  startEvents().catch(() => {});
  refreshRecordings();
  setInterval(() => refreshWorkers().catch(() => {}), 5000);
  setInterval(refreshRecordings, 15000);
}

main();
