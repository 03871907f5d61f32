import t from 'tap';
import { Interface } from '@ethersproject/abi';
import { _TypedDataEncoder } from '@ethersproject/hash';
import { hashTypedData, type Hex } from 'viem';
import { verifyContractSignature } from '../server/identity/verify-contract-signature.ts';
import { SAFE_141_CONTRACTS } from '../signer/safe-contracts.ts';
import { startChain } from './support/chain.ts';
import { connectSafe, createSafe, deploySafeContracts, ETH_SIGN_TYPED_DATA_V4, safeArtifact } from './support/safe.ts';

const chain = await startChain();
t.teardown(() => chain.stop());
const [, owner1, owner2, owner3, , relayer, recipient] = chain.accounts;

// All setup awaits come before the first t.test: tap ends the root test once its queue drains.
const contracts = await deploySafeContracts(chain);
const owners = [owner1.address, owner2.address, owner3.address];
const safeAddress = await createSafe({ chain, contracts, owners, threshold: 2, fund: 10n ** 18n });

t.test('Safe 1.4.1 contracts sit at their canonical addresses', async (t) => {
  // The relay's own constants must be the real deployment.
  t.same(contracts, SAFE_141_CONTRACTS);
  t.same(await deploySafeContracts(chain), contracts, 'a second call finds them deployed');
});

const safeAbi = new Interface(safeArtifact().abi as string[]);

async function safeRead(method: string): Promise<unknown> {
  const result = await chain.rpc.request<string>('eth_call', [{ to: safeAddress, data: safeAbi.encodeFunctionData(method) }, 'latest']);
  return safeAbi.decodeFunctionResult(method, result)[0];
}

t.test('a 2-of-3 Safe executes a transfer with two owner signatures, sent by a non-owner relayer', async (t) => {
  t.same(await safeRead('getOwners'), owners);
  t.equal(String(await safeRead('getThreshold')), '2');
  t.equal(await safeRead('VERSION'), '1.4.1');

  const kit1 = await connectSafe(chain, contracts, safeAddress, owner1.privateKey);
  const kit2 = await connectSafe(chain, contracts, safeAddress, owner2.privateKey);
  const relay = await connectSafe(chain, contracts, safeAddress, relayer.privateKey);
  const value = 10n ** 17n;
  const tx = await kit1.createTransaction({ transactions: [{ to: recipient.address, value: String(value), data: '0x' }] });

  const once = await kit1.signTransaction(tx, ETH_SIGN_TYPED_DATA_V4);
  await t.rejects(relay.executeTransaction(once), /signature missing/, 'one signature is below the threshold');
  const twice = await kit2.signTransaction(once, ETH_SIGN_TYPED_DATA_V4);
  t.equal(twice.signatures.size, 2);
  t.ok(await relay.isValidTransaction(twice));

  const before = BigInt(await chain.rpc.request<string>('eth_getBalance', [recipient.address, 'latest']));
  const { hash } = await relay.executeTransaction(twice);
  const receipt = await chain.rpc.request<{ status: string; from: string }>('eth_getTransactionReceipt', [hash]);
  t.equal(Number(receipt.status), 1);
  t.equal(receipt.from.toLowerCase(), relayer.address.toLowerCase());
  const after = BigInt(await chain.rpc.request<string>('eth_getBalance', [recipient.address, 'latest']));
  t.equal(after - before, value);
  t.equal(String(await safeRead('nonce')), '1');
});

// A Snapshot vote cast by the Safe: the EIP-712 digest of a Vote under {name: 'snapshot', version: '0.1.4'}.
const voteTypes = {
  Vote: [
    { name: 'from', type: 'string' },
    { name: 'space', type: 'string' },
    { name: 'timestamp', type: 'uint64' },
    { name: 'proposal', type: 'string' },
    { name: 'choice', type: 'uint32' },
    { name: 'reason', type: 'string' },
    { name: 'app', type: 'string' },
    { name: 'metadata', type: 'string' },
  ],
};
const domain = { name: 'snapshot', version: '0.1.4' };
function vote(choice: number) {
  return {
    from: safeAddress,
    space: 'conclave.eth',
    timestamp: 1767225600,
    proposal: '0x' + 'a1'.repeat(32),
    choice,
    reason: '',
    app: 'conclave',
    metadata: '{}',
  };
}

t.test('EIP-1271: two owners sign a Snapshot Vote as a SafeMessage; isValidSignature returns the magic value', async (t) => {
  const message = vote(1);
  const digest = hashTypedData({ domain, types: voteTypes, primaryType: 'Vote', message });
  t.equal(digest, _TypedDataEncoder.hash(domain, voteTypes, message), 'viem and ethers agree on the digest');

  const kit1 = await connectSafe(chain, contracts, safeAddress, owner1.privateKey);
  const kit3 = await connectSafe(chain, contracts, safeAddress, owner3.privateKey);
  const typedData = { domain, types: voteTypes, primaryType: 'Vote', message };
  const one = await kit1.signMessage(kit1.createMessage(typedData), ETH_SIGN_TYPED_DATA_V4);
  const both = await kit3.signMessage(one, ETH_SIGN_TYPED_DATA_V4);
  const signature = both.encodedSignatures();
  t.equal((signature.length - 2) / 2, 130, 'two 65-byte owner signatures');

  const isValid = new Interface(['function isValidSignature(bytes32 _hash, bytes _signature) view returns (bytes4)']);
  const raw = await chain.rpc.request<string>('eth_call', [
    { to: safeAddress, data: isValid.encodeFunctionData('isValidSignature', [digest, signature]) },
    'latest',
  ]);
  t.equal(raw.slice(0, 10), '0x1626ba7e');
  const legacy = new Interface(['function isValidSignature(bytes _data, bytes _signature) view returns (bytes4)']);
  const rawLegacy = await chain.rpc.request<string>('eth_call', [
    { to: safeAddress, data: legacy.encodeFunctionData('isValidSignature', [digest, signature]) },
    'latest',
  ]);
  t.equal(rawLegacy.slice(0, 10), '0x20c13b0b', 'the legacy (bytes,bytes) form with _data = digest');

  t.equal(await verifyContractSignature({ rpc: chain.rpc, address: safeAddress, digest, signature }), true);
  const block = await chain.blockNumber();
  t.equal(await verifyContractSignature({ rpc: chain.rpc, address: safeAddress, digest, signature, block }), true);

  // negatives: one signature of two, a tampered choice, an account without code, a block before the Safe existed
  const single = one.encodedSignatures();
  t.equal(await verifyContractSignature({ rpc: chain.rpc, address: safeAddress, digest, signature: single }), false);
  const tampered = hashTypedData({ domain, types: voteTypes, primaryType: 'Vote', message: vote(2) });
  t.equal(await verifyContractSignature({ rpc: chain.rpc, address: safeAddress, digest: tampered as Hex, signature }), false);
  t.equal(await verifyContractSignature({ rpc: chain.rpc, address: owner1.address, digest, signature }), false);
  t.equal(await verifyContractSignature({ rpc: chain.rpc, address: safeAddress, digest, signature, block: 1 }), false);
});
