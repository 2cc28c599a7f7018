// A relying party against a running `saoidc serve`: openid-client discovers the issuer, then
// jose's createRemoteJWKSet fetches the served JWKS and verifies a token signed with the key.
// usage: node serve-client.mjs ISSUER PKCS8_KEY_FILE
import { readFileSync } from 'node:fs';
import { createHash, createPublicKey } from 'node:crypto';
import { Issuer, custom } from 'openid-client';
import { createRemoteJWKSet, importPKCS8, jwtVerify, SignJWT } from 'jose';

const [issuerUrl, keyFile] = process.argv.slice(2);
custom.setHttpOptionsDefaults({ timeout: 5000 });
const issuer = await Issuer.discover(issuerUrl);
if (issuer.issuer !== issuerUrl) throw new Error(`issuer mismatch: ${issuer.issuer}`);
console.log(`discovered ${issuer.issuer} jwks_uri=${issuer.metadata.jwks_uri}`);

const pem = readFileSync(keyFile, 'utf8');
const kid = createHash('sha256').update(createPublicKey(pem).export({ type: 'spki', format: 'der' })).digest('base64url');
const token = await new SignJWT({ sub: 'system:serviceaccount:default:demo' })
  .setProtectedHeader({ alg: 'RS256', kid })
  .setIssuer(issuerUrl).setAudience('sts.amazonaws.com').setIssuedAt().setExpirationTime('10m')
  .sign(await importPKCS8(pem, 'RS256'));
const jwks = createRemoteJWKSet(new URL(issuer.metadata.jwks_uri));
const { payload } = await jwtVerify(token, jwks, { issuer: issuerUrl, audience: 'sts.amazonaws.com' });
console.log(`verified ${payload.sub}`);
