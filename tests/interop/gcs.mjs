// Google's own Cloud Storage client (@google-cloud/storage) as the reference reader for the GCS
// tests, against the stand-in (STORAGE_EMULATOR_HOST), with the access token in GCS_TOKEN (the
// test gets one from the stand-in's OAuth endpoint by its own JWT grant).
//   read BUCKET NAME    {"body","contentType","cacheControl","generation"}, or {"missing":true}
import { Storage } from "@google-cloud/storage";
import { OAuth2Client } from "google-auth-library";

// The library would take STORAGE_EMULATOR_HOST as its whole base URL; give it the host instead.
const endpoint = process.env.STORAGE_EMULATOR_HOST;
delete process.env.STORAGE_EMULATOR_HOST;
const auth = new OAuth2Client();
auth.setCredentials({ access_token: process.env.GCS_TOKEN, expiry_date: Date.now() + 3600e3 });
const storage = new Storage({
  apiEndpoint: endpoint, useAuthWithCustomEndpoint: true, authClient: auth,
  projectId: "proj",
});
const [cmd, bucket, name] = process.argv.slice(2);
if (cmd !== "read") {
  console.error("usage: gcs.mjs read BUCKET NAME");
  process.exit(2);
}
const file = storage.bucket(bucket).file(name);
try {
  const [meta] = await file.getMetadata();
  const [body] = await file.download();
  console.log(JSON.stringify({ body: body.toString(), contentType: meta.contentType,
    cacheControl: meta.cacheControl, generation: meta.generation }));
} catch (e) {
  if (e.code !== 404) throw e;
  console.log(JSON.stringify({ missing: true }));
}
