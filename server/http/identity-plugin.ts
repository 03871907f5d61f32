/**
 * Identity routes: membership credential submission, Sign-In with Ethereum for admins, and the admin-only
 * credential deny-list (`POST /api/spaces/:id/revocations`).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { revokedCredentials, credentials } from '../../schema/identity-tables.ts';
import { and, eq } from 'drizzle-orm';
import { ClientError } from '../errors.ts';
import { IdentityError } from '../identity/errors.ts';
import { issueSiweNonce, verifySiweLogin } from '../identity/siwe.ts';
import { loadSpace, spaceRole } from '../ingest/records.ts';
import { bearerToken, createSessionToken, readSessionToken, type AdminSession } from '../membership/admin-session.ts';
import type { Membership } from '../membership/create-membership.ts';
import { submitCredential } from '../membership/submit-credential.ts';
import { errorResponseSchema } from './error-response.ts';

/** A stored membership credential as the API returns it (times in Unix seconds). */
export const credentialSchema = {
  type: 'object',
  required: ['id', 'issuer', 'address', 'chainId', 'space', 'credentialType', 'issuedAt', 'validFrom', 'expiresAt', 'jwt'],
  properties: {
    id: { type: 'string' },
    issuer: { type: 'string' },
    address: { type: 'string' },
    chainId: { type: 'integer' },
    space: { type: 'string' },
    credentialType: { type: 'string' },
    issuedAt: { type: 'integer' },
    validFrom: { type: 'integer' },
    expiresAt: { type: 'integer' },
    statusListUrl: { type: 'string' },
    statusListIndex: { type: 'integer' },
    jwt: { type: 'string' },
  },
} as const;

const errors = { '4xx': errorResponseSchema, '5xx': errorResponseSchema } as const;

/** The admin session named by `Authorization: Bearer <token>`; 401 without a valid one. */
function requireSession(membership: Membership, request: FastifyRequest): AdminSession {
  const token = bearerToken(request.headers.authorization);
  const session = token ? readSessionToken(membership.serviceKey, token) : null;
  if (!session) throw new ClientError('admin session required: sign in with Ethereum at /api/auth/siwe', 401);
  return session;
}

const plugin: FastifyPluginAsync<{ membership: Membership }> = async (app, { membership }) => {
  const { db } = membership;

  app.post<{ Body: { space: string; jwt: string } }>(
    '/api/credentials',
    {
      schema: {
        body: {
          type: 'object',
          required: ['space', 'jwt'],
          additionalProperties: false,
          properties: { space: { type: 'string', maxLength: 64 }, jwt: { type: 'string', maxLength: 65_536 } },
        },
        response: { 200: credentialSchema, ...errors },
      },
    },
    (request) => submitCredential(membership, request.body),
  );

  app.get(
    '/api/auth/nonce',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            required: ['nonce', 'expiresAt'],
            properties: { nonce: { type: 'string' }, expiresAt: { type: 'integer', description: 'ms since epoch' } },
          },
          ...errors,
        },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      return issueSiweNonce({ store: membership.nonces });
    },
  );

  app.post<{ Body: { message: string; signature: string } }>(
    '/api/auth/siwe',
    {
      schema: {
        body: {
          type: 'object',
          required: ['message', 'signature'],
          additionalProperties: false,
          properties: { message: { type: 'string', maxLength: 8192 }, signature: { type: 'string', maxLength: 1024 } },
        },
        response: {
          200: {
            type: 'object',
            required: ['token', 'address', 'expiresAt'],
            properties: { token: { type: 'string' }, address: { type: 'string' }, expiresAt: { type: 'integer' } },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      let session;
      try {
        session = await verifySiweLogin({
          message: request.body.message,
          signature: request.body.signature,
          domain: membership.siweDomain,
          store: membership.nonces,
        });
      } catch (error) {
        if (error instanceof IdentityError) throw new ClientError(error.message, 401);
        throw error;
      }
      const token = createSessionToken(membership.serviceKey, { address: session.address, expiresAt: session.expiresAt });
      return { token, address: session.address, expiresAt: session.expiresAt };
    },
  );

  app.post<{ Params: { id: string }; Body: { jti: string } }>(
    '/api/spaces/:id/revocations',
    {
      schema: {
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } },
        body: {
          type: 'object',
          required: ['jti'],
          additionalProperties: false,
          properties: { jti: { type: 'string', minLength: 1, maxLength: 256 } },
        },
        response: {
          200: {
            type: 'object',
            required: ['space', 'jti', 'revokedBy', 'revokedAt'],
            properties: { space: { type: 'string' }, jti: { type: 'string' }, revokedBy: { type: 'string' }, revokedAt: { type: 'integer' } },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const session = requireSession(membership, request);
      const space = await loadSpace(db, request.params.id);
      if (!space || space.deleted) throw new ClientError('space not found', 404);
      if (!spaceRole(space, session.address).admin) throw new ClientError('only an admin of the space can revoke credentials', 403);
      const { jti } = request.body;
      await db
        .insert(revokedCredentials)
        .values({ space: space.id, jti, revokedBy: session.address, revokedAt: Math.floor(Date.now() / 1000) })
        .onConflictDoNothing();
      const [row] = await db
        .select()
        .from(revokedCredentials)
        .where(and(eq(revokedCredentials.space, space.id), eq(revokedCredentials.jti, jti)));
      // Votes read through this process see the revocation at once; other instances within the credential cache TTL.
      const holders = await db
        .selectDistinct({ address: credentials.address })
        .from(credentials)
        .where(and(eq(credentials.space, space.id), eq(credentials.id, jti)));
      for (const { address } of holders) membership.invalidate(space.id, address);
      return row;
    },
  );
};

export const identityPlugin = fp(plugin, { name: 'conclave-identity' });
