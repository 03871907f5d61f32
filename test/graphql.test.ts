import t from 'tap';
import { startTestServer } from './support/server.ts';
import { graphql, postJson } from './support/client.ts';
import { sign, wallets } from './support/sign.ts';

const server = await startTestServer();
t.teardown(() => server.close());
const now = Math.floor(Date.now() / 1000);
const voters = wallets(120, 5);
const [controller] = wallets(1, 77);
const powers = Object.fromEntries(voters.map((wallet, index) => [wallet.address, (index % 7) + 1]));
const post = async (body: unknown) => {
  const response = await postJson(server.url, body);
  if (response.status !== 200) throw new Error(JSON.stringify(response.body));
  return response.body as { id: string };
};

await post(
  await sign(controller, 'settings', {
    space: 'reads.eth',
    settings: JSON.stringify({ name: 'Reads', strategies: [{ name: 'whitelist', params: { addresses: powers } }] }),
  }),
);
await post(await sign(controller, 'settings', { space: 'other.eth', settings: JSON.stringify({ name: 'Other', strategies: [{ name: 'ticket' }] }) }));
const proposalA = (await post(await sign(controller, 'proposal', { space: 'reads.eth', title: 'Alpha budget', choices: ['Yes', 'No'], start: now - 100, end: now + 3600 }))).id;
const proposalB = (await post(await sign(controller, 'proposal', { space: 'reads.eth', title: 'Beta', choices: ['Yes', 'No'], start: now + 3600, end: now + 7200 }))).id;
await post(await sign(controller, 'proposal', { space: 'other.eth', title: 'Gamma', choices: ['Yes', 'No'], start: now - 100, end: now + 3600 }));
// 120 votes on A with distinct timestamps (created) and a few equal ones to exercise tie-breaking.
await Promise.all(
  voters.map(async (wallet, index) =>
    post(await sign(wallet, 'vote', { space: 'reads.eth', proposal: proposalA, choice: (index % 2) + 1, timestamp: now - 90 + Math.floor(index / 3), reason: index % 10 === 0 ? 'because' : '' })),
  ),
);

t.test('single lookups and nested fields', async (tt) => {
  const { data } = await graphql(server.url, `{ proposal(id: "${proposalA}") { title votes space { id name proposalsCount } } vote(id: "nope") { id } }`);
  tt.same(data, { proposal: { title: 'Alpha budget', votes: 120, space: { id: 'reads.eth', name: 'Reads', proposalsCount: 2 } }, vote: null });
});

t.test('where operators', async (tt) => {
  const q = async (where: string, extra = '') => (await graphql(server.url, `{ votes(first: 1000, where: { proposal: "${proposalA}", ${where} } ${extra}) { voter vp created reason } }`)).data.votes;
  tt.equal((await q('vp_gt: 5')).length, voters.filter((_, i) => (i % 7) + 1 > 5).length);
  tt.equal((await q('vp_gte: 5, vp_lte: 6')).length, voters.filter((_, i) => [5, 6].includes((i % 7) + 1)).length);
  tt.equal((await q('vp_lt: 2')).length, voters.filter((_, i) => (i % 7) + 1 < 2).length);
  tt.equal((await q('vp_in: [1, 7]')).length, voters.filter((_, i) => [1, 7].includes((i % 7) + 1)).length);
  tt.equal((await q('vp_not_in: [1, 7]')).length, voters.filter((_, i) => ![1, 7].includes((i % 7) + 1)).length);
  tt.equal((await q('reason: "because"')).length, 12);
  tt.equal((await q('reason_not: ""')).length, 12);
  // Addresses match whatever their case, as Snapshot normalises them.
  tt.same((await q(`voter: "${voters[3].address.toLowerCase()}"`)).map((v: { voter: string }) => v.voter), [voters[3].address]);
  tt.equal((await q(`voter_in: ["${voters[1].address.toLowerCase()}", "${voters[2].address}"]`)).length, 2);
  tt.equal((await q(`voter_not: "${voters[1].address}"`)).length, 119);
  tt.equal((await q(`created_gt: ${now - 90 + 10}`)).length, 120 - 33);
  const proposals = await graphql(server.url, `{
    active: proposals(where: { space: "reads.eth", state: "active" }) { title }
    pending: proposals(where: { space_in: ["reads.eth", "other.eth"], state: "pending" }) { title }
    titled: proposals(where: { title_contains: "budget" }) { title }
    all: proposals(where: { space_in: ["reads.eth", "other.eth"] }, orderBy: "title", orderDirection: asc) { title }
  }`);
  tt.match(proposals.errors?.[0]?.message ?? '', /orderBy/);
  const ok = await graphql(server.url, `{
    active: proposals(where: { space: "reads.eth", state: "active" }) { title }
    pending: proposals(where: { space_in: ["reads.eth", "other.eth"], state: "pending" }) { title }
    titled: proposals(where: { title_contains: "budget" }) { title }
    spaces(where: { id_in: ["reads.eth", "other.eth"] }, orderBy: "id", orderDirection: asc) { id }
  }`);
  tt.same(ok.data, {
    active: [{ title: 'Alpha budget' }],
    pending: [{ title: 'Beta' }],
    titled: [{ title: 'Alpha budget' }],
    spaces: [{ id: 'other.eth' }, { id: 'reads.eth' }],
  });
});

