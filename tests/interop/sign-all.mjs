// Signs a token with node jose for every algorithm, with the keys tokens.py wrote and the kid
// node's own crypto computes. usage: node sign-all.mjs DIR ISSUER
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash, createPublicKey } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';

const [dir, issuer] = process.argv.slice(2);
for (const alg of ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512']) {
  const pem = readFileSync(`${dir}/${alg}.pem`, 'utf8');
  const kid = createHash('sha256').update(createPublicKey(pem).export({ type: 'spki', format: 'der' })).digest('base64url');
  const token = await new SignJWT({ sub: 'system:serviceaccount:default:demo' })
    .setProtectedHeader({ alg, kid })
    .setIssuer(issuer).setAudience(['sts.amazonaws.com']).setIssuedAt().setExpirationTime('1h')
    .sign(await importPKCS8(pem, alg));
  writeFileSync(`${dir}/node-${alg}.jwt`, token + '\n');
}
