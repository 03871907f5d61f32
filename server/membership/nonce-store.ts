/** SIWE nonces in the database: shared by every instance, consumed atomically (one UPDATE … RETURNING). */
import { and, eq, isNull, lt } from 'drizzle-orm';
import { siweNonces } from '../../schema/identity-tables.ts';
import type { Db } from '../db/open-database.ts';
import { MAX_SIWE_SESSION_SECONDS, type SiweNonceStore } from '../identity/siwe.ts';

/** A nonce store over the `siwe_nonces` table; old nonces are purged when new ones are issued. */
export function createDbSiweNonceStore(db: Db): SiweNonceStore {
  return {
    async put(nonce, expiresAt) {
      // Used or expired nonces are kept a session length after their expiry, so a replay still reads "already used".
      await db.delete(siweNonces).where(lt(siweNonces.expiresAt, Date.now() - MAX_SIWE_SESSION_SECONDS * 1000));
      await db.insert(siweNonces).values({ nonce, expiresAt });
    },
    async consume(nonce, now) {
      const [taken] = await db
        .update(siweNonces)
        .set({ usedAt: now })
        .where(and(eq(siweNonces.nonce, nonce), isNull(siweNonces.usedAt)))
        .returning({ expiresAt: siweNonces.expiresAt });
      if (taken) return taken.expiresAt <= now ? 'expired' : 'ok';
      const [known] = await db.select({ nonce: siweNonces.nonce }).from(siweNonces).where(eq(siweNonces.nonce, nonce));
      return known ? 'used' : 'unknown';
    },
  };
}
