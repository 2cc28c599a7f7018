#include "config.h"

#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "issuer/publish.h"
#include "issuer/register.h"
#include "issuer/sync.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char cmd_publish_help[] =
    "Usage: saoidc publish --key PATH [--key PATH ...] STORE [OPTIONS]\n"
    "       saoidc publish --key PATH... --cluster NAME STORE [OPTIONS]\n"
    "       saoidc publish --retire-cluster NAME STORE [OPTIONS]\n"
    "STORE: s3://BUCKET[/PREFIX], azblob://ACCOUNT/CONTAINER[/PREFIX] or gs://BUCKET[/PREFIX]\n"
    "\n"
    "Upload the issuer documents to S3, Azure Blob or Cloud Storage so that STS can fetch them:\n"
    "  PREFIX/keys.json (or PREFIX/<jwks-path>) and PREFIX/.well-known/openid-configuration,\n"
    "the JWKS first, so the discovery document never points at a missing key set. Objects whose\n"
    "content and headers are already right are not uploaded again. The issuer is printed on\n"
    "stdout: it is what goes into the API server's --service-account-issuer.\n"
    "\n"
    "  -k, --key PATH             signing key(s), as for `saoidc jwks`\n"
    "  -i, --issuer URL           issuer (default https://BUCKET.s3.REGION.DNS-SUFFIX[/PREFIX], or\n"
    "                             path-style https://s3.REGION.DNS-SUFFIX/BUCKET[/PREFIX] for a bucket\n"
    "                             with dots; DNS-SUFFIX is the partition's, e.g. amazonaws.com.cn;\n"
    "                             https://ACCOUNT.blob.core.windows.net/CONTAINER[/PREFIX] for a\n"
    "                             public container; https://storage.googleapis.com/BUCKET[/PREFIX]).\n"
    "                             Required for azblob://ACCOUNT/$web, the static website: its host\n"
    "                             https://ACCOUNT.zNN.web.core.windows.net depends on the account\n"
    "      --region REGION        bucket region (default: AWS_REGION, AWS_DEFAULT_REGION, profile);\n"
    "                             it picks the partition: aws, aws-cn, aws-us-gov, aws-iso, ...\n"
    "      --allow-unknown-region take a region newer than this saoidc\n"
    "      --fips                 FIPS endpoints for S3, STS and IAM (also AWS_USE_FIPS_ENDPOINT=true;\n"
    "                             AWS_USE_DUALSTACK_ENDPOINT=true picks dual-stack S3 and STS)\n"
    "      --acl public-read|none S3: public-read (default) sends x-amz-acl: public-read; use none\n"
    "                             for buckets with ACLs disabled and a bucket policy (saoidc\n"
    "                             s3-policy). gs://: none (default) for uniform bucket-level access\n"
    "                             with allUsers as objectViewer; public-read for predefinedAcl\n"
    "                             publicRead on each document (fine-grained access)\n"
    "      --endpoint-suffix SUFFIX  azblob://: the cloud's storage suffix (default\n"
    "                             core.windows.net; core.chinacloudapi.cn, core.usgovcloudapi.net)\n"
    "      --cache-control VALUE  Cache-Control of the objects (default \"public, max-age=3600\")\n"
    "      --jwks-path PATH       JWKS path under the issuer (default /keys.json)\n"
    "      --legacy-empty-kid     also publish each key with \"kid\": \"\"\n"
    "      --discovery-style kube|eks\n"
    "                             kube (default): kube-apiserver's five-member discovery\n"
    "                             document, byte for byte; eks: with EKS's authorization_endpoint\n"
    "                             and claims_supported\n"
    "      --from-apiserver       publish the API server's own JWKS (its bytes) instead of --key;\n"
    "                             with an ExternalJWTSigner (Kubernetes 1.32+) the signer picks\n"
    "                             the kids, and this is the only correct source\n"
    "      --retain DURATION      keep publishing a key for DURATION after it leaves the source\n"
    "                             (default 25h: the longest default token lifetime, 24h, plus\n"
    "                             an hour of JWKS caching; 0 drops it at once). The state lives\n"
    "                             next to the documents, in PREFIX/.saoidc/retention.json, written\n"
    "                             with S3 conditional writes so concurrent publishers agree\n"
    "      --revoke KID           withdraw this published key now and for good (repeatable): it\n"
    "                             leaves the JWKS and the retention state, and later runs (a\n"
    "                             running --watch too: SIGHUP makes it publish at once) refuse a\n"
    "                             source that holds it again. Refused while the source still\n"
    "                             holds it (rotate first). For a compromised or mistaken key\n"
    "      --cluster NAME         one issuer shared by several clusters: these keys are cluster\n"
    "                             NAME's; the run replaces only NAME's keys (its old ones enter\n"
    "                             retention) and keeps every other cluster's. A kid another cluster\n"
    "                             owns is refused, and the cap (64 keys) counts them all. Once a\n"
    "                             state holds clusters, a run without --cluster is refused\n"
    "      --retire-cluster NAME  every key of cluster NAME enters retention (no --key; with\n"
    "                             --retain 0 they go now): a cluster taken down for good\n"
    "      --allow-certificate    accept a certificate's public key as a signing key\n"
    "      --watch                keep running: read the source again when key files change (a\n"
    "                             Secret volume too), on SIGHUP and every --interval, and publish\n"
    "                             only when the documents change; retained keys expire on time;\n"
    "                             failures are retried with backoff. /healthz, /readyz (200 once a\n"
    "                             pass succeeded, 503 while failing) and /metrics on --status-listen\n"
    "      --interval DURATION    with --watch (default 60s)\n"
    "      --status-listen HOST:PORT  with --watch (default 127.0.0.1:9090)\n"
    "      --force                upload even when the objects are already up to date\n"
    "      --dry-run              print the requests that would be made and the keys that would be\n"
    "                             added, kept, dropped or revoked; writes nothing. Credentials are\n"
    "                             used, when there are any, to read the retention state\n"
    "      --private              keep the bucket private and serve it through CloudFront: the bucket\n"
    "                             gets Block Public Access and ACLs disabled, CloudFront an origin\n"
    "                             access control, a distribution (found again on later runs, never\n"
    "                             made twice) and the one bucket policy statement letting it read\n"
    "                             PREFIX; the issuer is https://DISTRIBUTION.cloudfront.net/PREFIX.\n"
    "                             Changed documents are invalidated. Needs credentials, even with\n"
    "                             --dry-run (which reads, and prints the writes it would make)\n"
    "      --domain HOST          with --private: the issuer's host instead of CloudFront's; the\n"
    "                             CNAME record to create is printed\n"
    "      --certificate-arn ARN  with --domain: an ACM certificate for HOST in us-east-1\n"
    "      --create-bucket        create the bucket when it does not exist, set up for the mode:\n"
    "                             --private: Block Public Access on, ACLs disabled; --acl none:\n"
    "                             ACLs disabled, public policies allowed, the s3-policy statement;\n"
    "                             --acl public-read: ACLs enabled (ObjectWriter), public ACLs\n"
    "                             allowed. An existing bucket's settings are left as they are\n"
    "      --wait                 with --private: wait (progress on stderr) until the distribution is\n"
    "                             deployed and the invalidation done\n"
    "      --wait-timeout SECONDS with --wait (default 1800)\n"
    "      --register             then register the issuer with IAM, as `saoidc register` does\n"
    "                             (--client-id, --thumbprint, --tag, --prune, --connect-to,\n"
    "                             --ca-file apply; client IDs are added, removed only with --prune)\n"
    "  -h, --help                 show this help\n"
    "\n"
    "S3 credentials, in the AWS SDKs' order: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY[/AWS_SESSION_TOKEN];\n"
    "AWS_PROFILE with ~/.aws/credentials and ~/.aws/config; AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE\n"
    "(STS AssumeRoleWithWebIdentity); container credentials; EC2 instance metadata (IMDSv2).\n"
    "Endpoints: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL_IAM or AWS_ENDPOINT_URL (S3\n"
    "path-style); requests stay signed for the region's partition.\n"
    "Azure: AZURE_STORAGE_CONNECTION_STRING (BlobEndpoint= for an emulator or private endpoint);\n"
    "AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN; Microsoft Entra ID: AZURE_TENANT_ID, AZURE_CLIENT_ID\n"
    "with AZURE_FEDERATED_TOKEN_FILE (workload identity) or AZURE_CLIENT_SECRET (doc/guide-azure.md).\n"
    "Google: GOOGLE_APPLICATION_CREDENTIALS (service account key, or external_account: workload\n"
    "identity federation with the pod's own token); gcloud's application default credentials; the\n"
    "GCE/GKE metadata server; STORAGE_EMULATOR_HOST points the calls elsewhere (doc/guide-gcs.md).\n"
    "PREFIX may hold letters, digits, '-', '.', '_', '~' and '/' only, so that the object keys, the\n"
    "issuer and jwks_uri are the same string for S3, STS and every HTTP client.\n" CLI_HELP_KEY_SOURCES;

