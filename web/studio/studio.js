// easel studio's page: plain JavaScript over the studio's JSON API (src/studio/studio.cpp).
// Two views: the list of projects (#/) and one project (#/p/ID), its classes and samples.
'use strict';

const $ = (sel, root = document) => root.querySelector(sel);
const PAGE = 200;           // samples shown per class before "Show more"
const FRAMES_PER_SECOND = 5; // webcam samples while the record button is held
const CLIP_SECONDS = 1;      // microphone samples

// ---- the API ----
async function api(method, path, body, contentType) {
  const init = { method, headers: {} };
  if (body instanceof Blob || body instanceof FormData) init.body = body;
  else if (body !== undefined) { init.body = JSON.stringify(body); init.headers['Content-Type'] = 'application/json'; }
  if (contentType) init.headers['Content-Type'] = contentType;
  const res = await fetch(path, init);
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({ message: `The studio answered ${res.status}.` }));
  if (!res.ok) throw new Error(data.message + (data.hint ? ' ' + data.hint : ''));
  return data;
}

function toast(text, isError) {
  const t = $('#toast');
  t.textContent = text;
  t.className = isError ? 'error' : '';
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, isError ? 6000 : 2500);
}
const guard = (f) => async (...args) => { try { await f(...args); } catch (e) { toast(e.message, true); } };

// ---- the list of projects ----
async function showProjects() {
  $('#project-view').hidden = true;
  $('#projects-view').hidden = false;
  $('#where').textContent = '';
  const { projects } = await api('GET', '/api/projects');
  const list = $('#project-list');
  list.replaceChildren();
  for (const p of projects) {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = `#/p/${p.id}`;
    a.textContent = p.name;
    const small = document.createElement('small');
    const samples = p.classes.reduce((n, c) => n + c.samples, 0);
    small.textContent = `${p.kind} project · ${p.classes.length} classes · ${samples} samples`;
    a.append(small);
    li.append(a);
    list.append(li);
  }
  $('#no-projects').hidden = projects.length > 0;
}

const KIND_NAMES = { image: 'Image project', sound: 'Audio project', pose: 'Pose project' };
for (const button of document.querySelectorAll('.kind')) {
  button.addEventListener('click', guard(async () => {
    const kind = button.dataset.kind;
    const p = await api('POST', '/api/projects', { name: `My ${kind} project`, kind });
    location.hash = `#/p/${p.id}`;
  }));
}

$('#import').addEventListener('change', guard(async (e) => {
  const file = e.target.files[0];
  e.target.value = '';
  if (!file) return;
  const form = new FormData();
  form.append('file', file, file.name);
  toast(`Importing ${file.name}…`);
  const p = await api('POST', '/api/import', form);
  if (p.skipped.length) toast(`${p.skipped.length} file(s) could not come in: ${p.skipped[0]}`, true);
  location.hash = `#/p/${p.id}`;
}));

// ---- one project ----
let project = null;

async function showProject(id) {
  project = await api('GET', `/api/projects/${id}`);
  $('#projects-view').hidden = true;
  $('#project-view').hidden = false;
  $('#where').textContent = project.name;
  $('#project-name').value = project.name;
  $('#project-kind').textContent = KIND_NAMES[project.kind];
  $('#download-project').href = `/api/projects/${project.id}/export/project.zip`;
  const classes = $('#classes');
  stopCamera();
  stopPreview();
  classes.replaceChildren();
  for (const c of project.classes) classes.append(classCard(c));
  $('#results').hidden = true;
  $('#train-hint').hidden = false;
  $('#progress').hidden = true;
  $('#train').disabled = false;
  $('#preview-card').hidden = true;
  $('#export-card').hidden = true;
  $('#download-tm').classList.toggle('off', project.kind !== 'image');
  $('#download-tm').title = project.kind === 'image' ? '' : "Teachable Machine's format here holds image models";
  try {
    const report = await api('GET', `/api/projects/${project.id}/model`);
    showReport(report);
    if (report.training) followTraining();
  } catch (e) { /* not trained yet */ }
}

