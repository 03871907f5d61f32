import t from 'tap';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Interface } from '@ethersproject/abi';
import { createRpcClient } from '../server/chain/rpc-client.ts';
import { RpcError, RpcTimeoutError, RpcTransportError } from '../server/chain/errors.ts';
import { decodeAggregate3, encodeAggregate3, SELECTORS } from '../server/chain/abi.ts';
import { readContracts } from '../server/chain/read-contracts.ts';
import { verifyContractSignature } from '../server/identity/verify-contract-signature.ts';
import { freePort } from './support/chain.ts';

type Handler = (body: unknown, request: IncomingMessage, response: ServerResponse) => void;

/** A scripted JSON-RPC endpoint on port 0 that records every HTTP body. */
async function fakeNode(t: { teardown(fn: () => unknown): void }, handler: Handler): Promise<{ url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  const server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk) => (raw += chunk));
    request.on('end', () => {
      const body = JSON.parse(raw) as unknown;
      bodies.push(body);
      handler(body, request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies };
}

type Call = { id: number; method: string; params: unknown[] };

function reply(response: ServerResponse, payload: unknown): void {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify(payload));
}

/** Answers each call with `answer(call)` as its result, or an error object when it returns an Error. */
function answering(answer: (call: Call) => unknown): Handler {
  return (body, _request, response) => {
    const one = (call: Call): unknown => {
      const result = answer(call);
      return result instanceof Error
        ? { jsonrpc: '2.0', id: call.id, error: { code: 3, message: result.message, data: '0x08c379a0' } }
        : { jsonrpc: '2.0', id: call.id, result };
    };
    reply(response, Array.isArray(body) ? (body as Call[]).map(one) : one(body as Call));
  };
}

t.test('calls made in one tick share one HTTP batch; results come back to their callers', async (t) => {
  const node = await fakeNode(t, answering((call) => `${call.method}:${JSON.stringify(call.params)}`));
  const rpc = createRpcClient({ url: node.url });
  const results = await Promise.all([
    rpc.request('eth_chainId'),
    rpc.request('eth_getBalance', ['0x01', 'latest']),
    rpc.request('eth_blockNumber'),
  ]);
  t.same(results, ['eth_chainId:[]', 'eth_getBalance:["0x01","latest"]', 'eth_blockNumber:[]']);
  t.equal(node.bodies.length, 1);
  t.ok(Array.isArray(node.bodies[0]));

  const single = await rpc.request('eth_chainId');
  t.equal(single, 'eth_chainId:[]');
  t.notOk(Array.isArray(node.bodies[1]), 'a lone call is sent as a plain object');
});

t.test('large queues are split by maxBatchSize', async (t) => {
  const node = await fakeNode(t, answering((call) => call.id));
  const rpc = createRpcClient({ url: node.url, maxBatchSize: 10 });
  const ids = await Promise.all(Array.from({ length: 25 }, () => rpc.request<number>('eth_blockNumber')));
  t.equal(new Set(ids).size, 25);
  t.same(
    node.bodies.map((body) => (body as unknown[]).length),
    [10, 10, 5],
  );
});

t.test('a JSON-RPC error rejects only its own call with RpcError, without retry', async (t) => {
  const node = await fakeNode(t, answering((call) => (call.method === 'eth_call' ? new Error('execution reverted') : '0x1')));
  const rpc = createRpcClient({ url: node.url, retries: 3 });
  const [call, chainId] = await Promise.allSettled([rpc.request('eth_call', [{}, 'latest']), rpc.request('eth_chainId')]);
  t.equal(call.status, 'rejected');
  const error = (call as PromiseRejectedResult).reason as RpcError;
  t.type(error, RpcError);
  t.equal(error.code, 3);
  t.equal(error.data, '0x08c379a0');
  t.match(error.message, /execution reverted/);
  t.same(chainId, { status: 'fulfilled', value: '0x1' });
  t.equal(node.bodies.length, 1);
});

