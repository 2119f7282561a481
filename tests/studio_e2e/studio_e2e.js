// easel studio end to end, as a workshop participant uses it: Debian's chromium, headless,
// driven by Playwright, with Chromium's fake camera and microphone playing sample media.
//
//   node studio_e2e.js --easel BUILD/easel --y4m BUILD/tests/easel_e2e_y4m --media data/media \
//                      --speech ../shared/media/arm-kws-samples --out BUILD/studio-e2e
//
// Image project: samples of class "street" filmed from vtest.avi (people walking), of class
// "tree" from tree.avi, each with the record button held; training; the preview names what
// each video shows; the model downloads; a restarted server shows the project intact.
// Sound project: "Background Noise" recorded from noise, "yes" from a spoken word; training;
// the preview tells them apart. Teachable Machine's zip, exported, imports as a project that
// previews right. A screenshot of every step is left in --out (stepNN-*.png).
// Exits 1 at the first check that fails, 77 when chromium or playwright-core is missing.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawn, execFileSync } = require('child_process');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const CHROMIUM = '/usr/bin/chromium';
let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch (e) {
  console.log('playwright-core is not installed (scripts/setup.sh installs it into tests/studio_e2e)');
  process.exit(process.env.EASEL_REQUIRE_ALL ? 1 : 77);
}
if (!fs.existsSync(CHROMIUM)) {
  console.log(`no ${CHROMIUM} (scripts/setup.sh installs Debian's chromium)`);
  process.exit(process.env.EASEL_REQUIRE_ALL ? 1 : 77);
}

const out = path.resolve(args.out);
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
const projects = path.join(out, 'projects');
const log = (...a) => console.log(`[${(process.uptime()).toFixed(1)} s]`, ...a);
function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
  log('ok:', what);
}

// ---- media for the fake devices ----
function findMedia(name) {
  for (const dir of fs.readdirSync(args.media)) {
    const p = path.join(args.media, dir, name);
    if (fs.existsSync(p)) return p;
  }
  throw new Error(`no ${name} under ${args.media}`);
}
const street = path.join(out, 'street.y4m'), tree = path.join(out, 'tree.y4m');
execFileSync(args.y4m, [findMedia('vtest.avi'), street, '90']);
execFileSync(args.y4m, [findMedia('tree.avi'), tree, '90']);
const noise = path.join(out, 'noise.wav'), words = path.join(out, 'words.wav');
execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', noise, 'synth', '3', 'brownnoise', 'vol', '0.3']);
execFileSync('sox', [path.join(args.speech, 'yes.wav'), '-r', '16000', '-c', '1', '-b', '16', words, 'pad', '0.25', '0.25']);

