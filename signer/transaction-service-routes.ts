/**
 * A Safe Transaction Service compatible subset under `/api/safe-transaction-service/{network}`, so
 * `@safe-global/api-kit` with `txServiceUrl` set there works as a client: about, Safe info, propose,
 * list, get, confirmations. Errors carry `detail` too, which api-kit reports as the message.
 */
import { and, asc, desc, eq, gte, inArray, sql } from 'drizzle-orm';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { getAddress, isAddress, type Hex } from 'viem';
import { safeConfirmations, safeTransactions } from '../schema/relay-tables.ts';
import type { Db } from '../server/db/open-database.ts';
import { ClientError } from '../server/errors.ts';
import { handleError } from '../server/http/error-response.ts';
import type { Relay } from './create-relay.ts';
import { proposeSafeTransaction, type ProposalBody } from './propose-safe-transaction.ts';
import { readSafeState } from './read-safe-state.ts';
import { confirmationResponse, loadSafeTransaction, safeTransactionResponses } from './safe-transaction-response.ts';

export const TRANSACTION_SERVICE_PREFIX = '/api/safe-transaction-service/:network';

export type TransactionServiceOptions = { db: Db; relay: Relay; rpcUrls: Record<string, string>; version: string };

const anyObject = { type: 'object', additionalProperties: true } as const;
const stringOrInteger = { anyOf: [{ type: 'string' }, { type: 'integer' }] } as const;
const networkParam = { network: { type: 'string', pattern: '^[0-9]{1,12}$' } } as const;
const hashParams = { type: 'object', required: ['network', 'safeTxHash'], properties: { ...networkParam, safeTxHash: { type: 'string', pattern: '^0x[0-9a-fA-F]{64}$' } } } as const;
const safeParams = { type: 'object', required: ['network', 'address'], properties: { ...networkParam, address: { type: 'string', maxLength: 42 } } } as const;