t.test('HTTP 503 and 429 are retried with backoff; success after retries', async (t) => {
  let failures = 2;
  const node = await fakeNode(t, (body, request, response) => {
    if (failures-- > 0) {
      response.writeHead(failures === 1 ? 503 : 429);
      response.end('busy');
      return;
    }
    answering(() => '0x7a69')(body, request, response);
  });
  const rpc = createRpcClient({ url: node.url, retries: 2, retryDelayMs: 5 });
  t.equal(await rpc.request('eth_chainId'), '0x7a69');
  t.equal(node.bodies.length, 3);
});

t.test('a JSON-RPC error carried on HTTP 500 is an answer (RpcError), not retried', async (t) => {
  const node = await fakeNode(t, (body, _request, response) => {
    response.writeHead(500, { 'content-type': 'application/json' });
    const { id } = body as Call;
    response.end(JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32000, message: 'execution reverted' } }));
  });
  const rpc = createRpcClient({ url: node.url, retries: 2, retryDelayMs: 5 });
  await t.rejects(rpc.request('eth_call', [{}, 'latest']), { name: 'RpcError', code: -32000 });
  t.equal(node.bodies.length, 1);
});

t.test('retries exhausted → RpcTransportError', async (t) => {
  const node = await fakeNode(t, (_body, _request, response) => {
    response.writeHead(502);
    response.end();
  });
  const rpc = createRpcClient({ url: node.url, retries: 1, retryDelayMs: 5 });
  await t.rejects(rpc.request('eth_chainId'), RpcTransportError);
  t.equal(node.bodies.length, 2);
});

t.test('no answer in time → RpcTimeoutError after the retries', async (t) => {
  const node = await fakeNode(t, () => {
    // never answers; the server closes the socket at teardown
  });
  const rpc = createRpcClient({ url: node.url, timeoutMs: 100, retries: 1, retryDelayMs: 5 });
  const error = await rpc.request('eth_chainId').catch((caught: unknown) => caught);
  t.type(error, RpcTimeoutError);
  t.equal((error as RpcTimeoutError).timeoutMs, 100);
  t.equal(node.bodies.length, 2);
});

t.test('an unreachable port → RpcTransportError', async (t) => {
  const rpc = createRpcClient({ url: `http://127.0.0.1:${await freePort()}`, retries: 1, retryDelayMs: 5 });
  const error = await rpc.request('eth_chainId').catch((caught: unknown) => caught);
  t.type(error, RpcTransportError);
  t.match((error as Error).message, /ECONNREFUSED|fetch failed/);
});

t.test('a batch refused as a whole rejects every call', async (t) => {
  const node = await fakeNode(t, (_body, _request, response) =>
    reply(response, { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'batch not supported' } }),
  );
  const rpc = createRpcClient({ url: node.url });
  const results = await Promise.allSettled([rpc.request('a'), rpc.request('b')]);
  t.same(
    results.map((result) => result.status),
    ['rejected', 'rejected'],
  );
  t.match((results[0] as PromiseRejectedResult).reason, { code: -32600 });
});

const multicallAbi = new Interface([
  'function aggregate3((address target, bool allowFailure, bytes callData)[] calls) payable returns ((bool success, bytes returnData)[] returnData)',
]);

t.test('aggregate3 encoding and decoding agree with @ethersproject/abi', async (t) => {
  const calls = [
    { target: '0x5FbDB2315678afecb367f032d93F642f64180aa3', allowFailure: true, callData: '0x70a08231' + '00'.repeat(12) + '11'.repeat(20) },
    { target: '0x0000000000000000000000000000000000000001', allowFailure: false, callData: '0x' },
    { target: '0xcA11bde05977b3631167028862bE2a173976CA11', allowFailure: true, callData: '0x' + 'ab'.repeat(37) },
  ];
  t.equal(encodeAggregate3(calls), multicallAbi.encodeFunctionData('aggregate3', [calls.map((c) => [c.target, c.allowFailure, c.callData])]));
  t.equal(encodeAggregate3([]), multicallAbi.encodeFunctionData('aggregate3', [[]]));

  const results = [
    { success: true, returnData: '0x' + '00'.repeat(31) + '2a' },
    { success: false, returnData: '0x' },
    { success: true, returnData: '0x' + 'cd'.repeat(70) },
  ];
  const encoded = multicallAbi.encodeFunctionResult('aggregate3', [results.map((r) => [r.success, r.returnData])]);
  t.same(decodeAggregate3(encoded), results);
});

