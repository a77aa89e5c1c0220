// Renders a `leakgate audit` page in headless Chromium (Debian's package, driven by
// playwright-core through `executablePath`) and prints what a reader would see as one JSON
// document on stdout: the landmarks of each render (JavaScript on, JavaScript off, print media,
// dark colour scheme), every console error, page error and request, and the lowest text
// contrast. It decides nothing: tests/audit_browser.rs compares this with the audit's JSON.
//
// Usage: node audit.js PAGE.html SCREENSHOT_DIR
// Environment: LEAKGATE_PLAYWRIGHT (the playwright-core folder), LEAKGATE_CHROMIUM (the
// browser executable). Both are set by .ci/run.
'use strict';

const path = require('path');
const { pathToFileURL } = require('url');

const playwrightDir = process.env.LEAKGATE_PLAYWRIGHT;
const chromiumPath = process.env.LEAKGATE_CHROMIUM;
const [pagePath, shotDir] = process.argv.slice(2);
if (!playwrightDir || !chromiumPath || !pagePath || !shotDir) {
  console.error('usage: LEAKGATE_PLAYWRIGHT=... LEAKGATE_CHROMIUM=... node audit.js PAGE SHOTDIR');
  process.exit(2);
}
const { chromium } = require(path.resolve(playwrightDir));
const pageUrl = pathToFileURL(path.resolve(pagePath)).href;

// No network, no background services: the page must stand alone.
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// Runs in the page: the landmarks the brief names, as plain data.
function landmarks() {
  const all = (selector, root = document) => Array.from(root.querySelectorAll(selector));
  const attr = (el, name) => (el ? el.getAttribute(name) : null);
  const text = (el) => (el ? el.textContent.replace(/\s+/g, ' ').trim() : null);
  const visible = (el) => {
    if (!el) return false;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return style.display !== 'none' && style.visibility !== 'hidden' && box.width > 0 && box.height > 0;
  };
  const verdict = document.getElementById('verdict');
  const csp = document.querySelector('meta[http-equiv="Content-Security-Policy"]');
  const riskTable = document.getElementById('risk-table');
  const timeline = document.getElementById('timeline-svg');
  const handover = document.getElementById('handover-list');
  return {
    lang: document.documentElement.getAttribute('lang'),
    charset: document.characterSet,
    title: document.title,
    csp: attr(csp, 'content'),
    h1: all('h1').length,
    main: all('main').length,
    sections: all('main section[id]').map((s) => ({
      id: s.id,
      labelledby: attr(s, 'aria-labelledby'),
      heading: (() => {
        const h = document.getElementById(attr(s, 'aria-labelledby') || '');
        return h ? { tag: h.tagName.toLowerCase(), text: text(h), inside: s.contains(h) } : null;
      })(),
      visible: visible(s),
    })),
    verdict: {
      state: attr(verdict, 'data-verdict'),
      word: text(document.getElementById('verdict-word')),
      reason: text(document.getElementById('verdict-reason')),
      visible: visible(document.getElementById('verdict-word')),
    },
    riskHeaders: riskTable ? all('thead th', riskTable).map((th) => attr(th, 'scope')) : [],
    risks: riskTable
      ? all('tbody tr', riskTable).map((tr) => ({
          rank: attr(tr, 'data-rank'),
          rule: attr(tr, 'data-rule'),
          fingerprint: attr(tr, 'data-fingerprint'),
          severity: attr(tr, 'data-severity'),
          inHead: attr(tr, 'data-in-head'),
          inBundle: attr(tr, 'data-in-bundle'),
          visible: visible(tr),
        }))
      : null,
    noRisks: text(document.getElementById('no-risks')),
    matrices: all('table.env-matrix').map((table) => ({
      dir: attr(table, 'data-dir'),
      columns: all('thead th[data-env]', table).map((th) => ({
        env: attr(th, 'data-env'),
        scope: attr(th, 'scope'),
      })),
      rows: all('tbody tr[data-var]', table).map((tr) => ({
        name: attr(tr, 'data-var'),
        header: (() => {
          const th = tr.querySelector('th');
          return th ? { scope: attr(th, 'scope'), text: text(th) } : null;
        })(),
        cells: all('td[data-env]', tr).map((td) => ({
          env: attr(td, 'data-env'),
          state: attr(td, 'data-state'),
          checks: attr(td, 'data-checks'),
          text: text(td),
        })),
      })),
    })),
    timeline: timeline
      ? {
          role: attr(timeline, 'role'),
          labelledby: attr(timeline, 'aria-labelledby'),
          title: text(document.getElementById(attr(timeline, 'aria-labelledby') || '')),
          secrets: all('g.secret', timeline).map((g) => attr(g, 'data-fingerprint')),
          // The same data as a table, after the picture in the same section.
          tableAfter: all('table', timeline.closest('section') || document).some(
            (table) => timeline.compareDocumentPosition(table) & Node.DOCUMENT_POSITION_FOLLOWING,
          ),
        }
      : null,
    bundles: text(document.getElementById('bundles')),
    coverage: text(document.getElementById('coverage')),
    handover: handover
      ? {
          tag: handover.tagName.toLowerCase(),
          items: all(':scope > li', handover).map((li) => attr(li, 'data-fingerprint')),
        }
      : null,
    scripts: all('script').map((s) => ({ src: attr(s, 'src'), length: s.textContent.length })),
    external: all('[src], link[href]').map((el) => attr(el, 'src') || attr(el, 'href')),
    bodyText: document.body ? document.body.innerText : '',
  };
}

