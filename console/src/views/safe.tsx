/**
 * `#/safe/<address>`: the Safe's transactions from the relay, what each will do, who has confirmed, and
 * Confirm (EIP-712 SafeTx in the browser wallet) / Execute (execTransaction from the wallet) for owners.
 */
import { useEffect, useState } from 'preact/hooks';
import { getAddress, isAddress } from 'viem';
import { postJson, subscribe } from '../api.ts';
import { decodeCall, type SafeCall } from '../decode-call.ts';
import { short, when } from '../format.ts';
import { useQuery } from '../use-query.ts';
import { connectWallet, executeSafeTx, signSafeTx, type SafeTx } from '../wallet.ts';
import { Status } from './status.tsx';

type Transaction = SafeTx & {
  safeTxHash: string;
  network: string;
  status: string;
  statusReason: string | null;
  proposal: string | null;
  decision: string | null;
  resultsHash: string | null;
  calls: SafeCall[] | null;
  owners: string[];
  threshold: number;
  executionTxHash: string | null;
  created: number;
  confirmations: { owner: string; signature: string; signatureType: string; submissionDate: string }[];
};
type Data = { safeTransactions: Transaction[] };

const QUERY = `query Safe($safe: String!) {
  safeTransactions(first: 50, where: { safe: $safe }) {
    safeTxHash network chainId safe to value data operation nonce safeTxGas baseGas gasPrice gasToken refundReceiver
    status statusReason proposal decision resultsHash calls owners threshold executionTxHash created
    confirmations { owner signature signatureType submissionDate }
  }
}`;

const OPEN = new Set(['queued', 'confirming', 'ready']);

/** The Safe's queue. */
export function SafeView({ address }: { address: string }) {
  const valid = isAddress(address, { strict: false });
  const safe = valid ? getAddress(address) : address;
  const { data, error, reload } = useQuery<Data>(QUERY, { safe });
  const [account, setAccount] = useState<string | undefined>(undefined);
  const [walletError, setWalletError] = useState<string | undefined>(undefined);
  useEffect(() => subscribe(`subscription ($safe: String!) { safeTransaction(safe: $safe) { safeTxHash status } }`, { safe }, reload), [safe, reload]);
  if (!valid) return <p role="alert">{address} is not an address.</p>;
  const connect = async () => {
    try {
      setAccount(getAddress(await connectWallet()));
      setWalletError(undefined);
    } catch (reason) {
      setWalletError(reason instanceof Error ? reason.message : String(reason));
    }
  };
  const transactions = data?.safeTransactions ?? [];
  return (
    <section aria-labelledby="safe-title">
      <h1 id="safe-title">Safe transactions</h1>
      <p class="mono">{safe}</p>
      <div class="wallet">
        {account ? (
          <p>
            Wallet: <span class="mono">{account}</span>
          </p>
        ) : (
          <button type="button" onClick={connect}>
            Connect wallet
          </button>
        )}
        {walletError && <p role="alert" class="error">{walletError}</p>}
      </div>
      <Status error={error} loading={!data} />
      {data && transactions.length === 0 && <p>No transactions for this Safe.</p>}
      <ol class="cards">
        {transactions.map((tx) => (
          <TransactionCard key={tx.safeTxHash} tx={tx} account={account} onConnect={connect} onChange={reload} />
        ))}
      </ol>
    </section>
  );
}

type CardProps = { tx: Transaction; account: string | undefined; onConnect: () => Promise<void>; onChange: () => void };

