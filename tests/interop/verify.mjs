// Verifies tokens against saoidc's JWKS with node `jose` (createLocalJWKSet), checks that the
// token's kid equals the kid node's own crypto computes from the key, and signs a second token
// per key with `jose` for the Python side to verify.
// usage: node verify.mjs ISSUER JWKS_FILE TOKENS_IN TOKENS_OUT
import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createLocalJWKSet, jwtVerify, importPKCS8, SignJWT, decodeProtectedHeader } from 'jose';

const [issuer, jwksFile, tokensIn, tokensOut] = process.argv.slice(2);
const jwks = JSON.parse(readFileSync(jwksFile, 'utf8'));
const keySet = createLocalJWKSet(jwks);
const out = [];
const say = (ok, msg) => console.log(`${ok ? 'PASS' : 'FAIL'} ${msg}`);

for (const line of readFileSync(tokensIn, 'utf8').split('\n').filter(Boolean)) {
  const t = JSON.parse(line);
  const pem = readFileSync(t.file, 'utf8');
  const spki = createPublicKey(pem).export({ type: 'spki', format: 'der' });
  const kid = createHash('sha256').update(spki).digest('base64url');
  const name = t.file.split('/').pop();
  say(kid === t.kid && decodeProtectedHeader(t.token).kid === kid, `node: kid of ${name} computed by node crypto equals the token's`);
  try {
    const { payload } = await jwtVerify(t.token, keySet, { issuer, audience: 'sts.amazonaws.com', algorithms: [t.alg] });
    say(payload.sub === 'system:serviceaccount:default:demo', `node jose verifies the ${t.alg} python3-jwt token of ${name}`);
  } catch (e) {
    say(false, `node jose verifies the ${t.alg} python3-jwt token of ${name}: ${e.code || e.message}`);
  }
  const key = await importPKCS8(pem, t.alg);
  const token = await new SignJWT({ sub: 'system:serviceaccount:default:demo', 'kubernetes.io': { namespace: 'default' } })
    .setProtectedHeader({ alg: t.alg, kid })
    .setIssuer(issuer).setAudience(['sts.amazonaws.com']).setIssuedAt().setExpirationTime('1h')
    .sign(key);
  out.push(JSON.stringify({ file: t.file, kid, alg: t.alg, signer: 'node jose', token }));
}
writeFileSync(tokensOut, out.join('\n') + '\n');
