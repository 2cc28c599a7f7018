// Microsoft's own Blob client (@azure/storage-blob) as the reference reader and writer for the
// Azure tests, against Azurite. The account comes from AZURE_STORAGE_CONNECTION_STRING.
//   create CONTAINER [blob|container]   a container, with that public access level (or private)
//   sas CONTAINER                       a container SAS (read, write, create) for an hour
//   read CONTAINER BLOB                 {"body","contentType","cacheControl","etag"}, or {"missing":true}
//   anon URL                            reads a blob's URL without credentials: {"status","body"}
//   put CONTAINER BLOB TEXT             writes a blob (application/json)
//   list CONTAINER                      the blob names, one per line
import {
  BlobServiceClient, BlobClient, ContainerSASPermissions, generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from "@azure/storage-blob";

const cs = process.env.AZURE_STORAGE_CONNECTION_STRING;
const svc = BlobServiceClient.fromConnectionString(cs);
const [cmd, a, b, c] = process.argv.slice(2);
const text = async (stream) => {
  const parts = [];
  for await (const p of stream) parts.push(p);
  return Buffer.concat(parts).toString();
};

if (cmd === "create") {
  await svc.getContainerClient(a).create(b ? { access: b } : {});
} else if (cmd === "sas") {
  const kv = Object.fromEntries(cs.split(";").filter(Boolean).map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]));
  const cred = new StorageSharedKeyCredential(kv.AccountName, kv.AccountKey);
  const sas = generateBlobSASQueryParameters({
    containerName: a, permissions: ContainerSASPermissions.parse("rwc"),
    startsOn: new Date(Date.now() - 300e3), expiresOn: new Date(Date.now() + 3600e3),
  }, cred);
  console.log(sas.toString());
} else if (cmd === "read") {
  const blob = svc.getContainerClient(a).getBlobClient(b);
  try {
    const r = await blob.download();
    console.log(JSON.stringify({ body: await text(r.readableStreamBody), contentType: r.contentType,
      cacheControl: r.cacheControl, etag: r.etag }));
  } catch (e) {
    if (e.statusCode !== 404) throw e;
    console.log(JSON.stringify({ missing: true }));
  }
} else if (cmd === "anon") {
  try {
    const r = await new BlobClient(a).download();
    console.log(JSON.stringify({ status: 200, body: await text(r.readableStreamBody) }));
  } catch (e) {
    console.log(JSON.stringify({ status: e.statusCode, code: e.code }));
  }
} else if (cmd === "put") {
  await svc.getContainerClient(a).getBlockBlobClient(b).upload(c, Buffer.byteLength(c),
    { blobHTTPHeaders: { blobContentType: "application/json" } });
} else if (cmd === "list") {
  for await (const x of svc.getContainerClient(a).listBlobsFlat()) console.log(x.name);
} else {
  console.error("usage: azblob.mjs create|sas|read|anon|put|list ...");
  process.exit(2);
}
