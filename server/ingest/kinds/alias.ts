/** `alias` and `revoke-alias`: an address authorises (or withdraws) a session key that signs for it. */
import { and, eq } from 'drizzle-orm';
import { getAddress } from '@ethersproject/address';
import { aliases } from '../../../schema/tables.ts';
import { ClientError } from '../../errors.ts';
import type { KindModule } from '../kind-module.ts';
import { eachInSavepoint } from '../log-writer.ts';

type Prepared = { id: string; address: string; alias: string; created: number };

export const alias: KindModule<Prepared> = {
  async verify({ db, parsed, from }) {
    const key = getAddress(parsed.message.alias as string);
    if (key === from) throw new ClientError('an address cannot be its own alias');
    const [existing] = await db.select({ address: aliases.address }).from(aliases).where(eq(aliases.alias, key));
    if (existing && existing.address !== from) throw new ClientError('alias already used by another address');
    return { id: parsed.id, address: from, alias: key, created: parsed.message.timestamp };
  },
  apply: eachInSavepoint(async (tx, prepared, { row }) => {
    // Re-linking the same key renews it; a key linked to another address meanwhile is refused.
    const written = await tx
      .insert(aliases)
      .values({ ...prepared, ipfs: row.ipfs })
      .onConflictDoUpdate({
        target: aliases.alias,
        set: { id: prepared.id, ipfs: row.ipfs, created: prepared.created },
        where: eq(aliases.address, prepared.address),
      })
      .returning({ id: aliases.id });
    if (written.length === 0) throw new ClientError('alias already used by another address');
  }),
};

export const revokeAlias: KindModule<Prepared> = {
  async verify({ db, parsed, from }) {
    const key = getAddress(parsed.message.alias as string);
    const [existing] = await db
      .select({ id: aliases.id })
      .from(aliases)
      .where(and(eq(aliases.alias, key), eq(aliases.address, from)));
    if (!existing) throw new ClientError('no such alias');
    return { id: parsed.id, address: from, alias: key, created: parsed.message.timestamp };
  },
  apply: eachInSavepoint(async (tx, { address, alias: key }) => {
    await tx.delete(aliases).where(and(eq(aliases.alias, key), eq(aliases.address, address)));
  }),
};