// ---- the server ----
let server = null;
function startStudio() {
  return new Promise((resolve, reject) => {
    server = spawn(args.easel, ['studio', '--port', '0', '--projects', projects], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    server.stdout.on('data', (d) => {
      text += d;
      const m = text.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (m) resolve(m[0]);
    });
    server.on('exit', (code) => reject(new Error(`easel studio exited (${code}): ${text}`)));
  });
}
function stopStudio() {
  return new Promise((resolve) => {
    server.removeAllListeners('exit');
    server.on('exit', resolve);
    server.kill('SIGINT');
  });
}

// ---- the browser ----
let browser = null, page = null, step = 0;
async function open(url, video, audio) {
  if (browser) await browser.close();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`, `--use-file-for-fake-audio-capture=${audio}`, '--autoplay-policy=no-user-gesture-required'],
  });
  const context = await browser.newContext({ viewport: { width: 1300, height: 1000 }, acceptDownloads: true });
  page = await context.newPage();
  page.on('pageerror', (e) => log('page error:', e.message));
  page.on('dialog', (d) => d.accept());  // the page's "Delete ...?" questions
  await page.goto(url);
}
async function shot(name) {
  step += 1;
  const file = path.join(out, `step${String(step).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  log('screenshot', path.basename(file));
}
const card = (i) => page.locator('.class-card').nth(i);
async function rename(locator, name) {
  await locator.fill(name);
  await locator.press('Enter');
  await locator.blur();
  await page.waitForTimeout(300);
}
async function samples(i) { return parseInt(await card(i).locator('.count').textContent(), 10); }
async function holdRecord(i, ms) {
  const button = card(i).locator('.record');
  await button.hover();
  await page.waitForTimeout(1500);  // the camera starts on hover
  await page.mouse.down();
  await page.waitForTimeout(ms);
  await page.mouse.up();
  await page.waitForTimeout(1000);  // the last uploads land
}
// `count` one-second clips from the fake microphone into class i, each waited for.
async function recordClips(i, count) {
  for (let k = 1; k <= count; ++k) {
    await card(i).locator('.record').click();
    await page.waitForFunction(([c, n]) => parseInt(document.querySelectorAll('.class-card .count')[c].textContent, 10) >= n, [i, k], { timeout: 20000 });
  }
}
async function trainAndWait() {
  await page.click('#train');
  await page.waitForSelector('#results:not([hidden]) #accuracy', { timeout: 300000 });
  await page.waitForFunction(() => /right on|Trained/.test(document.querySelector('#accuracy').textContent), null, { timeout: 300000 });
}
// The preview's most confident class, once it has been the same for three updates.
async function previewSays() {
  await page.click('#preview-toggle');
  let last = null, same = 0;
  for (let i = 0; i < 120 && same < 3; ++i) {
    await page.waitForTimeout(500);
    const bars = await page.$$eval('#bars .bar', (rows) => rows.map((r) => [r.children[0].textContent, parseFloat(r.children[2].textContent)]));
    if (!bars.length) continue;
    const top = bars.reduce((a, b) => (b[1] > a[1] ? b : a))[0];
    same = top === last ? same + 1 : 1;
    last = top;
  }
  return last;
}

// The project's page in a browser with other fake devices, and what its preview says.
async function reopenAndPreview(projectUrl, video, audio) {
  await open(projectUrl, video, audio);
  await page.waitForSelector('#results:not([hidden])');
  return previewSays();
}

async function imageProject(url) {
  await open(url, street, noise);
  await shot('projects');
  await page.click('.kind[data-kind=image]');
  await page.waitForSelector('#project-view:not([hidden])');
  const projectUrl = page.url();
  await rename(page.locator('#project-name'), 'Street or tree');
  await rename(card(0).locator('.class-name'), 'street');
  await holdRecord(0, 3000);
  check(await samples(0) >= 8, `the webcam gave class "street" ${await samples(0)} samples in 3 s`);
  await shot('street-recorded');

  await open(projectUrl, tree, noise);  // another fake camera: the other video
  await page.waitForSelector('.class-card');
  await rename(card(1).locator('.class-name'), 'tree');
  await holdRecord(1, 3000);
  check(await samples(1) >= 8, `the webcam gave class "tree" ${await samples(1)} samples in 3 s`);
  await shot('tree-recorded');

  await trainAndWait();
  const accuracy = await page.textContent('#accuracy');
  check(/^100% right/.test(accuracy), `trained: "${accuracy}"`);
  await shot('trained');
  check(await previewSays() === 'tree', 'the preview of the tree video says tree');
  await shot('preview-tree');

  check(await reopenAndPreview(projectUrl, street, noise) === 'street', 'the preview of the street video says street');
  await shot('preview-street');

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-easel')]);
  const saved = path.join(out, download.suggestedFilename());
  await download.saveAs(saved);
  check(fs.statSync(saved).size > 1000 && saved.endsWith('street-or-tree.easel'), `downloaded ${path.basename(saved)} (${fs.statSync(saved).size} bytes)`);
  const [tm] = await Promise.all([page.waitForEvent('download'), page.click('#download-tm')]);
  const tmFile = path.join(out, tm.suggestedFilename());
  await tm.saveAs(tmFile);
  check(fs.readFileSync(tmFile).subarray(0, 2).toString() === 'PK', `downloaded ${path.basename(tmFile)}, a zip`);
  await page.click('#show-snippet');
  await page.waitForSelector('#snippet:not([hidden])');
  check((await page.textContent('#snippet')).includes('easel::ImageClassifier::create'), 'the C++ snippet is shown');
  await shot('export');
  const counts = [await samples(0), await samples(1)];

  // Thousands of samples: a class of 1,500 shows 200 at first and 200 more on demand. The
  // page uploads them itself (chromium's multipart forms), 100 copies of a sample at a time.
  const projectId = projectUrl.split('/p/')[1];
  const status = await page.evaluate(async (id) => {
    const project = await (await fetch(`/api/projects/${id}`)).json();
    const added = await (await fetch(`/api/projects/${id}/classes`, {
      method: 'POST', body: JSON.stringify({ name: 'many' }), headers: { 'Content-Type': 'application/json' },
    })).json();
    const many = added.classes[added.classes.length - 1].id;
    const from = `/api/projects/${id}/classes/${project.classes[0].id}/samples`;
    const first = (await (await fetch(from)).json()).samples[0].id;
    const jpeg = await (await fetch(`${from}/${first}`)).blob();
    for (let i = 0; i < 1500; i += 100) {
      const form = new FormData();
      for (let k = 0; k < 100; ++k) form.append('files', jpeg, `f${i + k}.jpg`);
      const r = await fetch(`/api/projects/${id}/classes/${many}/samples`, { method: 'POST', body: form });
      if (r.status !== 201) return `${r.status}: ${await r.text()}`;
    }
    return 'ok';
  }, projectId);
  check(status === 'ok', `1,500 samples uploaded by the page (${status})`);
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll('.class-card').length === 3 && document.querySelectorAll('.class-card')[2].querySelectorAll('.sample').length > 0);
  check(await samples(2) === 1500, `the class counts ${await samples(2)} samples`);
  check(await card(2).locator('.sample').count() === 200, 'the page shows 200 of them');
  await card(2).locator('.more').click();
  await page.waitForFunction(() => document.querySelectorAll('.class-card')[2].querySelectorAll('.sample').length === 400);
  check(true, '"Show more" shows 200 more');
  await shot('many-samples');
  await card(2).locator('.delete-class').click();
  await page.waitForFunction(() => document.querySelectorAll('.class-card').length === 2);
  return { projectUrl, counts, tmFile };
}

async function soundProject(url) {
  await open(url, street, noise);
  await page.click('.kind[data-kind=sound]');
  await page.waitForSelector('#project-view:not([hidden])');
  const projectUrl = page.url();
  await rename(page.locator('#project-name'), 'Yes or noise');
  check((await card(0).locator('.class-name').inputValue()) === 'Background Noise', 'a sound project starts with "Background Noise"');
  await recordClips(0, 6);
  await shot('sound-noise-recorded');
  await open(projectUrl, street, words);
  await page.waitForSelector('.class-card');
  await rename(card(1).locator('.class-name'), 'yes');
  await recordClips(1, 6);
  check(await samples(0) === 6 && await samples(1) === 6, 'six one-second clips in each class');
  await shot('sound-yes-recorded');
  await trainAndWait();
  await shot('sound-trained');
  check(await previewSays() === 'yes', 'the preview hears yes');
  await shot('sound-preview-yes');
  check(await reopenAndPreview(projectUrl, street, noise) === 'Background Noise', 'the preview hears background noise');
  await shot('sound-preview-noise');
}

(async () => {
  try {
    let url = await startStudio();
    log('studio at', url);
    const image = await imageProject(url);
    await soundProject(url);

    // A restarted server: the same projects, classes and samples.
    await browser.close();
    browser = null;
    await stopStudio();
    url = await startStudio();
    log('studio restarted at', url);
    await open(url, street, noise);
    await page.waitForSelector('#project-list li');
    const names = await page.$$eval('#project-list a', (as) => as.map((a) => a.firstChild.textContent));
    check(names.includes('Street or tree') && names.includes('Yes or noise'), `the restarted studio lists ${JSON.stringify(names)}`);
    await shot('restarted');
    await page.click('text=Street or tree');
    await page.waitForSelector('#results:not([hidden])');
    await page.waitForFunction(() => document.querySelectorAll('.sample').length > 0);
    const counts = [await samples(0), await samples(1)];
    check(JSON.stringify(counts) === JSON.stringify(image.counts), `the image project's samples survived (${counts})`);
    await shot('restarted-project');

    // Teachable Machine's zip, imported on the projects page: a project ready to preview.
    await page.click('#home');
    await page.waitForSelector('#projects-view:not([hidden])');
    await page.setInputFiles('#import', image.tmFile);
    await page.waitForSelector('#project-view:not([hidden]) #results:not([hidden])');
    check((await page.textContent('#accuracy')).startsWith('Imported from a Teachable Machine export'), 'the Teachable Machine zip imports as a project');
    check(await previewSays() === 'street', 'the imported model previews the street video as street');
    await shot('imported-teachable-machine');
    await browser.close();
    await stopStudio();
    log('all checks passed');
    process.exit(0);
  } catch (e) {
    console.error(e.stack || e.message);
    try { if (page) await shot('failure'); } catch (_) { /* no page */ }
    if (browser) await browser.close().catch(() => {});
    if (server) server.kill('SIGKILL');
    process.exit(1);
  }
})();
