import t from 'tap';
import { sql } from 'drizzle-orm';
import { queryRows } from '../server/db/open-database.ts';
import { decideProposal } from '../server/scoring/decide-proposal.ts';
import { collectPageErrors, launchBrowser, screenshot } from './support/browser.ts';
import { postMessage } from './support/client.ts';
import { startTestServer } from './support/server.ts';
import { sign, wallets } from './support/sign.ts';

// The web console in a real browser: spaces → proposal, live results as votes arrive, a flag's evidence,
// the signed decision, and a phone-width layout. Risk reports are recomputed quickly so they arrive live.
const server = await startTestServer({ RISK_INTERVAL_MS: '200', RISK_DEBOUNCE_SECONDS: '0', FINALIZE_INTERVAL_MS: '3600000' });
t.teardown(() => server.close());
const browser = await launchBrowser();
t.teardown(() => browser.close());

const [controller, ...voters] = wallets(7, 123);
const now = () => Math.floor(Date.now() / 1000);
const post = (envelope: unknown) => postMessage(server.url, envelope);
// Near-identical reasons from several wallets: the reason-coordination detector flags them.
const CAMPAIGN = 'This proposal is essential for the long-term growth of our community';

await post(await sign(controller, 'settings', { space: 'console.eth', settings: JSON.stringify({ name: 'Console DAO', about: 'A space for the console test', strategies: [{ name: 'ticket' }] }) }));
const proposal = (
  await post(await sign(controller, 'proposal', { space: 'console.eth', title: 'Fund the documentation', body: 'Pay the writers.', choices: ['For', 'Against'], start: now() - 60, end: now() + 3600 }))
).id;
await post(await sign(voters[0], 'vote', { space: 'console.eth', proposal, choice: 1 }));

t.test('a visitor goes from the spaces to a proposal, and its results move as votes arrive', async (tt) => {
  const page = await browser.newPage();
  tt.teardown(() => page.close());
  const errors = collectPageErrors(page);
  const response = await page.goto(`${server.url}/`);
  tt.equal(response?.status(), 200);
  tt.match(response?.headers()['content-security-policy'], /script-src 'self'/, 'the page runs under its own CSP');
  await page.getByRole('heading', { name: 'Spaces', level: 1 }).waitFor();
  await page.getByRole('link', { name: 'Console DAO' }).click();
  await page.getByRole('heading', { name: 'Console DAO', level: 1 }).waitFor();
  await page.getByRole('link', { name: 'Fund the documentation' }).click();
  tt.equal(new URL(page.url()).hash, `#/proposal/${proposal}`);
  await page.getByRole('heading', { name: 'Fund the documentation', level: 1 }).waitFor();
  const score = (choice: number) => page.locator(`.chart [data-choice="${choice}"] .score`);
  await score(1).filter({ hasText: /^1$/ }).waitFor();
  tt.equal(await score(2).textContent(), '0');
  await screenshot(page, 'proposal-before-votes');

  // Votes sent now reach the open page over the subscription: no reload.
  const navigations: string[] = [];
  page.on('framenavigated', (frame) => navigations.push(frame.url()));
  await post(await sign(voters[1], 'vote', { space: 'console.eth', proposal, choice: 2 }));
  await score(2).filter({ hasText: /^1$/ }).waitFor();
  await post(await sign(voters[2], 'vote', { space: 'console.eth', proposal, choice: 2 }));
  await score(2).filter({ hasText: /^2$/ }).waitFor();
  await page.locator('#results-title', { hasText: '(3 votes' }).waitFor();
  tt.match(await page.locator('.chart [data-choice="2"] .chart-bar').getAttribute('style'), /width: 100%/, 'the leading choice has the full bar');
  tt.same(navigations, [], 'the page was not reloaded');
  await screenshot(page, 'proposal-live-results');
  tt.same(errors, [], 'no page errors, console errors or failed requests');
});

t.test('a flag of the risk report opens, by keyboard, on the votes and voters behind it', async (tt) => {
  const page = await browser.newPage();
  tt.teardown(() => page.close());
  const errors = collectPageErrors(page);
  await page.goto(`${server.url}/#/proposal/${proposal}`);
  await page.getByRole('heading', { name: 'Risk report' }).waitFor();
  const campaigners = voters.slice(3, 6);
  for (const voter of campaigners) await post(await sign(voter, 'vote', { space: 'console.eth', proposal, choice: 1, reason: CAMPAIGN }));
  // The recomputed report arrives by subscription.
  const flag = page.locator('.flag', { hasText: 'reason-coordination' });
  await flag.waitFor({ timeout: 60_000 });
  const evidence = flag.locator('.evidence');
  tt.equal(await evidence.isVisible(), false, 'evidence starts folded');
  await flag.locator('summary').focus();
  await page.keyboard.press('Enter');
  await evidence.waitFor({ state: 'visible' });
  const listed = await flag.locator('.evidence-voters li').allTextContents();
  tt.same(listed.map((a) => a.toLowerCase()).sort(), campaigners.map((w) => w.address.toLowerCase()).sort(), 'the flagged voters are the campaign');
  tt.match(await flag.locator('.figures').textContent(), /groupSize\s*3/);
  await screenshot(page, 'risk-flag-evidence');
  tt.same(errors, []);
});

t.test('the signed decision is shown with its hash, signature and signer', async (tt) => {
  const [{ end }] = await queryRows<{ end: string }>(server.database.db, sql`SELECT "end" FROM proposals WHERE id = ${proposal}`);
  const result = await decideProposal({ db: server.database.db, serviceKey: server.app.serviceKey, proposalId: proposal, now: Number(end) + 1, settleSeconds: 0, rpcUrls: {} });
  if (result.status !== 'decided') throw new Error('not decided');
  const page = await browser.newPage();
  tt.teardown(() => page.close());
  const errors = collectPageErrors(page);
  await page.goto(`${server.url}/#/proposal/${proposal}`);
  const facts = page.locator('.facts');
  await facts.waitFor();
  const text = (await facts.textContent()) ?? '';
  tt.match(text, result.decision.signature);
  tt.match(text, result.decision.resultsHash);
  tt.match(text, server.app.serviceKey.address);
  tt.match(text, new RegExp(result.decision.outcome));
  await screenshot(page, 'proposal-decision');
  tt.same(errors, []);
});

t.test('at phone width the page fits the screen and every control has a name', async (tt) => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  tt.teardown(() => context.close());
  const page = await context.newPage();
  await page.goto(`${server.url}/#/proposal/${proposal}`);
  await page.locator('.facts').waitFor();
  // Strings, not functions: the tests are type-checked without the DOM library.
  const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
  tt.equal(overflow, 0, 'no horizontal scrolling');
  tt.equal(await page.getAttribute('html', 'lang'), 'en');
  const unnamed = await page.evaluate(
    "[...document.querySelectorAll('a, button, summary')].filter((element) => !element.textContent.trim() && !element.getAttribute('aria-label')).length",
  );
  tt.equal(unnamed, 0);
  await screenshot(page, 'proposal-phone');
});