/** One transaction: decoded calls, confirmations against the threshold, and the owner's actions. */
function TransactionCard({ tx, account, onConnect, onChange }: CardProps) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | undefined>(undefined);
  const confirmedBy = new Set(tx.confirmations.map((c) => c.owner.toLowerCase()));
  const isOwner = account !== undefined && tx.owners.some((owner) => owner.toLowerCase() === account.toLowerCase());
  const hasConfirmed = account !== undefined && confirmedBy.has(account.toLowerCase());
  const enough = tx.confirmations.length >= tx.threshold;
  const calls = tx.calls?.length ? tx.calls : [{ to: tx.to, value: tx.value, data: tx.data, operation: tx.operation }];
  const titleId = `tx-${tx.safeTxHash}`;

  const act = async (work: (owner: string) => Promise<string>) => {
    setBusy(true);
    setMessage(undefined);
    try {
      const owner = account ?? (await connectWallet());
      if (!account) await onConnect();
      setMessage({ text: await work(owner), error: false });
      onChange();
    } catch (reason) {
      setMessage({ text: reason instanceof Error ? reason.message : String(reason), error: true });
    } finally {
      setBusy(false);
    }
  };
  const confirm = () =>
    act(async (owner) => {
      const signature = await signSafeTx(owner, tx);
      await postJson(`/api/safe-transaction-service/${tx.network}/v1/multisig-transactions/${tx.safeTxHash}/confirmations/`, { signature });
      return 'Confirmation recorded.';
    });
  const execute = () => act(async (owner) => `Execution sent: ${await executeSafeTx(owner, tx, tx.confirmations)}`);

  return (
    <li class="card" aria-labelledby={titleId} data-safe-tx={tx.safeTxHash}>
      <h2 id={titleId}>
        Nonce {tx.nonce} · <span class={`badge status-${tx.status}`}>{tx.status}</span>
      </h2>
      <p class="muted">
        <span class="mono" title={tx.safeTxHash}>{short(tx.safeTxHash)}</span> · network {tx.network} · created {when(tx.created, true)}
        {tx.proposal && (
          <>
            {' '}
            · for <a href={`#/proposal/${encodeURIComponent(tx.proposal)}`}>proposal {short(tx.proposal)}</a>
          </>
        )}
      </p>
      {tx.resultsHash && (
        <p class="muted">
          Carries out the signed decision with results hash <span class="mono">{tx.resultsHash}</span>
        </p>
      )}
      {tx.statusReason && <p>{tx.statusReason}</p>}
      <h3>What it does</h3>
      <ol class="calls">
        {calls.map((call, index) => {
          const decoded = decodeCall(call);
          return (
            <li key={index} class="call">
              <strong>{decoded.action}</strong>
              {decoded.delegatecall && <span class="badge level-high">delegatecall</span>} to <span class="mono">{decoded.to}</span>
              {decoded.eth && <span> · {decoded.eth} ETH</span>}
              {decoded.args.length > 0 && (
                <dl class="args">
                  {decoded.args.map((arg) => (
                    <div key={arg.name}>
                      <dt>{arg.name}</dt>
                      <dd class="mono">{arg.value}</dd>
                    </div>
                  ))}
                </dl>
              )}
            </li>
          );
        })}
      </ol>
      <h3>
        Confirmations <span class="confirmations">{tx.confirmations.length} of {tx.threshold}</span>
      </h3>
      <ul class="owners">
        {tx.owners.map((owner) => (
          <li key={owner} class="mono">
            {confirmedBy.has(owner.toLowerCase()) ? '✓ ' : '○ '}
            {owner}
            <span class="visually-hidden">{confirmedBy.has(owner.toLowerCase()) ? ' confirmed' : ' not confirmed'}</span>
          </li>
        ))}
      </ul>
      {tx.executionTxHash && (
        <p>
          Execution transaction <span class="mono">{tx.executionTxHash}</span>
        </p>
      )}
      {OPEN.has(tx.status) && (
        <div class="actions">
          {!hasConfirmed && !enough && (
            <button type="button" onClick={confirm} disabled={busy || (account !== undefined && !isOwner)}>
              Confirm
            </button>
          )}
          {enough && (
            <button type="button" onClick={execute} disabled={busy || (account !== undefined && !isOwner)}>
              Execute
            </button>
          )}
          {account !== undefined && !isOwner && <p class="muted">The connected wallet is not an owner of this Safe.</p>}
          {hasConfirmed && !enough && <p class="muted">You have confirmed; waiting for other owners.</p>}
        </div>
      )}
      {message && (
        <p role={message.error ? 'alert' : 'status'} class={message.error ? 'error' : undefined}>
          {message.text}
        </p>
      )}
    </li>
  );
}
