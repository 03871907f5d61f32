/** Real EIP-712 signatures from real keys, in Snapshot's envelope. */
import { Wallet } from '@ethersproject/wallet';
import { MESSAGE_TYPES, SNAPSHOT_DOMAIN, type MessageKind } from '../../schema/eip712.ts';

/** Defaults snapshot.js fills in for each kind, so tests only state what matters. */
const DEFAULTS: Partial<Record<MessageKind, Record<string, unknown>>> = {
  proposal: { type: 'single-choice', body: '', discussion: '', labels: [], plugins: '{}', privacy: '', app: '', snapshot: 1 },
  'update-proposal': { type: 'single-choice', body: '', discussion: '', labels: [], plugins: '{}', privacy: '' },
  vote: { reason: '', app: '', metadata: '{}' },
  'vote-array': { reason: '', app: '', metadata: '{}' },
  'vote-string': { reason: '', app: '', metadata: '{}' },
  follow: { network: 's' },
  unfollow: { network: 's' },
};

export type Envelope = { address: string; sig: string; data: { domain: object; types: object; message: Record<string, unknown> } };

/** Signs a message of `kind` with `wallet`; `from` defaults to the wallet and `timestamp` to now. */
export async function sign(wallet: Wallet, kind: MessageKind, fields: Record<string, unknown>): Promise<Envelope> {
  const { primaryType, fields: typeFields } = MESSAGE_TYPES[kind];
  const values: Record<string, unknown> = {
    from: wallet.address,
    timestamp: Math.floor(Date.now() / 1000),
    ...DEFAULTS[kind],
    ...fields,
  };
  const message = Object.fromEntries(typeFields.map((field) => [field.name, values[field.name]]));
  const types = { [primaryType]: typeFields };
  const sig = await wallet._signTypedData(SNAPSHOT_DOMAIN, types, message);
  return { address: wallet.address, sig, data: { domain: SNAPSHOT_DOMAIN, types, message } };
}

/** Deterministic wallets for readable tests. */
export function wallets(count: number, seed = 1): Wallet[] {
  return Array.from({ length: count }, (_, index) => new Wallet(`0x${(seed * 1000 + index + 1).toString(16).padStart(64, '0')}`));
}
