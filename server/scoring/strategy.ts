/** Voting power strategies: one interface for every way of reading a voter's power. */

/** A strategy as frozen into a proposal: `{name, network, params}` as in Snapshot space settings. */
export type StrategyConfig = {
  name: string;
  network?: string;
  params: Record<string, unknown>;
};

/** A JSON-RPC endpoint per network id (e.g. "1", "31337"). */
export type RpcUrls = Record<string, string>;

export type GetPowerParameters = {
  /** Checksummed addresses to read. */
  addresses: readonly string[];
  /** Block number to read at, or 'latest' when the snapshot block is not yet mined. */
  snapshot: number | 'latest';
  network: string;
  params: Record<string, unknown>;
  rpcUrls: RpcUrls;
};

/** Power per checksummed address; an address with no power may be absent (means 0). */
export type GetPowerReturnType = Record<string, number>;

export type Strategy = {
  name: string;
  /** Validates `params` when a space is configured; throws a StrategyParamsError with a reason. */
  validateParams(params: Record<string, unknown>): void;
  getPower(parameters: GetPowerParameters): Promise<GetPowerReturnType>;
  /** Whether power at `snapshot` can no longer change (the block is mined); absent means always final. */
  isFinal?(parameters: Omit<GetPowerParameters, 'addresses' | 'params'>): Promise<boolean>;
};