t.test('readContracts falls back to one eth_call per read (batched) where Multicall3 has no code', async (t) => {
  const node = await fakeNode(
    t,
    answering((call) => {
      const [{ to, data }] = call.params as [{ to: string; data: string }];
      if (to === '0xcA11bde05977b3631167028862bE2a173976CA11') return '0x';
      if (data.endsWith('dead')) return new Error('execution reverted');
      return '0x' + data.slice(-64);
    }),
  );
  const rpc = createRpcClient({ url: node.url });
  const token = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
  const results = await readContracts({
    rpc,
    block: 12,
    calls: [
      { target: token, callData: '0x70a08231' + '0'.repeat(62) + '07' },
      { target: token, callData: '0x70a08231' + '0'.repeat(60) + 'dead' },
    ],
  });
  t.same(results, [
    { success: true, returnData: '0x' + '0'.repeat(62) + '07' },
    { success: false, returnData: '0x08c379a0' },
  ]);
  t.equal(node.bodies.length, 2, 'one multicall probe, then one batch with both reads');
  t.equal((node.bodies[1] as Call[]).length, 2);
  t.equal(((node.bodies[1] as Call[])[0].params as unknown[])[1], '0xc');
});

t.test('verifyContractSignature: bytes32 form, then the legacy (bytes,bytes) form; revert or other value = invalid', async (t) => {
  const legacy = new Interface(['function isValidSignature(bytes _data, bytes _signature) view returns (bytes4)']);
  const current = new Interface(['function isValidSignature(bytes32 _hash, bytes _signature) view returns (bytes4)']);
  const digest = '0x' + '5a'.repeat(32);
  const signature = '0x' + '01'.repeat(65);
  const seen: string[] = [];
  let legacyAnswer: unknown = SELECTORS.isValidSignatureLegacy + '0'.repeat(56);
  const node = await fakeNode(
    t,
    answering((call) => {
      const [{ data }] = call.params as [{ data: string }];
      seen.push(data);
      if (data.startsWith(SELECTORS.isValidSignature)) return new Error('execution reverted: GS020');
      return legacyAnswer;
    }),
  );
  const rpc = createRpcClient({ url: node.url });
  t.equal(await verifyContractSignature({ rpc, address: '0x0000000000000000000000000000000000000abc', digest, signature }), true);
  t.same(current.decodeFunctionData('isValidSignature', seen[0]).map(String), [digest, signature]);
  t.same(legacy.decodeFunctionData('isValidSignature', seen[1]).map(String), [digest, signature]);

  legacyAnswer = '0x' + '0'.repeat(64);
  t.equal(await verifyContractSignature({ rpc, address: '0x0000000000000000000000000000000000000abc', digest, signature }), false);
  legacyAnswer = '0x';
  t.equal(await verifyContractSignature({ rpc, address: '0x0000000000000000000000000000000000000abc', digest, signature }), false);
  legacyAnswer = new Error('execution reverted');
  t.equal(await verifyContractSignature({ rpc, address: '0x0000000000000000000000000000000000000abc', digest, signature }), false);

  const down = createRpcClient({ url: `http://127.0.0.1:${await freePort()}`, retries: 0 });
  await t.rejects(
    verifyContractSignature({ rpc: down, address: '0x0000000000000000000000000000000000000abc', digest, signature }),
    RpcTransportError,
    'a node that cannot be reached is an error, not an invalid signature',
  );
});