enum {
	OPT_ACL = OPT_CMD_BASE,
	OPT_CACHE,
	OPT_FORCE,
	OPT_DRY,
	OPT_REGISTER,
	OPT_PRIVATE,
	OPT_DOMAIN,
	OPT_CERT_ARN,
	OPT_CREATE_BUCKET,
	OPT_WAIT,
	OPT_WAIT_TIMEOUT,
	OPT_RETAIN,
	OPT_WATCH,
	OPT_INTERVAL,
	OPT_STATUS_LISTEN,
	OPT_SUFFIX
};

typedef struct pub_opts {
	const char *acl, *cache_control, *endpoint_suffix;
	const char *domain, *certificate_arn;
	bool force, dry_run, do_register, private_, create_bucket, wait, acl_given;
	unsigned wait_timeout;
	long retain_s;
	bool watch;
	long interval_s;
	const char *status_listen;
	reg_opts reg; /* --register's options */
} pub_opts;

static bool pub_opt(void *ctx, int c, const char *arg, int *code)
{
	pub_opts *p = ctx;

	switch (c) {
	case OPT_ACL:
		if (strcmp(arg, "public-read") != 0 && strcmp(arg, "none") != 0)
			*code = cli_usage_error("publish", "--acl takes public-read or none, not '%s'", arg);
		p->acl = arg;
		p->acl_given = true;
		return true;
	case OPT_PRIVATE:
		p->private_ = true;
		return true;
	case OPT_DOMAIN:
		p->domain = arg;
		return true;
	case OPT_CERT_ARN:
		p->certificate_arn = arg;
		return true;
	case OPT_CREATE_BUCKET:
		p->create_bucket = true;
		return true;
	case OPT_WAIT:
		p->wait = true;
		return true;
	case OPT_RETAIN:
		if (!retain_parse_duration(arg, &p->retain_s))
			*code = cli_usage_error("publish",
						"--retain takes a duration such as 25h, 90m, 30s or 0, not '%s'", arg);
		return true;
	case OPT_WATCH:
		p->watch = true;
		return true;
	case OPT_INTERVAL:
		if (!retain_parse_duration(arg, &p->interval_s) || p->interval_s < 1)
			*code = cli_usage_error(
			    "publish", "--interval takes a duration of at least 1s (e.g. 60s, 5m), not '%s'", arg);
		return true;
	case OPT_STATUS_LISTEN:
		p->status_listen = arg;
		return true;
	case OPT_SUFFIX:
		p->endpoint_suffix = arg;
		return true;
	case OPT_WAIT_TIMEOUT:
		cli_uint("publish", "--wait-timeout", "seconds", arg, 1, 86400, &p->wait_timeout, code);
		return true;
	case OPT_CACHE:
		p->cache_control = arg;
		return true;
	case OPT_FORCE:
		p->force = true;
		return true;
	case OPT_DRY:
		p->dry_run = true;
		return true;
	case OPT_REGISTER:
		p->do_register = true;
		return true;
	default:
		return cli_reg_opt(&p->reg, c, arg, code);
	}
}

