/** The identity parts the service shares between ingest, REST and GraphQL: resolver, status lists, caches, nonces. */
import type { Resolvable } from 'did-resolver';
import type { Config } from '../config/load-config.ts';
import type { Db } from '../db/open-database.ts';
import type { FetchLike } from '../identity/fetch.ts';
import { ethrNetworks } from '../identity/ethr-networks.ts';
import { createIdentityResolver } from '../identity/resolver.ts';
import { createRevocationChecker, type RevocationChecker } from '../identity/revocation.ts';
import type { SiweNonceStore } from '../identity/siwe.ts';
import { createRecordCache, type RecordCache } from '../ingest/record-cache.ts';
import type { ServiceKey } from '../service-key.ts';
import { batchPerTick } from '../db/batch-per-tick.ts';
import { loadVotersCredentials, type VoterCredentials } from './credential-store.ts';
import { createDbSiweNonceStore } from './nonce-store.ts';

export type Membership = {
  db: Db;
  resolver: Resolvable;
  /** Status lists (StatusList2021), cached at most 5 minutes per URL; the deny-list is read from the database. */
  statusLists: RevocationChecker;
  /** A voter's credentials in a space; writes through this process invalidate at once, others within `ttlMs`. */
  voterCredentials(space: string, address: string): Promise<VoterCredentials>;
  /** Forgets the cached credentials of (space, address). */
  invalidate(space: string, address: string): void;
  nonces: SiweNonceStore;
  serviceKey: ServiceKey;
  siweDomain: string;
  issuerMethods: readonly string[];
};

export type CreateMembershipParameters = {
  db: Db;
  config: Pick<Config, 'identityDidMethods' | 'siweDomain' | 'rpcUrls' | 'ethrDidRegistries'>;
  serviceKey: ServiceKey;
  /** Transport for did:web documents and status lists; defaults to the global fetch. */
  fetch?: FetchLike;
  /** How long a voter's credential rows stay cached (default 2 s, like the space and proposal rows). */
  credentialTtlMs?: number;
};

/** Builds the shared identity dependencies over `db`. */
export function createMembership({ db, config, serviceKey, fetch, credentialTtlMs = 2000 }: CreateMembershipParameters): Membership {
  const resolver = createIdentityResolver({
    ...(config.identityDidMethods.includes('web') ? { web: fetch ? { fetch } : {} } : {}),
    ...(config.identityDidMethods.includes('ethr')
      ? { ethr: { networks: ethrNetworks({ rpcUrls: config.rpcUrls, registries: config.ethrDidRegistries }) } }
      : {}),
  });
  const statusLists = createRevocationChecker({ resolver, ...(fetch ? { fetch } : {}) });
  const cache: RecordCache<VoterCredentials> = createRecordCache({ ttlMs: credentialTtlMs });
  const key = (space: string, address: string) => `${space}\n${address}`;
  // Votes arriving together cost one indexed query between them, not one each.
  const readCredentials = batchPerTick({ loadMany: (keys: Array<{ space: string; address: string }>) => loadVotersCredentials(db, keys) });
  return {
    db,
    resolver,
    statusLists,
    async voterCredentials(space, address) {
      const found = await cache.get(key(space, address), () => readCredentials({ space, address }));
      return found ?? { credentials: [], denied: [] };
    },
    invalidate(space, address) {
      cache.invalidate(key(space, address));
    },
    nonces: createDbSiweNonceStore(db),
    serviceKey,
    siweDomain: config.siweDomain,
    issuerMethods: config.identityDidMethods,
  };
}