$('#project-name').addEventListener('change', guard(async (e) => {
  project = await api('PATCH', `/api/projects/${project.id}`, { name: e.target.value });
  $('#where').textContent = project.name;
  toast('Renamed');
}));
$('#delete-project').addEventListener('click', guard(async () => {
  if (!confirm(`Delete "${project.name}" and all its samples?`)) return;
  await api('DELETE', `/api/projects/${project.id}`);
  location.hash = '#/';
}));
$('#add-class').addEventListener('click', guard(async () => {
  const n = project.classes.length + 1;
  let name = `Class ${n}`;
  for (let k = n; project.classes.some((c) => c.name === name); ++k) name = `Class ${k + 1}`;
  project = await api('POST', `/api/projects/${project.id}/classes`, { name });
  $('#classes').append(classCard(project.classes[project.classes.length - 1]));
}));

function classCard(c) {
  const card = $('#class-template').content.firstElementChild.cloneNode(true);
  const base = `/api/projects/${project.id}/classes/${c.id}`;
  card.dataset.id = c.id;
  const name = $('.class-name', card), enabled = $('.enabled', card), count = $('.count', card);
  const samples = $('.samples', card), more = $('.more', card), record = $('.record', card);
  name.value = c.name;
  if (project.kind === 'sound' && c.name === 'Background Noise') {
    // Every sound model needs the room's quiet: this class stays, under its name.
    name.readOnly = true;
    $('.delete-class', card).hidden = true;
  }
  enabled.checked = c.enabled;
  card.classList.toggle('disabled', !c.enabled);
  let total = c.samples, shown = 0;
  const setCount = () => { count.textContent = `${total} sample${total === 1 ? '' : 's'}`; };
  setCount();

  name.addEventListener('change', guard(async () => {
    project = await api('PATCH', base, { name: name.value });
  }));
  enabled.addEventListener('change', guard(async () => {
    project = await api('PATCH', base, { enabled: enabled.checked });
    card.classList.toggle('disabled', !enabled.checked);
  }));
  $('.delete-class', card).addEventListener('click', guard(async () => {
    if (!confirm(`Delete the class "${name.value}" and its ${total} samples?`)) return;
    project = await api('DELETE', base);
    card.remove();
  }));

  const tile = (s) => {
    const div = document.createElement('div');
    div.className = 'sample';
    div.dataset.id = s.id;
    if (project.kind === 'sound') {
      const span = document.createElement('span');
      span.className = 'sound';
      span.textContent = '♪ 1 s';
      span.title = 'Click to play';
      span.addEventListener('click', () => new Audio(`${base}/samples/${s.id}`).play());
      div.append(span);
    } else {
      const img = document.createElement('img');
      img.loading = 'lazy';
      img.alt = 'sample';
      img.src = `${base}/samples/${s.id}/thumbnail`;
      div.append(img);
    }
    const del = document.createElement('button');
    del.textContent = '×';
    del.title = 'Delete this sample';
    del.addEventListener('click', guard(async () => {
      await api('DELETE', `${base}/samples/${s.id}`);
      div.remove();
      total -= 1;
      setCount();
    }));
    div.append(del);
    return div;
  };
  const loadPage = guard(async () => {
    const page = await api('GET', `${base}/samples?offset=${shown}&limit=${PAGE}`);
    for (const s of page.samples) samples.append(tile(s));
    shown += page.samples.length;
    total = page.total;
    setCount();
    more.hidden = shown >= total;
  });
  more.addEventListener('click', loadPage);
  loadPage();

  const added = (result) => {
    for (const s of result.added) {
      if (shown >= PAGE + samples.childElementCount) break;
      samples.append(tile(s));
      shown += 1;
    }
    total += result.added.length;
    setCount();
    if (result.skipped.length) toast(`${result.skipped.length} file(s) skipped: ${result.skipped[0]}`, true);
  };
  const upload = async (blob, fileName) => {
    added(await api('POST', `${base}/samples?name=${encodeURIComponent(fileName)}`, blob, 'application/octet-stream'));
  };

  $('.files', card).accept = project.kind === 'sound' ? '.wav,.flac,.ogg,.zip' : 'image/*,.zip' + (project.kind === 'pose' ? ',.json' : '');
  // Files or a whole folder, sent a hundred at a time so no request passes the upload limit.
  const sendFiles = guard(async (e) => {
    const files = [...e.target.files];
    e.target.value = '';
    for (let i = 0; i < files.length; i += 100) {
      const form = new FormData();
      for (const f of files.slice(i, i + 100)) form.append('files', f, f.name);
      added(await api('POST', `${base}/samples`, form));
    }
  });
  $('.files', card).addEventListener('change', sendFiles);
  $('.folder', card).addEventListener('change', sendFiles);

  if (project.kind === 'sound') {
    record.textContent = `Record ${CLIP_SECONDS} s`;
    record.addEventListener('click', guard(async () => {
      record.classList.add('on');
      try { await upload(await recordClip(CLIP_SECONDS), 'clip.wav'); } finally { record.classList.remove('on'); }
    }));
  } else {
    // Hold to record: a frame every 1/FRAMES_PER_SECOND s from the webcam, mirrored as the
    // preview is (what a person sees is what the model learns).
    let timer = null;
    const start = guard(async () => {
      const video = await startCamera(card);
      record.classList.add('on');
      const grab = guard(async () => upload(await frameOf(video), 'webcam.jpg'));
      grab();
      timer = setInterval(grab, 1000 / FRAMES_PER_SECOND);
    });
    const stop = () => { clearInterval(timer); timer = null; record.classList.remove('on'); };
    record.addEventListener('mousedown', start);
    record.addEventListener('touchstart', start);
    for (const ev of ['mouseup', 'mouseleave', 'touchend']) record.addEventListener(ev, stop);
    record.addEventListener('mouseenter', () => { startCamera(card).catch((e) => toast(e.message, true)); });
  }
  return card;
}