/* publish --watch: the source read again for each pass. */
static bool watch_source(void *ctx, docs *d, sao_err *err)
{
	size_t n = 0;

	return cli_build_docs(ctx, d, &n, err);
}

/* publish --watch after the first pass: issuer/sync until stopped. */
static int watch(const pub_opts *p, cli_opts *o, pub_site *site, size_t keys)
{
	sao_err err = {""};
	sync_cfg sc = {site,
		       &o->docs,
		       (const char *const *)o->keys,
		       o->nkeys,
		       &o->kube,
		       o->from_apiserver,
		       p->interval_s,
		       p->status_listen,
		       keys,
		       watch_source,
		       o};

	return sync_watch(&sc, &err) ? EXIT_SUCCESS : cli_fail(&err);
}

/* The combinations publish refuses before anything is read. -1: none; else the exit code. */
static int usage_checks(pub_opts *p, const cli_opts *o)
{
	if (p->private_) {
		if (o->docs.issuer != NULL)
			return cli_usage_error("publish",
					       "--private makes the issuer (the distribution's domain, or --domain): "
					       "drop --issuer");
		if (p->acl_given && strcmp(p->acl, "none") != 0)
			return cli_usage_error("publish",
					       "--private uploads without ACLs (the bucket has them disabled): "
					       "drop --acl %s",
					       p->acl);
		p->acl = "none";
	} else if (p->domain != NULL || p->certificate_arn != NULL || p->wait) {
		return cli_usage_error("publish", "--domain, --certificate-arn and --wait go with --private");
	}
	if (p->watch && o->retire_cluster)
		return cli_usage_error("publish", "--retire-cluster is one run: without --watch");
	if (p->watch && (p->dry_run || p->do_register))
		return cli_usage_error("publish",
				       "--watch runs until stopped: without --dry-run, and without --register "
				       "(register once with `saoidc register`)");
	return -1;
}

