/** Parses and normalises signed space settings; throws a ClientError naming the first bad field. */
import { getAddress } from '@ethersproject/address';
import { VOTING_TYPES, type SpaceAiSettings, type SpaceSettings, type ValidationConfig } from '../../schema/space-settings.ts';
import { defaultThresholds, type ThresholdOverrides } from '../ai/thresholds.ts';
import { ClientError } from '../errors.ts';
import { IdentityPolicyError } from '../identity/errors.ts';
import { parseIdentityPolicy } from '../identity/policy.ts';
import { STRATEGIES } from '../scoring/strategies/index.ts';
import { StrategyParamsError } from '../scoring/errors.ts';

/** Most strategies one space may combine (Snapshot's default plan). */
export const MAX_STRATEGIES = 8;
const VALIDATIONS = ['any', 'basic'];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const bad = (reason: string) => new ClientError(`wrong space format: ${reason}`);

export type ParseSpaceSettingsOptions = {
  /** DID methods this server resolves, so a space cannot trust an issuer it could never verify. */
  issuerMethods?: readonly string[];
};

/** Parses the `settings` string of a Space message. */
export function parseSpaceSettings(text: string, options: ParseSpaceSettingsOptions = {}): SpaceSettings {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw bad('settings must be JSON');
  }
  if (!isObject(raw)) throw bad('settings must be a JSON object');
  const name = raw.name;
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > 64) throw bad('name must be 1 to 64 characters');
  const network = raw.network ?? '1';
  if (typeof network !== 'string' || !/^\d{1,12}$/.test(network)) throw bad('network must be a chain id such as "1"');
  const symbol = raw.symbol ?? 'VOTE';
  if (typeof symbol !== 'string' || symbol.length > 16) throw bad('symbol must be at most 16 characters');

  if (!Array.isArray(raw.strategies) || raw.strategies.length === 0) throw bad('at least one strategy is required');
  if (raw.strategies.length > MAX_STRATEGIES) throw bad(`at most ${MAX_STRATEGIES} strategies`);
  const strategies = raw.strategies.map((entry, index) => {
    if (!isObject(entry) || typeof entry.name !== 'string') throw bad(`strategy ${index + 1} needs a name`);
    const strategy = STRATEGIES.get(entry.name);
    if (!strategy) throw bad(`unknown strategy ${entry.name}`);
    const params = entry.params ?? {};
    if (!isObject(params)) throw bad(`strategy ${entry.name}: params must be an object`);
    const strategyNetwork = entry.network ?? network;
    if (typeof strategyNetwork !== 'string' || !/^\d{1,12}$/.test(strategyNetwork)) {
      throw bad(`strategy ${entry.name}: network must be a chain id`);
    }
    try {
      strategy.validateParams(params);
    } catch (error) {
      if (error instanceof StrategyParamsError) throw bad(`${error.strategy}: ${error.reason}`);
      throw error;
    }
    return { name: entry.name, network: strategyNetwork, params };
  });

  const filters = raw.filters ?? {};
  if (!isObject(filters)) throw bad('filters must be an object');
  const minScore = filters.minScore ?? 0;
  if (typeof minScore !== 'number' || !(minScore >= 0)) throw bad('filters.minScore must be a non-negative number');
  const onlyMembers = filters.onlyMembers ?? false;
  if (typeof onlyMembers !== 'boolean') throw bad('filters.onlyMembers must be true or false');

  const voting = raw.voting ?? {};
  if (!isObject(voting)) throw bad('voting must be an object');
  const optionalInt = (key: string) => {
    const value = voting[key];
    if (value === undefined || value === null || value === 0) return undefined;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw bad(`voting.${key} must be whole seconds`);
    return value;
  };
  const type = voting.type || undefined;
  if (type !== undefined && !(VOTING_TYPES as readonly unknown[]).includes(type)) throw bad(`voting.type ${String(type)} is not supported`);
  const quorum = voting.quorum ?? 0;
  if (typeof quorum !== 'number' || !(quorum >= 0)) throw bad('voting.quorum must be a non-negative number');
  const quorumType = voting.quorumType ?? '';
  if (quorumType !== '' && quorumType !== 'rejection') throw bad('voting.quorumType must be "" or "rejection"');
  const privacy = voting.privacy ?? '';
  if (privacy !== '' && privacy !== 'any') throw bad('voting.privacy: shutter privacy is not supported');
  const quorumPercentage = voting.quorumPercentage ?? undefined;
  if (quorumPercentage !== undefined && !(typeof quorumPercentage === 'number' && quorumPercentage > 0 && quorumPercentage <= 100)) {
    throw bad('voting.quorumPercentage must be a percentage above 0 and at most 100');
  }
  if (quorumPercentage !== undefined && typeof strategies[0].params.address !== 'string') {
    throw bad('voting.quorumPercentage needs a first strategy with a token address');
  }
  const passThreshold = voting.passThreshold ?? 'majority';
  if (passThreshold !== 'majority' && !(typeof passThreshold === 'number' && passThreshold > 50 && passThreshold <= 100)) {
    throw bad('voting.passThreshold must be "majority" or a percentage above 50 and at most 100');
  }
  for (const key of ['hideAbstain', 'lockVotes', 'blind', 'aliased', 'passOnWinner']) {
    if (voting[key] !== undefined && typeof voting[key] !== 'boolean') throw bad(`voting.${key} must be true or false`);
  }

  const plugins = raw.plugins ?? {};
  if (!isObject(plugins)) throw bad('plugins must be an object');

  const ai = raw.ai === undefined || raw.ai === null ? undefined : aiSettings(raw.ai);
  let identity;
  if (raw.identity !== undefined && raw.identity !== null) {
    try {
      identity = parseIdentityPolicy(raw.identity, { issuerMethods: options.issuerMethods });
    } catch (error) {
      if (error instanceof IdentityPolicyError) throw bad(`identity: ${error.reason}`);
      throw error;
    }
  }

  return {
    ...raw,
    ...(ai ? { ai } : {}),
    name,
    network,
    symbol,
    strategies,
    admins: addressList(raw.admins, 'admins'),
    moderators: addressList(raw.moderators, 'moderators'),
    members: addressList(raw.members, 'members'),
    filters: { minScore, onlyMembers },
    validation: validation(raw.validation, 'validation'),
    voteValidation: validation(raw.voteValidation, 'voteValidation'),
    voting: {
      delay: optionalInt('delay'),
      period: optionalInt('period'),
      type: type as string | undefined,
      quorum,
      quorumType,
      privacy,
      hideAbstain: voting.hideAbstain === true,
      lockVotes: voting.lockVotes === true,
      passThreshold: passThreshold as number | 'majority',
      quorumPercentage: quorumPercentage as number | undefined,
      passOnWinner: voting.passOnWinner === true,
    },
    plugins,
    identity,
  };
}