// ---- training ----
$('#train').addEventListener('click', guard(async () => {
  const settings = {
    epochs: Number($('#epochs').value),
    batch_size: Number($('#batch-size').value),
    learning_rate: Number($('#learning-rate').value),
  };
  await api('POST', `/api/projects/${project.id}/train`, settings);
  followTraining();
}));

// Follows the training's server-sent events: a progress bar through the features and the
// epochs, then the report.
function followTraining() {
  const id = project.id;
  $('#train').disabled = true;
  $('#progress').hidden = false;
  const bar = $('#progress-bar'), text = $('#progress-text');
  const events = new EventSource(`/api/projects/${id}/train/events`);
  events.onmessage = async (m) => {
    const e = JSON.parse(m.data);
    if (e.stage === 'features') { bar.value = e.total ? e.done / e.total : 0; text.textContent = `Preparing samples ${e.done}/${e.total}`; }
    else if (e.stage === 'epoch') { bar.value = e.epoch / e.epochs; text.textContent = `Epoch ${e.epoch}/${e.epochs}`; }
    else if (e.stage === 'learning_curve') { text.textContent = 'Measuring the learning curve'; }
    else if (e.stage === 'done' || e.stage === 'error') {
      events.close();
      $('#train').disabled = false;
      $('#progress').hidden = true;
      if (e.stage === 'error') { toast(e.message + (e.hint ? ' ' + e.hint : ''), true); return; }
      if (project && project.id === id) {
        showReport(await api('GET', `/api/projects/${id}/model`));
        toast('Model trained');
      }
    }
  };
  events.onerror = () => { if (events.readyState === EventSource.CLOSED) { $('#train').disabled = false; } };
}

