// page.mjs - drives Debian's Chromium (puppeteer-core, no browser download)
// through the web page of a running 'sheetload serve', as a person would:
// keyboard and mouse on the real page, screenshots of every step in $ART.
// Run by tests/t_page.sh, which starts the server and checks the database.
// Environment: URL (the server), ART (screenshot dir), STEPS (which part to
// run: see the end of this file), plus files and expectations per part.
import puppeteer from 'puppeteer-core';
import { mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const URL_ = process.env.URL;
const ART = process.env.ART || '.';
const WAIT = +(process.env.WAIT_MS || 60000);
mkdirSync(ART, { recursive: true });
let shot = 0;
const problems = [];

function fail(msg) { throw new Error(msg); }
function check(ok, msg) { if (!ok) fail(msg); }

async function open(browser, width) {
  const page = await browser.newPage();
  page.setDefaultTimeout(WAIT);
  await page.setViewport({ width, height: 900 });
  // Answers of 400 and above are checked by the parts (a wrong token, a PDF);
  // the browser's own line about them is not a problem of the page.
  page.on('console', (m) => {
    if ((m.type() === 'error' || m.type() === 'warning') && !/^Failed to load resource: the server responded/.test(m.text()))
      problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('response', (r) => {
    const want = { 401: /\/info$/, 400: /\/previews$/ }[r.status()];
    if (r.status() >= 400 && !(want && want.test(r.url()))) problems.push(`HTTP ${r.status()} for ${r.request().method()} ${r.url()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => { if (!/ERR_ABORTED/.test(r.failure()?.errorText)) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`); });
  return page;
}
// Every visible control has a name a screen reader can say, and the
// screen's heading has focus (it was moved there when the screen changed).
async function named(page) {
  const bad = await page.evaluate(() => [...document.querySelectorAll('input, select, button, a[href], progress')]
    .filter((e) => e.offsetParent !== null || e.type === 'file')
    .filter((e) => !(e.getAttribute('aria-label') || (e.labels && [...e.labels].some((l) => l.textContent.trim())) ||
      (e.tagName !== 'INPUT' && e.tagName !== 'SELECT' && e.textContent.trim())))
    .map((e) => e.outerHTML.slice(0, 80)));
  check(bad.length === 0, 'controls without an accessible name: ' + bad.join(' | '));
}
async function snap(page, name) {
  await named(page);
  const file = `${ART}/${String(++shot).padStart(2, '0')}-${name}.png`;
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot ${file}`);
}
async function visibleH1(page) {
  return page.evaluate(() => {
    const s = [...document.querySelectorAll('main section')].find((x) => !x.hidden);
    return s ? s.querySelector('h1').textContent : '';
  });
}
async function waitH1(page, text) {
  await page.waitForFunction((t) => {
    const s = [...document.querySelectorAll('main section')].find((x) => !x.hidden);
    return s && s.querySelector('h1').textContent.includes(t);
  }, {}, text).catch(async () => fail(`waited for the screen "${text}", saw "${await visibleH1(page)}"`));
}
async function text(page, sel) { return page.$eval(sel, (e) => e.textContent); }

function psql(sql) {
  return execFileSync('psql', [process.env.DB, '-XtAq', '-v', 'ON_ERROR_STOP=1', '-c', sql]).toString().trim();
}
const rows = () => +psql("SELECT CASE WHEN to_regclass('businesses') IS NULL THEN '0' ELSE " +
  "(xpath('/row/c/text()', query_to_xml('SELECT count(*) AS c FROM businesses', false, true, '')))[1]::text END");
async function click(page, sel) { await page.waitForSelector(sel, { visible: true }); await page.click(sel); }
async function waitText(page, sel, re, what) {
  await page.waitForFunction((s, src) => {
    const e = document.querySelector(s);
    return e && !e.closest('[hidden]') && new RegExp(src).test(e.textContent);
  }, {}, sel, re.source).catch(async () => fail(`${what}: ${sel} says "${await text(page, sel).catch(() => '?')}", want ${re}`));
}
async function upload(page, file) {
  const input = await page.$('#file');
  await input.uploadFile(file);
}
const num = (s) => +String(s).replace(/[^0-9]/g, '');

// The page loads with no CSP violation or script error, at phone width.
async function smoke(page) {
  await page.goto(URL_ + '/', { waitUntil: 'networkidle0' });
  await waitH1(page, 'Import a spreadsheet');
  await snap(page, 'choose');
}

// A token is asked for once; a wrong one says so.
async function token(page) {
  await page.goto(URL_ + '/', { waitUntil: 'networkidle0' });
  await waitH1(page, 'Enter your access token');
  await page.type('#token', 'not-the-token');
  await page.keyboard.press('Enter');
  await waitText(page, '#token-error', /access token is not right/, 'a wrong token');
  await snap(page, 'token-wrong');
  await page.$eval('#token', (e) => { e.value = ''; });
  await page.type('#token', process.env.TOKEN);
  await page.keyboard.press('Enter');
  await waitH1(page, 'Import a spreadsheet');
  await waitText(page, '#file-hint', /up to 100 MB/, 'the size limit, stated before the upload');
  // By keyboard: the skip link, the menu, then the file button.
  let reached = false;
  for (let i = 0; i < 6 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement && document.activeElement.id === 'file');
  }
  check(reached, 'the file button cannot be reached with the Tab key');
  await snap(page, 'choose');
}

// A file that is not a spreadsheet is refused in plain words, next to the field.
async function notsheet(page) {
  await upload(page, process.env.NOTSHEET);
  await waitText(page, '#file-error', /is not a spreadsheet\. Choose an Excel/, 'a PDF named .xlsx');
  await waitText(page, '#summary-text', /is not a spreadsheet/, 'the error summary');
  await snap(page, 'not-a-spreadsheet');
}

// The whole flow: upload, change a mapping, dry run, import, statistics,
// fix two rejected rows in place, import them (twice pressed: once saved).
async function flow(page) {
  const before = rows();
  await upload(page, process.env.FILE);
  await waitH1(page, 'Check the columns');
  await waitText(page, '#dry h2', /1,990 rows are ready, 9 rows have problems/, 'the dry run of the upload');
  check(await page.$eval('#guess-7', (e) => !e.hidden), 'the guessed mapping is marked');
  check(await page.$$eval('#preview tbody tr', (t) => t.length) === 20, 'the first 20 rows are shown');
  await snap(page, 'check-columns');
  // Column H (website) is skipped: its one bad value no longer matters.
  await page.select('#map-7', '');
  await waitText(page, '#import-why', /Check the rows again first/, 'import waits for a new dry run');
  await click(page, '#recheck');
  await waitText(page, '#dry h2', /1,991 rows are ready, 8 rows have problems/, 'the dry run with column H skipped');
  const good = num(await text(page, '#dry h2').then((t) => t.split(' rows are ready')[0]));
  await snap(page, 'check-after-mapping-change');
  await page.setViewport({ width: 375, height: 800 });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  check(wide <= 375, `the check screen is ${wide} px wide at 375 px`);
  await snap(page, 'check-375px');
  await page.setViewport({ width: 1280, height: 900 });
  await click(page, '#import');
  await waitH1(page, 'Import finished');
  await waitText(page, '#r-banner', /1,991 rows imported\. 8 rows need fixing/, 'the result');
  await page.waitForSelector('#rejects tbody tr');
  check(rows() === before + good, `after the import the table has ${rows() - before} new rows, want ${good}`);
  await snap(page, 'result');
  // Fix row 102 (no name) and row 302 (an e-mail without @) in the table.
  const nameCell = 'input[aria-label="Row 102, name"]', mailCell = 'input[aria-label="Row 302, email"]';
  check(await page.$eval(nameCell, (e) => e.getAttribute('aria-invalid') === 'true'), 'the bad cell of row 102 is marked');
  await page.type(nameCell, 'Fixed Bakery 102');
  await page.$eval(mailCell, (e) => e.select());
  await page.type(mailCell, 'sales302@lefvresanimalclinic.vn');
  await waitText(page, '#fix', /Import 2 fixed rows/, 'the fix button counts the fixed rows');
  await snap(page, 'fixing');
  await page.click('#fix', { clickCount: 1 });
  await page.click('#fix', { clickCount: 1 }); // pressed twice
  await waitText(page, '#fix-done', /2 fixed rows were imported/, 'the fixed rows');
  check(rows() === before + good + 2, `after the fixes the table has ${rows() - before} new rows, want ${good} + 2`);
  check(psql("SELECT count(*) FROM businesses WHERE name = 'Fixed Bakery 102'") === '1', 'the fixed row 102 is there once');
  check(psql("SELECT count(*) FROM businesses WHERE email = 'sales302@lefvresanimalclinic.vn'") === '1', 'the fixed row 302 is there once');
  check(psql('SELECT count(*) FROM sheetload_imports WHERE parent_id IS NOT NULL') === '1', 'one follow-up import, linked to its parent');
  await snap(page, 'fixed');
  const hash = await page.evaluate(() => location.hash);
  check(/^#\/imports\/\d+$/.test(hash), `the result has a stable link (${hash})`);
  await page.reload({ waitUntil: 'networkidle0' });
  await waitH1(page, 'Import finished');
  await waitText(page, '#r-banner', /1,991 rows imported/, 'the result after a reload');
}

// Cancel during an import: it stops cleanly; continuing finishes it exactly.
async function cancel(page) {
  const before = rows();
  await page.goto(URL_ + '/#/', { waitUntil: 'networkidle0' });
  await waitH1(page, 'Import a spreadsheet');
  await upload(page, process.env.BIGFILE);
  await waitH1(page, 'Check the columns');
  await page.waitForFunction(() => /rows? (is|are) ready/.test(document.querySelector('#dry h2')?.textContent || ''));
  const good = num((await text(page, '#dry h2')).split(' row')[0]);
  await page.click('#advanced summary');
  await page.select('#method', 'sequential'); // one row at a time: slow enough to cancel
  await click(page, '#import');
  await page.waitForFunction(() => /[1-9][0-9,]* rows? done/.test(document.querySelector('#i-text')?.textContent || ''));
  await snap(page, 'importing');
  await click(page, '#i-cancel');
  await waitH1(page, 'Import cancelled');
  await waitText(page, '#r-banner', /cancelled after/, 'the cancelled import');
  const mid = rows() - before;
  check(mid > 0 && mid < good, `a cancelled import left ${mid} of ${good} rows`);
  await snap(page, 'cancelled');
  await click(page, '#r-continue');
  await waitH1(page, 'Import finished');
  check(rows() - before === good, `after continuing the table has ${rows() - before} new rows, want ${good}`);
  await snap(page, 'continued');
}

async function historyPart(page) {
  await page.click('nav a[href="#/history"]');
  await waitH1(page, 'Recent imports');
  await page.waitForFunction(() => document.querySelectorAll('#history tbody tr').length >= 2);
  await waitText(page, '#history tbody', /fixes for import/, 'the follow-up in the history');
  await snap(page, 'history');
}

const parts = { smoke, token, notsheet, flow, cancel, history: historyPart };
// Chromium's first start on a busy or fresh machine can take longer than
// puppeteer's 30 s default (a CI run timed out there once while every other
// step passed): give it 120 s and one more try before failing.
const launchOpts = {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  timeout: 120000,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--lang=en-US'],
};
let browser;
try {
  browser = await puppeteer.launch(launchOpts);
} catch (e) {
  console.error(`chromium did not start (${e.message}); trying once more`);
  browser = await puppeteer.launch(launchOpts);
}
let rc = 0;
try {
  const page = await open(browser, +(process.env.WIDTH || 1280));
  for (const name of (process.env.STEPS || 'smoke').split(',')) {
    console.log(`part ${name}`);
    await parts[name](page);
  }
  check(problems.length === 0, 'the browser reported:\n  ' + problems.join('\n  '));
  console.log('page: ok');
} catch (e) {
  console.error(`FAIL: ${e.message}`);
  rc = 1;
} finally {
  await browser.close();
}
process.exit(rc);
