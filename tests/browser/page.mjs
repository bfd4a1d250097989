// page.mjs - drives Debian's Chromium (puppeteer-core, no browser download)
// through the web page of a running 'sheetload serve', as a person would:
// keyboard and mouse on the real page, screenshots of every step in $ART.
// Run by tests/t_page.sh, which starts the server and checks the database.
// Environment: URL (the server), ART (screenshot dir), STEPS (which part to
// run: see the end of this file), plus files and expectations per part.
import puppeteer from 'puppeteer-core';
import { mkdirSync } from 'node:fs';

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
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return page;
}
async function snap(page, name) {
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

// The page loads with no CSP violation or script error, at phone width.
async function smoke(browser) {
  const page = await open(browser, 375);
  await page.goto(URL_ + '/', { waitUntil: 'networkidle0' });
  await waitH1(page, 'Import a spreadsheet');
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  check(wide <= 375, `the page is ${wide} px wide at a 375 px viewport`);
  await snap(page, 'choose-375px');
  await page.close();
}

const parts = { smoke };
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--lang=en-US'],
});
let rc = 0;
try {
  for (const name of (process.env.STEPS || 'smoke').split(',')) {
    console.log(`part ${name}`);
    await parts[name](browser);
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
