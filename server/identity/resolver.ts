/** DID resolution for credential issuers: did:key and did:pkh offline; did:web and did:ethr optional, TTL-cached. */
import { Resolver } from 'did-resolver';
import type {
  DIDCache,
  DIDDocument,
  DIDResolutionResult,
  DIDResolver,
  ParsedDID,
  ResolverRegistry,
  WrappedResolver,
} from 'did-resolver';
import { getResolver as getKeyResolver } from 'key-did-resolver';
import { getResolver as getPkhResolver } from 'pkh-did-resolver';
import { fetchText } from './fetch.ts';
import type { FetchLike } from './fetch.ts';

export const DEFAULT_RESOLVER_CACHE_TTL_MS = 5 * 60 * 1000;

export type WebDidResolverOptions = {
  /** Transport; defaults to the global fetch. */
  fetch?: FetchLike;
  /**
   * URL scheme of the DID document. did:web mandates 'https' (the default); 'http' exists only so tests and local
   * development can serve documents from a plain node:http server on 127.0.0.1. Never set it in production.
   */
  scheme?: 'https' | 'http';
  timeoutMs?: number;
};

export type EthrNetwork = {
  name?: string;
  chainId: number | string;
  rpcUrl: string;
  /** ERC-1056 registry address; defaults to the canonical deployment. */
  registry?: string;
};

export type CreateIdentityResolverParameters = {
  /** Enable did:web issuers (network). */
  web?: WebDidResolverOptions;
  /** Enable did:ethr issuers; needs a JSON-RPC endpoint per network. ethr-did-resolver is loaded on first use. */
  ethr?: { networks: EthrNetwork[] };
  /** How long a did:web / did:ethr document stays cached (default 5 min). */
  cacheTtlMs?: number;
  /** Upper bound on cached documents (default 1000; the oldest entry is dropped first). */
  cacheMaxEntries?: number;
  /** Clock in milliseconds, injectable for tests. */
  now?: () => number;
};

/** Builds the resolver passed to credential verification; did:key and did:pkh always work offline. */
export function createIdentityResolver(parameters: CreateIdentityResolverParameters = {}): Resolver {
  const registry: ResolverRegistry = { ...getKeyResolver(), ...getPkhResolver() };
  if (parameters.web) Object.assign(registry, webDidResolver(parameters.web));
  if (parameters.ethr) registry.ethr = lazyEthrResolver(parameters.ethr.networks);
  const cache = createTtlDidCache({
    ttlMs: parameters.cacheTtlMs ?? DEFAULT_RESOLVER_CACHE_TTL_MS,
    maxEntries: parameters.cacheMaxEntries ?? 1000,
    now: parameters.now ?? Date.now,
    methods: ['web', 'ethr'],
  });
  return new Resolver(registry, { cache });
}

export type CreateTtlDidCacheParameters = {
  ttlMs: number;
  maxEntries: number;
  now: () => number;
  /** Only these DID methods are cached; others (offline ones) resolve every time. */
  methods: readonly string[];
};

/**
 * A did-resolver cache whose entries expire (did-resolver's own `cache: true` never expires). Only successful
 * resolutions are kept; concurrent lookups of the same DID share one request; `?no-cache=true` bypasses it.
 */
export function createTtlDidCache(parameters: CreateTtlDidCacheParameters): DIDCache {
  const { ttlMs, maxEntries, now, methods } = parameters;
  const entries = new Map<string, { expiresAt: number; result: DIDResolutionResult }>();
  const pending = new Map<string, Promise<DIDResolutionResult>>();

  return async (parsed: ParsedDID, resolve: WrappedResolver): Promise<DIDResolutionResult> => {
    if (!methods.includes(parsed.method) || parsed.params?.['no-cache'] === 'true') return resolve();
    const key = parsed.didUrl;
    const cached = entries.get(key);
    if (cached && cached.expiresAt > now()) return cached.result;
    if (cached) entries.delete(key);

    const inFlight = pending.get(key);
    if (inFlight) return inFlight;
    const request = resolve().then((result) => {
      if (!result.didResolutionMetadata?.error && result.didDocument) {
        if (entries.size >= maxEntries) {
          const oldest = entries.keys().next().value;
          if (oldest !== undefined) entries.delete(oldest);
        }
        entries.set(key, { expiresAt: now() + ttlMs, result });
      }
      return result;
    });
    pending.set(key, request);
    try {
      return await request;
    } finally {
      pending.delete(key);
    }
  };
}

/** The HTTP(S) URL of a did:web document: host[:port] then optional path segments (did:web spec §3.2). */
export function didWebDocumentUrl(parsed: Pick<ParsedDID, 'id'>, scheme: 'https' | 'http' = 'https'): string {
  const segments = parsed.id.split(':').map(decodeURIComponent);
  const [host, ...path] = segments;
  if (!host || /[/?#@\s]/.test(host) || path.some((segment) => segment === '' || /[/?#\s]/.test(segment) || segment === '..')) {
    throw new Error(`not a valid did:web identifier: ${parsed.id}`);
  }
  return path.length === 0
    ? `${scheme}://${host}/.well-known/did.json`
    : `${scheme}://${host}/${path.join('/')}/did.json`;
}

/** A did:web resolver with an injectable fetch (web-did-resolver hard-wires cross-fetch and HTTPS). */
export function webDidResolver(options: WebDidResolverOptions = {}): ResolverRegistry {
  const fetch = options.fetch ?? (globalThis.fetch as FetchLike);
  const scheme = options.scheme ?? 'https';
  const resolve: DIDResolver = async (did, parsed) => {
    let didDocument: DIDDocument | null = null;
    try {
      const url = didWebDocumentUrl(parsed, scheme);
      const body = await fetchText({ fetch, url, timeoutMs: options.timeoutMs, maxLength: 256 * 1024 });
      const document = JSON.parse(body) as DIDDocument;
      if (typeof document !== 'object' || document === null || document.id !== did) {
        throw new Error('DID document id does not match the DID');
      }
      didDocument = document;
    } catch (error) {
      return {
        didDocument: null,
        didDocumentMetadata: {},
        didResolutionMetadata: { error: 'notFound', message: `resolver_error: ${(error as Error).message}` },
      };
    }
    return {
      didDocument,
      didDocumentMetadata: {},
      didResolutionMetadata: { contentType: '@context' in didDocument ? 'application/did+ld+json' : 'application/did+json' },
    };
  };
  return { web: resolve };
}

/** did:ethr through ethr-did-resolver, imported on first use so spaces without did:ethr never load it. */
function lazyEthrResolver(networks: EthrNetwork[]): DIDResolver {
  let loaded: Promise<DIDResolver> | undefined;
  return async (did, parsed, resolver, options) => {
    loaded ??= import('ethr-did-resolver').then((module) => {
      const ethr = module.getResolver({ networks }).ethr;
      if (!ethr) throw new Error('ethr-did-resolver returned no ethr resolver');
      return ethr;
    });
    try {
      return await (await loaded)(did, parsed, resolver, options);
    } catch (error) {
      return {
        didDocument: null,
        didDocumentMetadata: {},
        didResolutionMetadata: { error: 'notFound', message: `resolver_error: ${(error as Error).message}` },
      };
    }
  };
}