t.test("Snapshot's limits are enforced with clear errors", async (tt) => {
  const first = await graphql(server.url, '{ votes(first: 1001) { id } }');
  tt.match(first.errors[0].message, /first/);
  const skip = await graphql(server.url, '{ votes(skip: 5001) { id } }');
  tt.match(skip.errors[0].message, /skip/);
  const list = Array.from({ length: 101 }, (_, i) => `"${i}"`).join(',');
  const inList = await graphql(server.url, `{ votes(where: { voter_in: [${list}] }) { id } }`);
  tt.match(inList.errors[0].message, /at most 100/);
  const deep = await graphql(server.url, '{ votes { proposal { space { id } } } }');
  tt.notOk(deep.errors, 'depth within the limit is fine');
  tt.equal((await graphql(server.url, '{ votes { id } }')).data.votes.length, 20, 'default page of 20');
});

t.test('cursor paging walks every vote once, in order, for both orderings and directions', async (tt) => {
  for (const orderBy of ['created', 'vp']) {
    for (const orderDirection of ['asc', 'desc']) {
      const seen: Array<{ id: string; created: number; vp: number }> = [];
      let after: string | null = null;
      for (;;) {
        const result: any = await graphql(
          server.url,
          `query($after: String) { votes(first: 25, after: $after, where: { proposal: "${proposalA}" }, orderBy: "${orderBy}", orderDirection: ${orderDirection}) { id created vp } }`,
          { after },
        );
        const page = result.data.votes as typeof seen;
        seen.push(...page);
        if (page.length < 25) break;
        after = page[page.length - 1].id;
      }
      tt.equal(seen.length, 120, `${orderBy} ${orderDirection}: all votes`);
      tt.equal(new Set(seen.map((vote) => vote.id)).size, 120, `${orderBy} ${orderDirection}: no repeats`);
      const key = (vote: (typeof seen)[number]) => (orderBy === 'created' ? vote.created : vote.vp);
      const byId = (a: (typeof seen)[number], b: (typeof seen)[number]) => (a.id < b.id ? -1 : 1) * (orderDirection === 'asc' ? 1 : -1);
      const sorted = [...seen].sort((a, b) => (orderDirection === 'asc' ? key(a) - key(b) : key(b) - key(a)) || byId(a, b));
      tt.same(seen.map((vote) => vote.id), sorted.map((vote) => vote.id), `${orderBy} ${orderDirection}: order with id tie-break`);
    }
  }
  const bad = await graphql(server.url, '{ votes(after: "0xnot-a-vote") { id } }');
  tt.match(bad.errors[0].message, /after/);
});

t.test('messages can be tailed by mci', async (tt) => {
  const { data } = await graphql(server.url, '{ messages(first: 5, where: { mci_gt: 3, type_in: ["vote"] }, orderBy: "mci", orderDirection: asc) { mci type space } }');
  tt.equal(data.messages.length, 5);
  tt.ok(data.messages.every((message: { mci: number; type: string }) => message.mci > 3 && message.type === 'vote'));
});

t.test('proposalB has no votes and GET queries work', async (tt) => {
  const response = await fetch(`${server.url}/graphql?query=${encodeURIComponent(`{ proposal(id: "${proposalB}") { votes scores } }`)}`);
  tt.same(((await response.json()) as { data: unknown }).data, { proposal: { votes: 0, scores: [0, 0] } });
});

t.test('a votes page reads only the requested columns, yet every field and nested object still resolves', async (tt) => {
  const all = 'id ipfs voter created choice metadata reason app vp vp_by_strategy vp_state identity { credentialId }';
  const page = async (selection: string) =>
    (await graphql(server.url, `{ votes(first: 30, where: { proposal: "${proposalA}" }) ${selection} }`)) as {
      data: { votes: Array<Record<string, unknown>> };
    };
  const full = (await page(`{ ${all} space { id } proposal { id title } }`)).data.votes;
  tt.equal(full.length, 30);
  tt.ok(full.every((vote) => typeof vote.ipfs === 'string' && vote.space && (vote.proposal as { id: string }).id === proposalA), 'all fields filled');
  const narrow = (await page('{ voter vp reason }')).data.votes;
  tt.same(narrow, full.map(({ voter, vp, reason }) => ({ voter, vp, reason })), 'a few fields: the same values');
  const nested = (await page('{ space { id name } proposal { title } __typename }')).data.votes;
  tt.same(
    nested,
    full.map(() => ({ space: { id: 'reads.eth', name: 'Reads' }, proposal: { title: 'Alpha budget' }, __typename: 'Vote' })),
    'nested objects resolve without their key columns being asked for',
  );
  const fragment = (await graphql(server.url, `{ votes(first: 30, where: { proposal: "${proposalA}" }) { ...v } } fragment v on Vote { ${all} }`)) as {
    data: { votes: unknown[] };
  };
  tt.same(fragment.data.votes, full.map(({ space: _space, proposal: _proposal, ...rest }) => rest), 'fragments: every field');
});
