// Drives the mcp-serve dev inspector in headless Chromium, as a user would.
//
//   node tests/browser/inspector.mjs URL SCENARIO [SCREENSHOT_DIR]
//
// URL is the one `mcp-serve dev` printed (with #token=…); SCENARIO is
// `interactive` (examples/interactive.rs: progress, logs, elicitation forms,
// sampling, URL elicitation, roots, cancellation) or `quickstart`
// (examples/quickstart.rs: the add form, arrays, resources, templates,
// prompts) or `everything` (examples/everything.rs: images, audio, embedded
// resources, enum elicitations, several questions at once, completions, a
// resource subscription, list changes).
// Prints one PASS/FAIL line per check and exits 1 if any failed.
//
// Env: PLAYWRIGHT_DIR (where playwright-core is installed; required),
//      CHROMIUM (default /usr/bin/chromium), SCENARIO_LABEL (the run's name in the output).

import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [url, scenario, shots] = process.argv.slice(2);
const SCENARIOS = { interactive, quickstart, everything };
if (!url || !SCENARIOS[scenario]) {
  console.error('usage: node inspector.mjs URL interactive|quickstart|everything [SCREENSHOT_DIR]');
  process.exit(2);
}
// How this run is named in the output (e.g. `interactive-2025-11-25` for a legacy session).
const label = process.env.SCENARIO_LABEL || scenario;
const require = createRequire(join(process.env.PLAYWRIGHT_DIR || '.', 'node_modules', '/'));
const { chromium } = require('playwright-core');

const STEP_TIMEOUT = 15_000;
const results = [];
let page;

