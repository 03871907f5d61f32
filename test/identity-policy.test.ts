import t from 'tap';
import { IdentityPolicyError } from '../server/identity/errors.ts';
import { isTrustedIssuer, parseIdentityPolicy } from '../server/identity/policy.ts';

const KEY_DID = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const PKH_LOWER = 'did:pkh:eip155:1:0xab16a96d359ec26a11e2c2b3d8f8b8942d5bfcdb';
const PKH_CHECKSUM = 'did:pkh:eip155:1:0xab16a96D359eC26a11e2C2b3d8f8B8942d5Bfcdb';

t.test('defaults and canonical issuers', async (t) => {
  const policy = parseIdentityPolicy({ required: true, trustedIssuers: [KEY_DID, PKH_LOWER] });
  t.same(policy, {
    required: true,
    trustedIssuers: [KEY_DID, PKH_CHECKSUM],
    credentialType: 'DAOMembershipCredential',
    requireStatus: true,
  });
  t.ok(isTrustedIssuer(policy, PKH_LOWER), 'did:pkh compared case-insensitively');
  t.ok(isTrustedIssuer(policy, PKH_CHECKSUM));
  t.notOk(isTrustedIssuer(policy, 'did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2'));
  t.same(parseIdentityPolicy({}), { required: false, trustedIssuers: [], credentialType: 'DAOMembershipCredential', requireStatus: true });
  t.equal(parseIdentityPolicy({ trustedIssuers: [KEY_DID], maxAge: 86400, credentialType: 'GuildMember' }).maxAge, 86400);
  t.equal(parseIdentityPolicy({ trustedIssuers: ['did:web:dao.example.org'], requireStatus: false }).requireStatus, false);
  t.throws(
    () => parseIdentityPolicy({ trustedIssuers: ['did:web:dao.example.org'] }, { issuerMethods: ['key', 'pkh'] }),
    { message: 'invalid identity policy: trustedIssuers[0] uses did:web; supported: did:key, did:pkh' },
    'methods the server cannot resolve are refused at configuration time',
  );
});

t.test('bad settings throw a typed error with the reason', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [null, /must be an object/],
    [[], /must be an object/],
    [{ required: 'yes' }, /required must be true or false/],
    [{ required: true, trustedIssuers: [] }, /trustedIssuers is empty/],
    [{ trustedIssuers: 'did:key:z6Mk' }, /array of DIDs/],
    [{ trustedIssuers: ['0xab16a96d359ec26a11e2c2b3d8f8b8942d5bfcdb'] }, /trustedIssuers\[0\] is not a DID/],
    [{ trustedIssuers: ['did:example:123'] }, /uses did:example/],
    [{ trustedIssuers: ['did:pkh:eip155:1:0x1234'] }, /not a did:pkh:eip155/],
    [{ trustedIssuers: [PKH_LOWER, PKH_CHECKSUM] }, /trustedIssuers\[1\] is listed twice/],
    [{ trustedIssuers: Array.from({ length: 33 }, (_, i) => `did:web:dao${i}.example`) }, /more than 32/],
    [{ credentialType: '' }, /credentialType/],
    [{ credentialType: 'VerifiableCredential' }, /more specific/],
    [{ maxAge: 0 }, /maxAge must be a positive/],
    [{ maxAge: 1.5 }, /maxAge must be a positive/],
    [{ maxAge: 86_400_000_000 }, /not milliseconds/],
    [{ requireStatus: 1 }, /requireStatus/],
    [{ trustedIssuer: [KEY_DID] }, /unknown field "trustedIssuer"/],
  ];
  for (const [input, reason] of cases) {
    try {
      parseIdentityPolicy(input);
      t.fail(`accepted ${JSON.stringify(input)?.slice(0, 80)}`);
    } catch (error) {
      t.type(error, IdentityPolicyError);
      t.equal((error as IdentityPolicyError).code, 'invalid_identity_policy');
      t.match((error as IdentityPolicyError).reason, reason);
      t.match((error as Error).message, /^invalid identity policy: /);
    }
  }
});