/** Most written rules a space may give the AI overseer, and their length. */
const MAX_RULES = 50;
const MAX_RULE_CHARS = 1000;

/** The `ai` key: detector threshold overrides (checked against the defaults) and the space's written rules. */
function aiSettings(value: unknown): SpaceAiSettings {
  if (!isObject(value)) throw bad('ai must be an object');
  for (const key of Object.keys(value)) if (key !== 'thresholds' && key !== 'rules') throw bad(`ai.${key} is not a setting (thresholds, rules)`);
  const thresholds = value.thresholds ?? {};
  if (!isObject(thresholds)) throw bad('ai.thresholds must be an object');
  const defaults = defaultThresholds as unknown as Record<string, Record<string, unknown>>;
  for (const [group, values] of Object.entries(thresholds)) {
    if (!(group in defaults)) throw bad(`ai.thresholds.${group} is not a detector (${Object.keys(defaults).join(', ')})`);
    if (!isObject(values)) throw bad(`ai.thresholds.${group} must be an object`);
    for (const [key, setting] of Object.entries(values)) {
      const name = `ai.thresholds.${group}.${key}`;
      if (!(key in defaults[group])) throw bad(`${name} is not a threshold`);
      if (Array.isArray(defaults[group][key])) {
        if (!Array.isArray(setting) || setting.length > 200 || !setting.every((x) => typeof x === 'string' && x.length <= 200)) {
          throw bad(`${name} must be a list of at most 200 short texts`);
        }
      } else if (typeof setting !== 'number' || !Number.isFinite(setting) || setting < 0) {
        throw bad(`${name} must be a non-negative number`);
      }
    }
  }
  const rules = value.rules ?? [];
  if (!Array.isArray(rules) || rules.length > MAX_RULES || !rules.every((rule) => typeof rule === 'string' && rule.trim() !== '' && rule.length <= MAX_RULE_CHARS)) {
    throw bad(`ai.rules must be a list of at most ${MAX_RULES} non-empty texts of at most ${MAX_RULE_CHARS} characters`);
  }
  return { thresholds: thresholds as ThresholdOverrides, rules: rules as string[] };
}

function addressList(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > 1000) throw bad(`${field} must be a list of at most 1000 addresses`);
  return value.map((address) => {
    if (typeof address !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(address)) throw bad(`${field} must hold 0x addresses`);
    return getAddress(address);
  });
}

function validation(value: unknown, field: string): ValidationConfig {
  if (value === undefined || value === null) return { name: 'any', params: {} };
  if (!isObject(value) || typeof value.name !== 'string' || !VALIDATIONS.includes(value.name)) {
    throw bad(`${field}.name must be one of ${VALIDATIONS.join(', ')}`);
  }
  const params = value.params ?? {};
  if (!isObject(params)) throw bad(`${field}.params must be an object`);
  if (value.name === 'basic' && !(typeof params.minScore === 'number' && params.minScore >= 0)) {
    throw bad(`${field}: basic validation needs params.minScore`);
  }
  return { name: value.name, params };
}