async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`PASS ${label}: ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`FAIL ${label}: ${name}: ${String(e?.message || e).split('\n').slice(0, 6).join(' | ')}`);
    if (shots && page) {
      await page.screenshot({ path: join(shots, `fail-${label}-${results.length}.png`), fullPage: true }).catch(() => {});
    }
  }
}

const expectText = async (locator, re) => {
  await locator.first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
  const deadline = Date.now() + STEP_TIMEOUT;
  for (;;) {
    const text = await locator.first().innerText();
    if (re.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`expected ${re} in "${text.slice(0, 300)}"`);
    await page.waitForTimeout(100);
  }
};

const byTest = (id) => page.locator(`[data-testid="${id}"]`);
const tab = (name) => byTest(`tab-${name}`).click();
const panel = (kind, name) => byTest(`${kind}-${name}`);

async function openTool(name) {
  await tab('tools');
  await byTest(`item-${name}`).click();
  const p = panel('tool', name);
  await p.waitFor({ timeout: STEP_TIMEOUT });
  return p;
}

async function answerDialog(fill) {
  const dialog = byTest('input-dialog');
  await dialog.waitFor({ timeout: STEP_TIMEOUT });
  await fill(dialog);
}

async function interactive() {
  await check('header shows the server and its era', async () => {
    await expectText(byTest('server-name'), /interactive/);
    await expectText(byTest('era-badge'), /(modern · 2026-07-28|legacy · 20\d\d-\d\d-\d\d)/);
    await expectText(byTest('status'), /connected/);
  });

  await check('tools are listed', async () => {
    await tab('tools');
    for (const name of ['crunch', 'book_trip', 'pick_color', 'connect_account', 'long_task']) {
      await byTest(`item-${name}`).waitFor({ timeout: STEP_TIMEOUT });
    }
  });

  await check('a number form runs a tool with a progress bar and live log lines', async () => {
    await page.selectOption('#log-level', 'debug');
    await page.waitForTimeout(200);
    const p = await openTool('crunch');
    const steps = p.locator('[data-testid="field-steps"] input');
    if ((await steps.inputValue()) !== '5') throw new Error('the default (5) is not filled in');
    await steps.fill('12');
    await p.locator('[data-testid="run"]').click();
    await expectText(p.locator('[data-testid="result"]'), /crunched 12 steps: sum of squares = 650/);
    const progress = p.locator('[data-testid="progress"]');
    if (!(await progress.isVisible())) throw new Error('no progress bar');
    await expectText(progress, /12 \/ 12/);
    const width = await p.locator('.progress .bar').evaluate((el) => el.style.width);
    if (width !== '100%') throw new Error(`the bar is at ${width}, not 100%`);
    await expectText(p.locator('[data-testid="call-logs"]'), /crunching 12 steps/);
    await expectText(p.locator('[data-testid="call-logs"]'), /partial_sum/); // a debug line
    await expectText(p.locator('[data-testid="call-logs"]'), /done: sum of squares/);
  });

  await check('a form validates before sending', async () => {
    const p = await openTool('crunch');
    await p.locator('[data-testid="field-steps"] input').fill('2.5');
    await p.locator('[data-testid="run"]').click();
    await expectText(p.locator('[data-testid="form-errors"]'), /whole number/);
    await p.locator('[data-testid="field-steps"] input').fill('3');
  });

  await check('an elicitation is answered from the page', async () => {
    const p = await openTool('pick_color');
    await p.locator('[data-testid="run"]').click();
    await answerDialog(async (d) => {
      await expectText(d.locator('[data-testid="input-message"]'), /Pick a colour/);
      const select = d.locator('[data-testid="field-color"] select');
      const chosen = await select.evaluate((el) => el.options[el.selectedIndex].text);
      if (chosen !== 'green') throw new Error(`the default is not preselected (${chosen})`);
      await select.selectOption({ label: 'blue' });
      await d.locator('[data-testid="input-accept"]').click();
    });
    await expectText(p.locator('[data-testid="result"]'), /You picked blue\./);
    if (await byTest('input-dialog').count()) throw new Error('the dialog stayed open');
  });

  await check('declining an elicitation', async () => {
    const p = await openTool('pick_color');
    await p.locator('[data-testid="run"]').click();
    await answerDialog((d) => d.locator('[data-testid="input-decline"]').click());
    await expectText(p.locator('[data-testid="result"]'), /No colour picked \(decline\)/);
  });

  await check('a form elicitation, then sampling typed on the page, then roots', async () => {
    const p = await openTool('book_trip');
    await p.locator('[data-testid="field-traveller"] input').fill('Ada');
    await p.locator('[data-testid="run"]').click();
    await answerDialog(async (d) => {
      await expectText(d.locator('[data-testid="input-message"]'), /Where should Ada go\?/);
      await d.locator('[data-testid="field-destination"] select').selectOption({ label: 'Kyoto' });
      const nights = d.locator('[data-testid="field-nights"] input');
      if ((await nights.inputValue()) !== '3') throw new Error('the default nights (3) is not filled in');
      await nights.fill('4');
      await d.locator('[data-testid="field-confirm"] .switch').click();
      await d.locator('[data-testid="input-accept"]').click();
    });
    await page.waitForFunction(() => document.querySelector('[data-testid="input-dialog"]')?.dataset.method === 'sampling/createMessage', null, { timeout: STEP_TIMEOUT });
    await answerDialog(async (d) => {
      await expectText(d.locator('[data-testid="message"]'), /4 nights in Kyoto/);
      await d.locator('[data-testid="sampling-reply"]').fill('Visit Fushimi Inari at dawn.');
      await d.locator('[data-testid="input-accept"]').click();
    });
    const text = await expectText(p.locator('[data-testid="result"]'), /Booked 4 nights in Kyoto for Ada/);
    if (!/Fushimi Inari/.test(text)) throw new Error('the sampled reply is not in the result');
    if (!/file:\/\//.test(text)) throw new Error('the root (the working directory) is not in the result');
  });

  await check('a URL elicitation shows the URL and can be declined', async () => {
    const p = await openTool('connect_account');
    await p.locator('[data-testid="run"]').click();
    await answerDialog(async (d) => {
      await expectText(d.locator('[data-testid="input-url"]'), /https:\/\/examplepay\.example\.com\/oauth/);
      await d.locator('[data-testid="input-decline"]').click();
    });
    await expectText(p.locator('[data-testid="result"]'), /declined to open/);
  });

  await check('a running call can be cancelled', async () => {
    const p = await openTool('long_task');
    await p.locator('[data-testid="field-seconds"] input').fill('30');
    await p.locator('[data-testid="run"]').click();
    await p.locator('[data-testid="progress"]').waitFor({ timeout: STEP_TIMEOUT });
    await p.locator('[data-testid="cancel"]').click();
    await expectText(p.locator('[data-testid="run-status"]'), /cancelled/);
    await expectText(p.locator('[data-testid="error"]'), /Cancelled/);
  });

  await check('the status resource is read and rendered as JSON', async () => {
    await tab('resources');
    await byTest('item-status').click();
    const p = panel('resource', 'status');
    await p.locator('[data-testid="run"]').click();
    await expectText(p.locator('[data-testid="resource-contents"]'), /"bookings": 1/);
  });

  await check('the log pane has the log messages', async () => {
    await tab('logs');
    await expectText(byTest('log-list'), /crunching 12 steps/);
  });

  await check('the history pane shows raw frames both ways and filters them', async () => {
    await tab('history');
    await byTest('history-row').nth(10).waitFor({ timeout: STEP_TIMEOUT });
    const all = await byTest('history-row').count();
    if (await page.locator('.frame.dir-sent').count() === 0) throw new Error('no sent frames');
    if (await page.locator('.frame.dir-received').count() === 0) throw new Error('no received frames');
    await byTest('history-filter').fill('pick_color');
    await page.waitForTimeout(400);
    const filtered = await byTest('history-row').count();
    if (!(filtered > 0 && filtered < all)) throw new Error(`filter kept ${filtered} of ${all}`);
    await byTest('history-row').first().locator('.frame-line').click();
    await expectText(byTest('history-row').first().locator('pre.json'), /"jsonrpc": "2.0"/);
    await byTest('history-filter').fill('');
  });

  await check('the server tab shows capabilities and instructions', async () => {
    await tab('server');
    await expectText(byTest('instructions'), /Tools that talk back/);
  });
}

async function quickstart() {
  await check('header shows the server and its era', async () => {
    await expectText(byTest('server-name'), /quickstart/);
    await expectText(byTest('era-badge'), /(modern|legacy) · 20\d\d-\d\d-\d\d/);
  });

  await check('the add form: two required numbers, then the result', async () => {
    const p = await openTool('add');
    await expectText(p.locator('[data-testid="field-a"] .field-label'), /\*/);
    await expectText(p.locator('[data-testid="field-a"]'), /The first number/);
    await p.locator('[data-testid="run"]').click();
    await expectText(p.locator('[data-testid="form-errors"]'), /required/);
    await p.locator('[data-testid="field-a"] input').fill('2');
    await p.locator('[data-testid="field-b"] input').fill('3.5');
    await p.locator('[data-testid="run"]').click();
    await expectText(p.locator('[data-testid="result"]'), /5\.5/);
  });

  await check('the JSON switch sends raw arguments', async () => {
    const p = await openTool('add');
    await p.locator('.seg-btn', { hasText: 'JSON' }).click();
    await p.locator('[data-testid="json-editor"]').fill('{"a": 40, "b": 2}');
    await p.locator('[data-testid="run"]').click();
    await expectText(p.locator('[data-testid="result"]'), /42/);
  });

  await check('a tool error is shown as one', async () => {
    const p = await openTool('divide');
    await p.locator('[data-testid="field-a"] input').fill('1');
    await p.locator('[data-testid="field-b"] input').fill('0');
    await p.locator('[data-testid="run"]').click();
    await expectText(p.locator('[data-testid="result"]'), /division by zero/);
    await expectText(p.locator('.result-kind'), /Tool error/);
  });

  await check('an array form and structured content', async () => {
    const p = await openTool('stats');
    for (const n of ['3', '4', '8']) {
      await p.locator('[data-testid="add-numbers"]').click();
      await p.locator('[data-testid="field-numbers"] .array-row input').last().fill(n);
    }
    await p.locator('[data-testid="run"]').click();
    await expectText(p.locator('[data-testid="structured"]'), /"mean": 5/);
  });

  await check('a resource and a resource template are read', async () => {
    await tab('resources');
    await byTest('item-app-config').click();
    await panel('resource', 'app-config').locator('[data-testid="run"]').click();
    await expectText(panel('resource', 'app-config').locator('[data-testid="resource-contents"]'), /"theme": "dark"/);
    await byTest('item-user-profile').click();
    const t = panel('template', 'user-profile');
    await t.locator('[data-testid="field-id"] input').fill('3');
    await expectText(t.locator('[data-testid="expanded-uri"]'), /users:\/\/3\/profile/);
    await t.locator('[data-testid="run"]').click();
    await expectText(t.locator('[data-testid="resource-contents"]'), /Grace Hopper/);
  });

  await check('a prompt form and its messages', async () => {
    await tab('prompts');
    await byTest('item-review').click();
    const p = panel('prompt', 'review');
    await p.locator('[data-testid="field-code"] textarea').fill('fn main() {}');
    await p.locator('[data-testid="field-language"] input').fill('Rust');
    await p.locator('[data-testid="run"]').click();
    await expectText(p.locator('[data-testid="message"]'), /review this Rust code/);
  });

  await check('the history pane has frames', async () => {
    await tab('history');
    await byTest('history-row').nth(5).waitFor({ timeout: STEP_TIMEOUT });
  });
}

async function everything() {
  await check('an image result is shown as an image', async () => {
    const p = await openTool('test_image_content');
    await p.locator('[data-testid="run"]').click();
    const img = p.locator('[data-testid="content-image"] img');
    await img.waitFor({ timeout: STEP_TIMEOUT });
    const loaded = await img.evaluate((el) => el.complete && el.naturalWidth > 0);
    if (!loaded) throw new Error('the image did not decode');
  });

  await check('an audio result is playable', async () => {
    const p = await openTool('test_audio_content');
    await p.locator('[data-testid="run"]').click();
    const audio = p.locator('[data-testid="content-audio"] audio');
    await audio.waitFor({ timeout: STEP_TIMEOUT });
    const src = await audio.getAttribute('src');
    if (!src?.startsWith('data:audio/wav;base64,')) throw new Error(`audio src ${src?.slice(0, 40)}`);
  });

  await check('text, image and an embedded resource in one result', async () => {
    const p = await openTool('test_multiple_content_types');
    await p.locator('[data-testid="run"]').click();
    await expectText(p.locator('[data-testid="content-text"]'), /Multiple content types test/);
    await p.locator('[data-testid="content-image"] img').waitFor({ timeout: STEP_TIMEOUT });
    await expectText(p.locator('[data-testid="content-resource"]'), /test:\/\/mixed-content-resource[\s\S]*"value": 123/);
  });

  await check('enum, titled and multi-select elicitation fields', async () => {
    const p = await openTool('test_elicitation_sep1330_enums');
    await p.locator('[data-testid="run"]').click();
    await answerDialog(async (d) => {
      await d.locator('[data-testid="field-untitledSingle"] select').selectOption({ label: 'option2' });
      await d.locator('[data-testid="field-titledSingle"] select').selectOption({ label: 'Second Option' });
      await d.locator('[data-testid="field-legacyEnum"] select').selectOption({ label: 'Option Two' });
      await d.locator('[data-testid="field-untitledMulti"] label', { hasText: 'option1' }).click();
      await d.locator('[data-testid="field-untitledMulti"] label', { hasText: 'option3' }).click();
      await d.locator('[data-testid="field-titledMulti"] label', { hasText: 'Third Choice' }).click();
      await d.locator('[data-testid="input-accept"]').click();
    });
    const text = await expectText(p.locator('[data-testid="result"]'), /action=accept/);
    for (const part of ['"untitledSingle":"option2"', '"titledSingle":"value2"', '"legacyEnum":"opt2"',
      '"untitledMulti":["option1","option3"]', '"titledMulti":["value3"]']) {
      if (!text.includes(part)) throw new Error(`${part} missing from ${text}`);
    }
  });

  await check('several questions for one call are answered in turn', async () => {
    const p = await openTool('test_input_required_result_multiple_inputs');
    await p.locator('[data-testid="run"]').click();
    for (let answered = 0; answered < 2; answered++) {
      await answerDialog(async (d) => {
        if ((await d.getAttribute('data-method')) === 'sampling/createMessage') {
          await d.locator('[data-testid="sampling-reply"]').fill('Howdy');
        } else {
          await d.locator('[data-testid="field-name"] input').fill('Grace');
        }
        await d.locator('[data-testid="input-accept"]').click();
      });
      await page.waitForTimeout(150);
    }
    await expectText(p.locator('[data-testid="result"]'), /Howdy Grace! Roots: .*file:\/\//);
  });

  await check('a subscribed resource shows its updates', async () => {
    await tab('resources');
    await byTest('item-watched-resource').click();
    const p = panel('resource', 'watched-resource');
    await p.locator('[data-testid="run"]').click();
    await expectText(p.locator('.run-output'), /Watched resource content/);
    await p.locator('[data-testid="subscribe"]').click();
    await expectText(p.locator('[data-testid="subscribe"]'), /Unsubscribe/);
    const tool = await openTool('test_trigger_resource_update');
    await tool.locator('[data-testid="run"]').click();
    await expectText(tool.locator('[data-testid="result"]'), /now at update \d+/);
    await tab('resources');
    await expectText(p.locator('[data-testid="resource-updated"]'), /updated \d/);
    await expectText(p.locator('.run-output'), /Watched resource content \(update \d+\)/);
    await p.locator('[data-testid="subscribe"]').click();
    await expectText(p.locator('[data-testid="subscribe"]'), /^Subscribe$/);
  });

  await check('the tool list follows the server\'s list changes', async () => {
    await tab('tools');
    const dynamic = byTest('item-test_dynamic_tool');
    const shown = await dynamic.count() > 0;
    const p = await openTool('test_trigger_tool_change');
    await p.locator('[data-testid="run"]').click();
    await expectText(p.locator('[data-testid="result"]'), shown ? /hidden/ : /shown/);
    await dynamic.first().waitFor({ state: shown ? 'detached' : 'visible', timeout: STEP_TIMEOUT });
  });

  await check('completions are suggested while typing a prompt argument', async () => {
    await tab('prompts');
    await byTest('item-test_prompt_with_arguments').click();
    const p = panel('prompt', 'test_prompt_with_arguments');
    const arg1 = p.locator('[data-testid="field-arg1"] input');
    await arg1.click();
    await arg1.pressSequentially('he', { delay: 30 });
    const suggestions = p.locator('[data-testid="field-arg1"] [data-testid="suggestions"]');
    const text = await expectText(suggestions, /hello/);
    if (!/help/.test(text) || /world/.test(text)) throw new Error(`suggestions: ${text}`);
    await suggestions.locator('.suggestion', { hasText: 'help' }).click();
    if ((await arg1.inputValue()) !== 'help') throw new Error('the suggestion was not taken');
    await p.locator('[data-testid="field-arg2"] input').fill('two');
    await p.locator('[data-testid="run"]').click();
    await expectText(p.locator('[data-testid="message"]'), /arg1='help', arg2='two'/);
  });
}

const profile = mkdtempSync(join(tmpdir(), 'mcp-serve-chromium-'));
let browser;
try {
  // A fresh profile (playwright passes it as --user-data-dir) keeps runs independent.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    // Without the background-networking flags Chromium's own connections
    // stall on a closed network.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage'],
  });
  page = browser.pages()[0] ?? await browser.newPage();
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  await page.goto(url, { timeout: STEP_TIMEOUT });
  await SCENARIOS[scenario]();
  await check('no errors in the page console', async () => {
    if (consoleErrors.length) throw new Error(consoleErrors.join(' | '));
  });
  if (shots) {
    await tab('tools');
    await page.screenshot({ path: join(shots, `inspector-${label}.png`) });
  }
} catch (e) {
  results.push({ name: 'browser', ok: false });
  console.log(`FAIL ${label}: the browser run stopped: ${e?.message || e}`);
} finally {
  await browser?.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
const failed = results.filter((r) => !r.ok).length;
console.log(`${failed ? 'FAIL' : 'PASS'} ${label}: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