// Runs in the page: the lowest contrast ratio (WCAG 2) of any element that shows text of its
// own, against the background it is painted on (alpha blended over its ancestors').
function lowestContrast() {
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a),
    a: 1,
  });
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) layers.push(c);
      if (c && c.a >= 1) break;
    }
    let color = { r: 255, g: 255, b: 255, a: 1 };
    if (layers.length && layers[layers.length - 1].a >= 1) color = layers.pop();
    while (layers.length) color = over(layers.pop(), color);
    return color;
  };
  const luminance = (c) => {
    const ch = [c.r, c.g, c.b].map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
  };
  let lowest = { ratio: 21, element: null };
  for (const el of document.querySelectorAll('body *')) {
    const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    if (el.closest('svg')) continue; // SVG text is described by its own title and table.
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const bg = background(el);
    const fg0 = parse(style.color);
    if (!fg0) continue;
    const fg = over(fg0, bg);
    const [l1, l2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    if (ratio < lowest.ratio) {
      lowest = {
        ratio,
        element: `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.split(/\s+/).join('.') : ''}: ${el.textContent.trim().slice(0, 40)}`,
      };
    }
  }
  return lowest;
}

async function render(browser, { javaScript, media, colorScheme, shot, top, pdf }) {
  const context = await browser.newContext({
    javaScriptEnabled: javaScript,
    viewport: { width: 1280, height: 900 },
    colorScheme,
  });
  const page = await context.newPage();
  const consoleErrors = [];
  const pageErrors = [];
  const requests = [];
  const failed = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('request', (r) => requests.push(r.url()));
  page.on('requestfailed', (r) => failed.push(r.url()));
  await page.goto(pageUrl, { waitUntil: 'load' });
  if (media) await page.emulateMedia({ media });
  // Anything the page's own script does after load happens here.
  await page.waitForTimeout(200);
  const found = await page.evaluate(landmarks);
  const contrast = await page.evaluate(lowestContrast);
  if (shot) {
    await page.screenshot({ path: path.join(shotDir, shot), fullPage: true });
  }
  if (top) {
    // What a reader sees first (the verdict and the top risks): the README's picture.
    await page.screenshot({ path: path.join(shotDir, top) });
  }
  let pdfBytes = null;
  if (pdf) {
    const bytes = await page.pdf({ path: path.join(shotDir, pdf), format: 'A4', printBackground: false });
    pdfBytes = bytes.length;
  }
  await context.close();
  return { landmarks: found, contrast, consoleErrors, pageErrors, requests, failed, pdfBytes };
}

(async () => {
  const browser = await chromium.launch({ executablePath: chromiumPath, args: LAUNCH_ARGS });
  try {
    const result = { url: pageUrl, version: browser.version(), renders: {} };
    result.renders.script = await render(browser, {
      javaScript: true,
      colorScheme: 'light',
      shot: 'audit-screenshot.png',
      top: 'audit-screenshot-top.png',
    });
    result.renders.noscript = await render(browser, {
      javaScript: false,
      colorScheme: 'light',
      shot: 'audit-screenshot-noscript.png',
    });
    result.renders.dark = await render(browser, {
      javaScript: true,
      colorScheme: 'dark',
      shot: 'audit-screenshot-dark.png',
    });
    result.renders.print = await render(browser, {
      javaScript: true,
      media: 'print',
      colorScheme: 'light',
      shot: 'audit-screenshot-print.png',
      pdf: 'audit.pdf',
    });
    process.stdout.write(JSON.stringify(result));
  } finally {
    await browser.close();
  }
})().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