const percent = (x) => (x === null || x === undefined ? '–' : `${Math.round(x * 100)}%`);

function showReport(r) {
  $('#results').hidden = false;
  $('#train-hint').hidden = true;
  $('#preview-card').hidden = false;
  $('#export-card').hidden = false;
  const ev = r.evaluation;
  // An imported model comes without an evaluation: only where it came from.
  $('#evaluation').hidden = Boolean(r.imported);
  $('#accuracy').className = r.imported ? '' : 'big';
  $('#accuracy').textContent = r.imported
    ? `Imported from ${r.imported}: preview it, or add samples to its classes and train to go on from it.`
    : ev.examples
      ? `${percent(ev.accuracy)} right on ${ev.examples} held-out samples`
      : 'Trained (too few samples to hold some out for checking)';
  const perClass = $('#per-class');
  perClass.replaceChildren();
  const head = perClass.insertRow();
  for (const h of ['Class', 'Accuracy', 'Samples']) { const th = document.createElement('th'); th.textContent = h; head.append(th); }
  r.labels.forEach((label, i) => {
    const row = perClass.insertRow();
    row.insertCell().textContent = label;
    row.insertCell().textContent = percent(ev.class_accuracy[i]);
    row.insertCell().textContent = r.counts[i];
  });
  // The confusion matrix; a cell shows its samples.
  const table = $('#confusion');
  table.replaceChildren();
  const top = table.insertRow();
  top.insertCell();
  for (const label of r.labels) { const th = document.createElement('th'); th.textContent = label; top.append(th); }
  ev.confusion.forEach((row, t) => {
    const tr = table.insertRow();
    const th = document.createElement('th'); th.textContent = r.labels[t]; tr.append(th);
    row.forEach((n, p) => {
      const td = tr.insertCell();
      td.className = `cell ${t === p ? 'right' : n ? 'wrong' : ''}`;
      td.textContent = n;
      td.addEventListener('click', () => {
        for (const c of table.querySelectorAll('.chosen')) c.classList.remove('chosen');
        td.classList.add('chosen');
        showMistakes(r, t, p);
      });
    });
  });
  $('#mistakes').replaceChildren();
  $('#curves').replaceChildren(chart([
    { name: 'accuracy', color: '#1967d2', points: r.history.map((h) => [h.epoch, h.accuracy]) },
    { name: 'held-out accuracy', color: '#188038', points: r.history.filter((h) => 'validation_accuracy' in h).map((h) => [h.epoch, h.validation_accuracy]) },
    { name: 'loss', color: '#c5221f', points: r.history.map((h) => [h.epoch, h.loss]) },
  ], 'epoch'));
  $('#learning-curve').replaceChildren(r.learning_curve.length
    ? chart([{ name: 'held-out accuracy', color: '#188038', points: r.learning_curve.map((p) => [p.per_class, p.accuracy]) }], 'samples per class')
    : document.createTextNode('Too few samples to measure it.'));
  $('#download-easel').href = `/api/projects/${project.id}/export/model.easel`;
  $('#download-tm').href = `/api/projects/${project.id}/export/teachable-machine.zip`;
}

function showMistakes(r, t, p) {
  const box = $('#mistakes');
  box.replaceChildren();
  const which = r.evaluation.misclassified.filter((m) => m.label === r.labels[t] && m.predicted === r.labels[p]);
  if (t === p) { box.textContent = `${r.evaluation.confusion[t][p]} held-out samples of ${r.labels[t]} were classified right.`; return; }
  if (!which.length) { box.textContent = 'No samples here.'; return; }
  for (const m of which) {
    const div = document.createElement('div');
    div.className = 'sample';
    div.title = `${m.label}, taken for ${m.predicted} (${percent(m.confidence)})`;
    if (project.kind === 'sound') {
      const span = document.createElement('span'); span.className = 'sound'; span.textContent = '♪';
      span.addEventListener('click', () => new Audio(`/api/projects/${project.id}/classes/${m.class}/samples/${m.sample}`).play());
      div.append(span);
    } else {
      const img = document.createElement('img');
      img.src = `/api/projects/${project.id}/classes/${m.class}/samples/${m.sample}/thumbnail`;
      img.alt = div.title;
      div.append(img);
    }
    box.append(div);
  }
}

