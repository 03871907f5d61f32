/** A populated message log for log and checkpoint tests: a space, proposals, votes (some replaced), follows, an alias. */
import type { Wallet } from '@ethersproject/wallet';
import { postJson } from './client.ts';
import { sign, wallets } from './sign.ts';

export type LogFixture = { controller: Wallet; voters: Wallet[]; proposals: string[]; accepted: number };

/** Sends a mix of every common kind to `url`; every message must be accepted. */
export async function populateLog(url: string, { votersCount = 6, space = 'log.eth' } = {}): Promise<LogFixture> {
  const [controller, sessionKey, ...voters] = wallets(votersCount + 2, 7);
  const now = Math.floor(Date.now() / 1000);
  let accepted = 0;
  const post = async (body: unknown) => {
    const response = await postJson(url, body);
    if (response.status !== 200) throw new Error(`refused: ${JSON.stringify(response.body)}`);
    accepted++;
    return response.body as { id: string };
  };
  const whitelist = Object.fromEntries(voters.map((voter, index) => [voter.address, index + 1]));
  await post(
    await sign(controller, 'settings', {
      space,
      settings: JSON.stringify({ name: 'Log DAO', network: '1', symbol: 'LOG', strategies: [{ name: 'whitelist', params: { addresses: whitelist } }] }),
    }),
  );
  const proposals: string[] = [];
  for (const type of ['single-choice', 'approval']) {
    const { id } = await post(
      await sign(controller, 'proposal', { space, type, title: type, choices: ['Yes', 'No', 'Abstain'], start: now - 60, end: now + 86_400 }),
    );
    proposals.push(id);
  }
  await Promise.all(voters.map((voter, index) => sign(voter, 'vote', { space, proposal: proposals[0], choice: (index % 3) + 1, timestamp: now }).then(post)));
  // Later ballots replace earlier ones: the replay must pick the same winners.
  await Promise.all(
    voters.slice(0, 3).map((voter) => sign(voter, 'vote', { space, proposal: proposals[0], choice: 2, timestamp: now + 2, reason: 'changed' }).then(post)),
  );
  await Promise.all(voters.map((voter) => sign(voter, 'follow', { space }).then(post)));
  await post(await sign(voters[0], 'alias', { alias: sessionKey.address }));
  await post(await sign(sessionKey, 'vote-array', { space, proposal: proposals[1], choice: [1], from: voters[0].address }));
  await post(await sign(voters[1], 'vote-array', { space, proposal: proposals[1], choice: [1, 2] }));
  return { controller, voters, proposals, accepted };
}
