/** `settings` (EIP-712 `Space`): creates a space or changes its settings. */
import { sql } from 'drizzle-orm';
import type { SpaceSettings } from '../../../schema/space-settings.ts';
import { spaces } from '../../../schema/tables.ts';
import { ClientError } from '../../errors.ts';
import type { KindModule } from '../kind-module.ts';
import { eachInSavepoint } from '../log-writer.ts';
import { parseSpaceSettings } from '../parse-space-settings.ts';
import { loadSpace, spaceRole } from '../records.ts';

type Prepared = { id: string; settings: SpaceSettings; controller: string; timestamp: number };

export const settings: KindModule<Prepared> = {
  async verify({ db, parsed, from, config }) {
    const id = parsed.message.space as string;
    const parsedSettings = parseSpaceSettings(parsed.message.settings as string, { issuerMethods: config.identityDidMethods });
    // The space may be deleted (hidden from `context.space`): its controller keeps the name.
    const existing = await loadSpace(db, id);
    if (existing) {
      const role = spaceRole(existing, from);
      if (existing.deleted ? !role.controller : !role.admin) throw new ClientError('not allowed to change this space');
      const adminsChanged =
        [...existing.settings.admins].sort().join() !== [...parsedSettings.admins].sort().join();
      if (adminsChanged && !role.controller) throw new ClientError('only the controller can change admins');
      return { id, settings: parsedSettings, controller: existing.controller, timestamp: parsed.message.timestamp };
    }
    return { id, settings: parsedSettings, controller: from, timestamp: parsed.message.timestamp };
  },
  apply: eachInSavepoint(async (tx, { id, settings: values, controller, timestamp }, { mci }) => {
    await tx
      .insert(spaces)
      .values({
        id,
        settings: values,
        name: values.name,
        network: values.network,
        controller,
        created: timestamp,
        updated: timestamp,
        mci,
      })
      .onConflictDoUpdate({
        target: spaces.id,
        set: {
          settings: values,
          name: values.name,
          network: values.network,
          updated: timestamp,
          deleted: false,
          mci,
          created: sql`CASE WHEN ${spaces.deleted} THEN ${timestamp} ELSE ${spaces.created} END`,
        },
      });
  }),
};