// A line chart in SVG: series of [x, y] points, a legend, axes from 0.
function chart(series, xName) {
  const NS = 'http://www.w3.org/2000/svg';
  const W = 320, H = 150, L = 30, B = 22, T = 16;
  const all = series.flatMap((s) => s.points);
  const xMax = Math.max(1, ...all.map((p) => p[0])), yMax = Math.max(1, ...all.map((p) => p[1]));
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('class', 'chart');
  const el = (name, attrs, text) => {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    svg.append(e);
    return e;
  };
  const x = (v) => L + (v / xMax) * (W - L - 8), y = (v) => H - B - (v / yMax) * (H - B - T);
  el('line', { x1: L, y1: H - B, x2: W - 8, y2: H - B, stroke: '#dadce0' });
  el('line', { x1: L, y1: T, x2: L, y2: H - B, stroke: '#dadce0' });
  el('text', { x: L - 4, y: y(yMax) + 3, 'text-anchor': 'end' }, yMax.toFixed(yMax >= 10 ? 0 : 1));
  el('text', { x: L - 4, y: H - B + 3, 'text-anchor': 'end' }, '0');
  el('text', { x: W - 8, y: H - 6, 'text-anchor': 'end' }, `${xName} ${xMax}`);
  series.forEach((s, i) => {
    if (!s.points.length) return;
    el('polyline', { points: s.points.map((p) => `${x(p[0])},${y(p[1])}`).join(' '), fill: 'none', stroke: s.color, 'stroke-width': 2 });
    el('text', { x: L + 6 + i * 110, y: 10, fill: s.color }, s.name);
  });
  return svg;
}

// ---- preview ----
let previewTimer = null;
$('#preview-toggle').addEventListener('click', guard(async () => {
  if (previewTimer) { stopPreview(); return; }
  $('#preview-toggle').textContent = 'Stop preview';
  const classify = async (blob) => {
    const res = await api('POST', `/api/projects/${project.id}/predict`, blob, 'application/octet-stream').catch((e) => ({ error: e.message }));
    if (previewTimer) showBars(res);
  };
  if (project.kind === 'sound') {
    const loop = async () => {
      while (previewTimer) await classify(await recordClip(CLIP_SECONDS));
    };
    previewTimer = true;
    loop().catch((e) => { toast(e.message, true); stopPreview(); });
  } else {
    const live = $('#preview-live');
    live.hidden = false;
    if (!camera) camera = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
    const video = $('#preview-video');
    video.srcObject = camera;
    await video.play();
    let busy = false;
    previewTimer = setInterval(async () => {
      if (busy || !video.videoWidth) return;
      busy = true;
      try { await classify(await frameOf(video)); } finally { busy = false; }
    }, 200);
  }
}));

function stopPreview() {
  if (previewTimer && previewTimer !== true) clearInterval(previewTimer);
  previewTimer = null;
  $('#preview-toggle').textContent = 'Start preview';
  $('#preview-live').hidden = true;
}

function showBars(res) {
  const box = $('#bars');
  box.replaceChildren();
  if (res.error) { box.textContent = res.error; return; }
  for (const c of res.classes) {
    const row = document.createElement('div');
    row.className = 'bar';
    const name = document.createElement('span'); name.textContent = c.label;
    const track = document.createElement('div'); track.className = 'track';
    const fill = document.createElement('div'); fill.className = 'fill'; fill.style.width = `${Math.round(c.confidence * 100)}%`;
    track.append(fill);
    const value = document.createElement('span'); value.className = 'value'; value.textContent = percent(c.confidence);
    row.append(name, track, value);
    box.append(row);
  }
}

