import t from 'tap';
import { sql } from 'drizzle-orm';
import { queryRows } from '../server/db/open-database.ts';
import { claimRiskRaise } from '../server/risk/claim-risk-raise.ts';
import { openTestDatabase } from './support/database.ts';

// The claim lives in the database, so instances and restarts share it: each rise is announced once.
const database = await openTestDatabase();
t.teardown(() => database.drop());
const { db } = database;

t.test('each rise is claimed by exactly one of many concurrent callers, falls and repeats never', async (tt) => {
  await db.execute(
    sql`INSERT INTO risk_reports (proposal, space, level, report, votes_analyzed, last_mci, computed_at) VALUES ('0xp', 'claim.eth', 'medium', '{}'::jsonb, 3, 7, 0)`,
  );
  const first = await Promise.all(Array.from({ length: 6 }, () => claimRiskRaise({ db, proposal: '0xp', level: 'medium' })));
  tt.equal(first.filter(Boolean).length, 1, 'one claim of medium');
  tt.notOk(await claimRiskRaise({ db, proposal: '0xp', level: 'medium' }), 'the same level again: nothing');
  tt.notOk(await claimRiskRaise({ db, proposal: '0xp', level: 'low' }), 'a fall: nothing');
  tt.notOk(await claimRiskRaise({ db, proposal: '0xp', level: 'none' }));
  tt.notOk(await claimRiskRaise({ db, proposal: '0xp', level: 'severe' }), 'not a level: nothing');
  tt.notOk(await claimRiskRaise({ db, proposal: '0xmissing', level: 'high' }), 'no report: nothing');
  const second = await Promise.all(Array.from({ length: 6 }, () => claimRiskRaise({ db, proposal: '0xp', level: 'high' })));
  tt.equal(second.filter(Boolean).length, 1, 'one claim of high');
  const [row] = await queryRows<{ raised_level: string }>(db, sql`SELECT raised_level FROM risk_reports WHERE proposal = '0xp'`);
  tt.equal(row.raised_level, 'high');
});
