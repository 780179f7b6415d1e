// A real OpenID provider for the single-sign-on tests: the certified
// `oidc-provider` package (docs/SSO.md), as a school's would run, with its
// development sign-in form (any login, any password; the login is the
// person's id). Started by server/tests/single_sign_on.rs and
// end2end/tests/single-sign-on.spec.js; nothing here is a mock of Pulse's
// side.
//
// Settings (environment):
//   OIDC_ISSUER          http://HOST:PORT it answers as (and listens on)
//   OIDC_CLIENT_ID       Pulse's client id
//   OIDC_CLIENT_SECRET   Pulse's client secret
//   OIDC_REDIRECT_URI    Pulse's PULSE_PUBLIC_URL/auth/oidc/callback
//   OIDC_LOGOUT_URI      where sign-out returns (Pulse's /login)
//   OIDC_PEOPLE_FILE     JSON {login: {"name": ..., "groups": [...]}}, read
//                        at every sign-in, so that a test can change a
//                        person's groups between two sign-ins
//   OIDC_KEY_ID          the signing key's id (a new id: a rotated key)
//   OIDC_CLAIMS_IN_ID_TOKEN  "1": the ID token carries every claim of the
//                        scopes asked for; otherwise (the standard) only
//                        `sub`, and the rest is at the userinfo endpoint
// Prints "provider at ISSUER" once it listens.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const issuer = new URL(env('OIDC_ISSUER'));
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: env('OIDC_KEY_ID'), use: 'sig', alg: 'RS256' };

const people = () => JSON.parse(readFileSync(env('OIDC_PEOPLE_FILE'), 'utf8'));
const SCOPES = 'openid profile email groups';

const provider = new Provider(issuer.origin, {
  clients: [{
    client_id: env('OIDC_CLIENT_ID'),
    client_secret: env('OIDC_CLIENT_SECRET'),
    redirect_uris: [env('OIDC_REDIRECT_URI')],
    post_logout_redirect_uris: [env('OIDC_LOGOUT_URI')],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  jwks: { keys: [signingKey] },
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email'],
    groups: ['groups'],
  },
  conformIdTokenClaims: process.env.OIDC_CLAIMS_IN_ID_TOKEN !== '1',
  // Every client must prove its code with PKCE.
  pkce: { required: () => true },
  cookies: { keys: ['the test provider cookie key'] },
  async findAccount(_ctx, id) {
    const person = people()[id];
    if (!person) return undefined;
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          name: person.name,
          preferred_username: id,
          email: `${id}@school.example`,
          groups: person.groups,
        };
      },
    };
  },
  // Pulse is the school's own application: no consent screen (as schools
  // set up their providers for first-party applications).
  async loadExistingGrant(ctx) {
    const { Grant } = ctx.oidc.provider;
    const clientId = ctx.oidc.client.clientId;
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(clientId);
    if (grantId) {
      const grant = await Grant.find(grantId);
      if (grant) return grant;
    }
    const grant = new Grant({ clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(SCOPES);
    await grant.save();
    return grant;
  },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
});
// The development sign-in form warns on every start; the tests know.
provider.on('server_error', (_ctx, error) => console.error('provider error:', error));

provider.listen(Number(issuer.port), issuer.hostname, () => {
  console.log(`provider at ${issuer.origin}`);
});