// ---- export ----
$('#show-snippet').addEventListener('click', guard(async () => {
  const res = await fetch(`/api/projects/${project.id}/export/snippet.cpp`);
  const pre = $('#snippet');
  pre.textContent = await res.text();
  pre.hidden = !pre.hidden;
}));

// ---- the webcam ----
let camera = null;   // the MediaStream, shared by the classes
async function startCamera(card) {
  if (!camera) camera = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
  for (const live of document.querySelectorAll('.live')) live.hidden = true;
  const live = $('.live', card);
  const video = $('video', live);
  live.hidden = false;
  if (video.srcObject !== camera) { video.srcObject = camera; await video.play(); }
  if (!video.videoWidth) await new Promise((r) => video.addEventListener('loadeddata', r, { once: true }));
  return video;
}
function stopCamera() {
  if (camera) for (const t of camera.getTracks()) t.stop();
  camera = null;
}
function frameOf(video) {
  // A centred square, mirrored like the preview, 224 px as Teachable Machine keeps it.
  const side = Math.min(video.videoWidth, video.videoHeight);
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 224;
  const g = canvas.getContext('2d');
  g.translate(224, 0);
  g.scale(-1, 1);
  g.drawImage(video, (video.videoWidth - side) / 2, (video.videoHeight - side) / 2, side, side, 0, 0, 224, 224);
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.9));
}

// ---- the microphone: a clip as a 16-bit WAV ----
async function recordClip(seconds) {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
  const context = new AudioContext();
  const source = context.createMediaStreamSource(stream);
  const processor = context.createScriptProcessor(4096, 1, 1);
  const want = Math.round(seconds * context.sampleRate);
  const chunks = [];
  let have = 0;
  await new Promise((resolve) => {
    processor.onaudioprocess = (e) => {
      if (have >= want) return;
      const data = e.inputBuffer.getChannelData(0).slice(0, want - have);
      chunks.push(data);
      have += data.length;
      if (have >= want) resolve();
    };
    source.connect(processor);
    processor.connect(context.destination);
  });
  source.disconnect();
  processor.disconnect();
  for (const t of stream.getTracks()) t.stop();
  const rate = context.sampleRate;
  await context.close();
  return wav(chunks, have, rate);
}
function wav(chunks, frames, rate) {
  const buffer = new ArrayBuffer(44 + frames * 2);
  const v = new DataView(buffer);
  const text = (at, s) => { for (let i = 0; i < s.length; ++i) v.setUint8(at + i, s.charCodeAt(i)); };
  text(0, 'RIFF'); v.setUint32(4, 36 + frames * 2, true); text(8, 'WAVE');
  text(12, 'fmt '); v.setUint32(16, 16, true); v.setUint16(20, 1, true); v.setUint16(22, 1, true);
  v.setUint32(24, rate, true); v.setUint32(28, rate * 2, true); v.setUint16(32, 2, true); v.setUint16(34, 16, true);
  text(36, 'data'); v.setUint32(40, frames * 2, true);
  let at = 44;
  for (const c of chunks) for (const x of c) { v.setInt16(at, Math.max(-1, Math.min(1, x)) * 32767, true); at += 2; }
  return new Blob([buffer], { type: 'audio/wav' });
}

// ---- routing ----
async function route() {
  const m = location.hash.match(/^#\/p\/([a-z0-9-]+)$/);
  try {
    if (m) await showProject(m[1]);
    else { stopPreview(); stopCamera(); await showProjects(); }
  } catch (e) {
    toast(e.message, true);
    if (m) location.hash = '#/';
  }
}
$('#home').addEventListener('click', (e) => { e.preventDefault(); location.hash = '#/'; });
window.addEventListener('hashchange', route);
route();