export const transactionServiceRoutes: FastifyPluginAsync<TransactionServiceOptions> = async (app, { db, relay, rpcUrls, version }) => {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof ClientError) {
      return reply.code(error.statusCode).send({ error: 'client_error', error_description: error.message, detail: error.message });
    }
    return handleError(error, request, reply);
  });
  app.addHook('preHandler', async (request) => {
    const { network } = request.params as { network: string };
    if (!rpcUrls[network]) throw new ClientError(`network ${network} is not served`, 404);
  });

  const about = async (request: FastifyRequest) => ({
    name: 'conclave Safe relay (Transaction Service subset)',
    version,
    api_version: 'v1',
    secure: request.protocol === 'https',
    host: request.hostname,
    headers: [],
    settings: { network: (request.params as { network: string }).network },
  });
  const aboutSchema = { params: { type: 'object', properties: networkParam }, response: { 200: anyObject } };
  app.get('/v1/about', { schema: aboutSchema }, about);
  app.get('/v1/about/', { schema: aboutSchema }, about);

  app.get<{ Params: { network: string; address: string } }>('/v1/safes/:address/', { schema: { params: safeParams, response: { 200: anyObject } } }, async (request) => {
    const safe = safeAddress(request.params.address);
    const chain = await relay.chains(request.params.network);
    const state = await readSafeState({ client: chain.client, safe }).catch(() => null);
    if (!state) throw new ClientError('Safe not found', 404);
    const slot = (position: bigint) => chain.client.getStorageAt({ address: safe as Hex, slot: `0x${position.toString(16)}` as Hex });
    // Storage slot 0 holds the singleton; the fallback handler and guard sit at their keccak-derived slots.
    const [singleton, handler, guard] = await Promise.all([
      slot(0n),
      slot(0x6c9a6c4a39284e37ed1cf53d337577d14212a4870fb976a4366c693b939918d5n),
      slot(0x4a204f620c8c5ccdca3fd54d003badd85ba500436a431f0cbda4f558c93c34c8n),
    ]);
    const word = (value: Hex | undefined) => getAddress(`0x${(value ?? '0x').slice(2).padStart(64, '0').slice(24)}`);
    return {
      address: safe,
      nonce: String(state.nonce),
      threshold: state.threshold,
      owners: state.owners,
      masterCopy: word(singleton),
      singleton: word(singleton),
      modules: [],
      fallbackHandler: word(handler),
      guard: word(guard),
      version: state.version,
    };
  });

  app.post<{ Params: { network: string; address: string }; Body: ProposalBody }>(
    '/v2/safes/:address/multisig-transactions/',
    {
      schema: {
        params: safeParams,
        body: {
          type: 'object',
          required: ['to', 'value', 'operation', 'safeTxGas', 'baseGas', 'gasPrice', 'nonce', 'contractTransactionHash', 'sender'],
          properties: {
            to: { type: 'string' },
            value: stringOrInteger,
            data: { type: ['string', 'null'] },
            operation: { type: 'integer' },
            safeTxGas: stringOrInteger,
            baseGas: stringOrInteger,
            gasPrice: stringOrInteger,
            gasToken: { type: ['string', 'null'] },
            refundReceiver: { type: ['string', 'null'] },
            nonce: stringOrInteger,
            contractTransactionHash: { type: 'string' },
            sender: { type: 'string' },
            signature: { type: ['string', 'null'] },
            origin: { type: ['string', 'null'], maxLength: 200 },
          },
        },
      },
    },
    async (request, reply) => {
      await proposeSafeTransaction({ db, relay, network: request.params.network, safe: request.params.address, body: request.body });
      return reply.code(201).send();
    },
  );

  app.get<{ Params: { network: string; address: string }; Querystring: { executed?: string; nonce__gte?: number; limit?: number; offset?: number; ordering?: string } }>(
    '/v2/safes/:address/multisig-transactions/',
    {
      schema: {
        params: safeParams,
        querystring: {
          type: 'object',
          properties: {
            executed: { type: 'string', enum: ['true', 'false'] },
            nonce__gte: { type: 'integer', minimum: 0 },
            limit: { type: 'integer', minimum: 1, maximum: 200 },
            offset: { type: 'integer', minimum: 0 },
            ordering: { type: 'string' },
          },
        },
        response: { 200: anyObject },
      },
    },
    async (request) => {
      const safe = safeAddress(request.params.address);
      const { executed, nonce__gte, limit = 100, offset = 0, ordering } = request.query;
      const filters = [eq(safeTransactions.network, request.params.network), eq(safeTransactions.safe, safe)];
      if (executed === 'true') filters.push(eq(safeTransactions.status, 'executed'));
      if (executed === 'false') filters.push(inArray(safeTransactions.status, ['queued', 'confirming', 'ready', 'submitted']));
      if (nonce__gte !== undefined) filters.push(gte(safeTransactions.nonce, nonce__gte));
      const where = and(...filters);
      const order = ordering === 'nonce' ? [asc(safeTransactions.nonce), asc(safeTransactions.createdAt)] : [desc(safeTransactions.nonce), desc(safeTransactions.createdAt)];
      const [rows, [{ count }]] = await Promise.all([
        db.select().from(safeTransactions).where(where).orderBy(...order).limit(limit).offset(offset),
        db.select({ count: sql<number>`count(*)::int` }).from(safeTransactions).where(where),
      ]);
      return { count: Number(count), next: null, previous: null, countUniqueNonce: new Set(rows.map((r) => r.nonce)).size, results: await safeTransactionResponses(db, rows) };
    },
  );

  app.get<{ Params: { network: string; safeTxHash: string } }>('/v2/multisig-transactions/:safeTxHash/', { schema: { params: hashParams, response: { 200: anyObject } } }, async (request) => {
    const row = await transaction(request.params);
    return (await safeTransactionResponses(db, [row]))[0];
  });

  app.get<{ Params: { network: string; safeTxHash: string } }>('/v1/multisig-transactions/:safeTxHash/confirmations/', { schema: { params: hashParams, response: { 200: anyObject } } }, async (request) => {
    const row = await transaction(request.params);
    const rows = await db.select().from(safeConfirmations).where(eq(safeConfirmations.safeTxHash, row.safeTxHash)).orderBy(asc(safeConfirmations.createdAt));
    return { count: rows.length, next: null, previous: null, results: rows.map(confirmationResponse) };
  });

  app.post<{ Params: { network: string; safeTxHash: string }; Body: { signature: string } }>(
    '/v1/multisig-transactions/:safeTxHash/confirmations/',
    {
      schema: {
        params: hashParams,
        body: { type: 'object', required: ['signature'], properties: { signature: { type: 'string', maxLength: 2000 } } },
        response: { 201: anyObject },
      },
    },
    async (request, reply) => {
      const row = await transaction(request.params);
      await relay.confirm(row.safeTxHash, request.body.signature);
      return reply.code(201).send({ signature: request.body.signature });
    },
  );

  async function transaction({ network, safeTxHash }: { network: string; safeTxHash: string }) {
    const row = await loadSafeTransaction(db, safeTxHash.toLowerCase());
    if (!row || row.network !== network) throw new ClientError('No MultisigTransaction matches the given query.', 404);
    return row;
  }
};

function safeAddress(raw: string): string {
  if (!isAddress(raw, { strict: false })) throw new ClientError('Checksum address validation failed', 422);
  return getAddress(raw);
}
