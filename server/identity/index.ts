/** Identity (DID membership and SIWE admin login): the entry points the service wires in. See DESIGN.md here. */
export * from './errors.ts';
export { parseIdentityPolicy, isTrustedIssuer, DEFAULT_CREDENTIAL_TYPE } from './policy.ts';
export type { IdentityPolicy } from './policy.ts';
export { createIdentityResolver, createTtlDidCache, webDidResolver, didWebDocumentUrl } from './resolver.ts';
export type { CreateIdentityResolverParameters, WebDidResolverOptions, EthrNetwork } from './resolver.ts';
export type { FetchLike } from './fetch.ts';
export { verifyMembershipCredential } from './verify-credential.ts';
export type { MembershipCredentialRecord, VerifyMembershipCredentialParameters } from './verify-credential.ts';
export { checkMembership } from './check-membership.ts';
export type { CheckMembershipParameters, CheckMembershipReturnType } from './check-membership.ts';
export { checkVoter } from './check-voter.ts';
export type { CheckVoterParameters, CheckVoterReturnType } from './check-voter.ts';
export { createRevocationChecker, InMemoryJtiDenyList, MAX_STATUS_LIST_TTL_MS } from './revocation.ts';
export type { RevocationChecker, RevocationState, JtiDenyList, RevocableCredential } from './revocation.ts';
export {
  createStatusList,
  createStatusListCredential,
  updateStatusListCredential,
  encodeStatusList,
  decodeStatusList,
  getStatusBit,
  setStatusBit,
} from './status-list.ts';
export { issueMembershipCredential } from './issue-credential.ts';
export { generateEd25519IssuerKey, issuerFromKeyFile } from './issuer-key.ts';
export type { IssuerSigner, IssuerKeyFile } from './issuer-key.ts';
export { InMemorySiweNonceStore, issueSiweNonce, verifySiweLogin, isListedAdmin, MAX_SIWE_SESSION_SECONDS } from './siwe.ts';
export type { SiweNonceStore, SiweNonceStatus, SiweSession } from './siwe.ts';
export { toPkhDid, parsePkhDid } from './did.ts';