/* publish --register, after the documents: the provider ARN on stdout. */
static bool do_register(pub_opts *p, const pub_site *site, sao_err *err)
{
	char *arn = NULL;

	p->reg.dry_run = p->dry_run;
	if (!reg_run(pub_issuer(site), &p->reg, pub_where(site), &arn, err))
		return false;
	if (arn != NULL)
		printf("%s\n", arn);
	free(arn);
	return true;
}

const struct option cmd_publish_options[] = {CLI_OPTS_DOCS,
					     {"acl", required_argument, NULL, OPT_ACL},
					     {"cache-control", required_argument, NULL, OPT_CACHE},
					     {"force", no_argument, NULL, OPT_FORCE},
					     {"dry-run", no_argument, NULL, OPT_DRY},
					     {"register", no_argument, NULL, OPT_REGISTER},
					     {"private", no_argument, NULL, OPT_PRIVATE},
					     {"domain", required_argument, NULL, OPT_DOMAIN},
					     {"certificate-arn", required_argument, NULL, OPT_CERT_ARN},
					     {"create-bucket", no_argument, NULL, OPT_CREATE_BUCKET},
					     {"wait", no_argument, NULL, OPT_WAIT},
					     {"wait-timeout", required_argument, NULL, OPT_WAIT_TIMEOUT},
					     {"retain", required_argument, NULL, OPT_RETAIN},
					     CLI_OPT_REVOKE,
					     CLI_OPT_FLEET,
					     {"watch", no_argument, NULL, OPT_WATCH},
					     {"interval", required_argument, NULL, OPT_INTERVAL},
					     {"status-listen", required_argument, NULL, OPT_STATUS_LISTEN},
					     {"endpoint-suffix", required_argument, NULL, OPT_SUFFIX},
					     REG_OPTS_CORE,
					     CLI_OPT_CONNECT_TO,
					     CLI_OPT_CA_FILE,
					     CLI_OPT_AWS,
					     CLI_OPT_HELP,
					     CLI_OPT_END};

