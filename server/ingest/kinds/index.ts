/** The module handling each message kind. */
import type { MessageKind } from '../../../schema/eip712.ts';
import type { KindModule } from '../kind-module.ts';
import { alias, revokeAlias } from './alias.ts';
import { deleteSpace } from './delete-space.ts';
import { follow, unfollow } from './follow.ts';
import { deleteProposal, flagProposal, proposal, updateProposal } from './proposal.ts';
import { settings } from './settings.ts';
import { vote } from './vote.ts';

export const KIND_MODULES: Record<MessageKind, KindModule<any>> = {
  settings,
  proposal,
  'update-proposal': updateProposal,
  'delete-proposal': deleteProposal,
  'flag-proposal': flagProposal,
  vote,
  'vote-array': vote,
  'vote-string': vote,
  follow,
  unfollow,
  alias,
  'revoke-alias': revokeAlias,
  'delete-space': deleteSpace,
};
