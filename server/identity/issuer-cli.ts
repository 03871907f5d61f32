/** The issuer CLI's logic (see scripts/issue-credential.ts for usage); testable in-process. */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isAddress } from 'ethers';
import { issueMembershipCredential, MAX_CREDENTIAL_DAYS } from './issue-credential.ts';
import { generateEd25519IssuerKey, issuerFromKeyFile } from './issuer-key.ts';
import type { IssuerSigner } from './issuer-key.ts';
import { createStatusList, createStatusListCredential, updateStatusListCredential } from './status-list.ts';

class UsageError extends Error {}

const USAGE = `usage:
  issue-credential --generate-key FILE
  issue-credential --issuer-key FILE --space ID --address 0x… [--chain 1] [--days 90] [--status-list URL --index N]
  issue-credential --issuer-key FILE --create-status-list URL --out FILE [--length 131072]
  issue-credential --issuer-key FILE --status-list-file FILE (--revoke N | --reinstate N)`;

function wholeNumber(value: string | undefined, name: string, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required`);
    return fallback;
  }
  if (!/^[0-9]+$/.test(value)) throw new UsageError(`--${name} must be a whole number`);
  return Number(value);
}

function loadIssuer(file: string | undefined): IssuerSigner {
  if (!file) throw new UsageError('--issuer-key is required');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read issuer key ${file}: ${(error as Error).message}`);
  }
  return issuerFromKeyFile(json);
}

async function main(argv: string[]): Promise<string> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      'generate-key': { type: 'string' },
      'issuer-key': { type: 'string' },
      space: { type: 'string' },
      address: { type: 'string' },
      chain: { type: 'string' },
      days: { type: 'string' },
      'status-list': { type: 'string' },
      index: { type: 'string' },
      'create-status-list': { type: 'string' },
      out: { type: 'string' },
      length: { type: 'string' },
      'status-list-file': { type: 'string' },
      revoke: { type: 'string' },
      reinstate: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return USAGE;

  if (values['generate-key'] !== undefined) {
    const file = values['generate-key'];
    const key = generateEd25519IssuerKey();
    // 'wx': never overwrite an existing key; mode applies on creation, chmod covers a restrictive umask anyway.
    writeFileSync(file, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    return key.did;
  }

  const issuer = loadIssuer(values['issuer-key']);

  if (values['create-status-list'] !== undefined) {
    if (!values.out) throw new UsageError('--out is required with --create-status-list');
    const list = createStatusList(wholeNumber(values.length, 'length', 131_072));
    const jwt = await createStatusListCredential({ issuer, url: values['create-status-list'], list });
    writeFileSync(values.out, `${jwt}\n`, { flag: 'wx' });
    return jwt;
  }

  if (values['status-list-file'] !== undefined) {
    const file = values['status-list-file'];
    if ((values.revoke === undefined) === (values.reinstate === undefined)) {
      throw new UsageError('give exactly one of --revoke N or --reinstate N');
    }
    const revoked = values.revoke !== undefined;
    const index = wholeNumber(values.revoke ?? values.reinstate, revoked ? 'revoke' : 'reinstate');
    const jwt = await updateStatusListCredential({ issuer, jwt: readFileSync(file, 'utf8').trim(), index, revoked });
    writeFileSync(file, `${jwt}\n`);
    return jwt;
  }

  if (!values.space) throw new UsageError('--space is required');
  if (!values.address || !isAddress(values.address)) throw new UsageError('--address must be an EVM address 0x…');
  const chainId = wholeNumber(values.chain, 'chain', 1);
  if (chainId === 0) throw new UsageError('--chain must be positive');
  const days = wholeNumber(values.days, 'days', 90);
  if (days === 0 || days > MAX_CREDENTIAL_DAYS) throw new UsageError(`--days must be 1..${MAX_CREDENTIAL_DAYS}`);
  if ((values['status-list'] === undefined) !== (values.index === undefined)) {
    throw new UsageError('--status-list and --index go together');
  }
  return issueMembershipCredential({
    issuer,
    space: values.space,
    address: values.address,
    chainId,
    days,
    ...(values['status-list'] !== undefined
      ? { statusListUrl: values['status-list'], statusListIndex: wholeNumber(values.index, 'index') }
      : {}),
  });
}

export type IssuerCliResult = { exitCode: number; stdout: string; stderr: string };

/** Runs the issuer CLI on `argv` (without node and script); 0 ok, 2 usage error, 1 other failure. */
export async function runIssuerCli(argv: string[]): Promise<IssuerCliResult> {
  try {
    return { exitCode: 0, stdout: `${await main(argv)}\n`, stderr: '' };
  } catch (error) {
    const usage = error instanceof UsageError || Boolean((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'));
    return {
      exitCode: usage ? 2 : 1,
      stdout: '',
      stderr: `issue-credential: ${(error as Error).message}\n${error instanceof UsageError ? `${USAGE}\n` : ''}`,
    };
  }
}
