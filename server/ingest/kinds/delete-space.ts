/** `delete-space`: the controller removes the space; its log stays. */
import { eq } from 'drizzle-orm';
import { spaces } from '../../../schema/tables.ts';
import { ClientError } from '../../errors.ts';
import type { KindModule } from '../kind-module.ts';
import { eachInSavepoint } from '../log-writer.ts';
import { spaceRole } from '../records.ts';

type Prepared = { id: string };

export const deleteSpace: KindModule<Prepared> = {
  async verify({ space, from }) {
    if (!space) throw new ClientError('unknown space');
    if (!spaceRole(space, from).controller) throw new ClientError('only the controller can delete the space');
    return { id: space.id };
  },
  apply: eachInSavepoint(async (tx, { id }, { mci }) => {
    await tx.update(spaces).set({ deleted: true, mci }).where(eq(spaces.id, id));
  }),
};
