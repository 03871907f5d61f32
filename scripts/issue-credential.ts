/**
 * Issuer CLI for membership credentials.
 *
 *   npm run issue-credential -- --generate-key FILE
 *       writes a new Ed25519 did:key issuer key (mode 0600, refuses to overwrite) and prints its DID
 *   npm run issue-credential -- --issuer-key FILE --space ID --address 0x… [--chain 1] [--days 90]
 *                               [--status-list URL --index N]
 *       prints a DAOMembershipCredential VC-JWT for did:pkh:eip155:<chain>:<address>
 *   npm run issue-credential -- --issuer-key FILE --create-status-list URL --out FILE [--length 131072]
 *       writes an empty signed StatusList2021 VC-JWT to serve at URL
 *   npm run issue-credential -- --issuer-key FILE --status-list-file FILE (--revoke N | --reinstate N)
 *       sets or clears entry N and re-signs the list in place
 */
import { runIssuerCli } from '../server/identity/issuer-cli.ts';

const result = await runIssuerCli(process.argv.slice(2));
process.stdout.write(result.stdout);
process.stderr.write(result.stderr);
process.exitCode = result.exitCode;
