/** `follow` and `unfollow`: an address follows a space. */
import { and, eq } from 'drizzle-orm';
import { follows } from '../../../schema/tables.ts';
import { ClientError } from '../../errors.ts';
import type { KindModule } from '../kind-module.ts';
import { eachInSavepoint } from '../log-writer.ts';

type Prepared = { id: string; follower: string; space: string; network: string; created: number };

/** Most spaces one address may follow. */
export const MAX_FOLLOWS = 25;

const prepare = ({ parsed, from }: Parameters<KindModule<Prepared>['verify']>[0]): Prepared => {
  const network = parsed.message.network as string;
  if (network.length > 16) throw new ClientError('wrong follow format');
  return { id: parsed.id, follower: from, space: parsed.message.space as string, network, created: parsed.message.timestamp };
};

export const follow: KindModule<Prepared> = {
  async verify(context) {
    const prepared = prepare(context);
    const existing = await context.db.select({ space: follows.space }).from(follows).where(eq(follows.follower, prepared.follower));
    if (existing.some((row) => row.space === prepared.space)) throw new ClientError('you are already following this space');
    if (existing.length >= MAX_FOLLOWS) throw new ClientError(`you can follow at most ${MAX_FOLLOWS} spaces`);
    return prepared;
  },
  apply: eachInSavepoint(async (tx, prepared, { row }) => {
    const inserted = await tx.insert(follows).values({ ...prepared, ipfs: row.ipfs }).onConflictDoNothing().returning({ id: follows.id });
    if (inserted.length === 0) throw new ClientError('you are already following this space');
  }),
};

export const unfollow: KindModule<Prepared> = {
  async verify(context) {
    const prepared = prepare(context);
    const [row] = await context.db
      .select({ id: follows.id })
      .from(follows)
      .where(and(eq(follows.follower, prepared.follower), eq(follows.space, prepared.space)));
    if (!row) throw new ClientError('you are not following this space');
    return prepared;
  },
  apply: eachInSavepoint(async (tx, { follower, space }) => {
    const deleted = await tx
      .delete(follows)
      .where(and(eq(follows.follower, follower), eq(follows.space, space)))
      .returning({ id: follows.id });
    if (deleted.length === 0) throw new ClientError('you are not following this space');
  }),
};
