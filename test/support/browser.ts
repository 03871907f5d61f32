/** Browser tests: Debian's Chromium driven by playwright-core, an injected EIP-1193 wallet backed by a real key, screenshots. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JsonRpcProvider, Wallet, type TypedDataField } from 'ethers';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const ARTIFACTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-artifacts/console');

/** Launches headless Chromium; fails loudly when it is not installed. */
export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}: run scripts/ensure-chromium.sh (apt-get install -y chromium)`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/** Everything the page reported as broken: uncaught errors, console errors (CSP violations among them), failed requests. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('requestfailed', (request) => errors.push(`requestfailed: ${request.url()} ${request.failure()?.errorText ?? ''}`));
  return errors;
}

/** Saves a full-page screenshot under test-artifacts/console/. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export type WalletCalls = { method: string; params: unknown[] }[];

/**
 * Gives every page of `context` a `window.ethereum` (EIP-1193) whose requests are answered in the test
 * process by a real ethers Wallet on `rpcUrl`: accounts, chain id, eth_signTypedData_v4 and eth_sendTransaction.
 * Returns the log of the requests it answered.
 */
export async function injectWallet(context: BrowserContext, { privateKey, rpcUrl, chainId }: { privateKey: string; rpcUrl: string; chainId: number }): Promise<WalletCalls> {
  const wallet = new Wallet(privateKey, new JsonRpcProvider(rpcUrl, chainId, { staticNetwork: true }));
  const calls: WalletCalls = [];
  await context.exposeFunction('__conclaveTestWallet', async (method: string, paramsJson: string) => {
    const params = JSON.parse(paramsJson) as unknown[];
    calls.push({ method, params });
    switch (method) {
      case 'eth_requestAccounts':
      case 'eth_accounts':
        return JSON.stringify([wallet.address]);
      case 'eth_chainId':
        return JSON.stringify(`0x${chainId.toString(16)}`);
      case 'eth_signTypedData_v4': {
        const [account, json] = params as [string, string];
        if (account.toLowerCase() !== wallet.address.toLowerCase()) throw new Error(`asked to sign for ${account}`);
        const { domain, types, message } = JSON.parse(json) as { domain: Record<string, unknown>; types: Record<string, TypedDataField[]>; message: Record<string, unknown> };
        const { EIP712Domain: _domainType, ...messageTypes } = types;
        return JSON.stringify(await wallet.signTypedData(domain, messageTypes, message));
      }
      case 'eth_sendTransaction': {
        const [request] = params as [{ from: string; to: string; data: string; value?: string }];
        const sent = await wallet.sendTransaction({ to: request.to, data: request.data, value: request.value ?? 0n });
        await sent.wait();
        return JSON.stringify(sent.hash);
      }
      default:
        throw new Error(`test wallet: ${method} is not supported`);
    }
  });
  // A string, not a function: the tests are type-checked without the DOM library.
  await context.addInitScript(`window.ethereum = {
    isConclaveTestWallet: true,
    request: async ({ method, params }) => JSON.parse(await window.__conclaveTestWallet(method, JSON.stringify(params ?? []))),
    on() {},
    removeListener() {},
  };`);
  return calls;
}