int cmd_publish(int argc, char **argv)
{
	pub_opts p = {.acl = "public-read",
		      .cache_control = "public, max-age=3600",
		      .wait_timeout = 1800,
		      .retain_s = RETAIN_DEFAULT_S,
		      .interval_s = 60,
		      .status_listen = "127.0.0.1:9090"};
	cli_opts o = {.positional = "the store (s3://BUCKET[/PREFIX], azblob://ACCOUNT/CONTAINER[/PREFIX] or "
				    "gs://BUCKET[/PREFIX])"};
	sao_err err = {""};
	key_set *keys = NULL;
	pub_site *site = NULL;
	docs d = {0};
	size_t nkeys = 0;
	int changed = 0, rc = cli_parse("publish", cmd_publish_help, argc, argv, cmd_publish_options, &o, pub_opt, &p,
					1, CLI_NEED_KEY);

	if (rc >= 0 || (rc = usage_checks(&p, &o)) >= 0)
		goto out;
	/* Bad keys are refused before anything is read from, or made in, AWS. */
	if (!o.from_apiserver && !o.retire_cluster && (keys = cli_load_keys(&o, &err)) == NULL)
		goto fail;
	if (p.retain_s == 0)
		cli_warn_no_retention();
	{
		pub_cfg pc = {{p.acl_given || p.private_ ? p.acl : NULL, p.cache_control, p.force, p.dry_run},
			      p.private_,
			      p.domain,
			      p.certificate_arn,
			      p.create_bucket,
			      p.wait,
			      p.wait_timeout,
			      p.retain_s,
			      &o.revoke,
			      o.cluster,
			      o.retire_cluster,
			      o.region,
			      o.fips,
			      o.allow_unknown_region,
			      p.endpoint_suffix};

		if ((site = pub_open(&pc, argv[o.argi], o.docs.issuer, &err)) == NULL)
			goto fail;
	}
	o.docs.issuer = pub_issuer(site);
	if (!(keys != NULL ? cli_render_docs(&o, keys, &d, &err) : cli_build_docs(&o, &d, &nkeys, &err)) ||
	    !pub_pass(site, &o.docs, &d, &changed, &nkeys, &err)) {
		if (err.msg[0] != '\0')
			goto fail;
		rc = EXIT_FAILURE; /* logged already */
		goto out;
	}
	if (!p.dry_run)
		log_info("%s; issuer %s", changed > 0 ? "published" : "already up to date", o.docs.issuer);
	/* The issuer, then the provider ARN with --register; with --private the issuer comes last,
	 * so that scripts take the last line as the (new, CloudFront) issuer. */
	if (!p.private_)
		printf("%s\n", o.docs.issuer);
	if (p.watch) {
		rc = cli_flush(&err) ? watch(&p, &o, site, nkeys) : cli_fail(&err);
		goto out;
	}
	if (p.do_register && !do_register(&p, site, &err)) {
		fflush(stdout);
		goto fail;
	}
	if (p.private_)
		printf("%s\n", o.docs.issuer);
	rc = cli_flush(&err) ? EXIT_SUCCESS : cli_fail(&err);
	goto out;
fail:
	rc = cli_fail(&err);
out:
	docs_clear(&d);
	reg_opts_clear(&p.reg);
	key_set_free(keys);
	pub_close(site);
	cli_opts_free(&o);
	return rc;
}
