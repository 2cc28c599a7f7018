#include "config.h"

#include "issuer/origin.h"

#include "aws/creds.h"
#include "aws/endpoint.h"
#include "aws/s3.h"
#include "issuer/retention.h"
#include "store/azblob.h"
#include "store/gcs.h"
#include "store/s3.h"

#include <stdlib.h>
#include <string.h>

struct origin {
	store st;
	aws_where where;
	aws_creds creds; /* s3://: the store reads them here */
};

static bool open_s3(origin *o, const origin_cfg *c, sao_err *err)
{
	s3_target t = {0};
	aws_endpoint ep;
	bool ok = false;

	if (!s3_parse_uri(c->uri, &t, err) ||
	    !aws_where_init(&o->where, c->region, c->fips, c->allow_unknown_region, err))
		goto out;
	if (o->where.region == NULL) {
		err_set(err, "%s: no region: give --region or set AWS_REGION (the bucket's)", c->uri);
		goto out;
	}
	ok = aws_endpoint_resolve(AWS_S3, o->where.region, &o->where.ep, &ep, err) &&
	     aws_creds_load(&o->creds, &o->where, err) && store_s3_open(&o->st, &t, &ep, &o->creds, false, err);
out:
	s3_target_clear(&t);
	return ok;
}

origin *origin_open(const origin_cfg *c, sao_err *err)
{
	origin *o = calloc(1, sizeof(*o));
	const char *source = NULL;
	char *issuer = NULL;
	strlist notes = {0};
	bool ok;

	if (o == NULL)
		return err_set(err, "out of memory"), NULL;
	if (strncmp(c->uri, "s3://", 5) != 0 && strncmp(c->uri, "azblob://", 9) != 0 &&
	    strncmp(c->uri, "gs://", 5) != 0) {
		err_set(err,
			"\"%s\" names no store: s3://BUCKET[/PREFIX], azblob://ACCOUNT/CONTAINER[/PREFIX] or "
			"gs://BUCKET[/PREFIX]",
			c->uri);
		origin_close(o);
		return NULL;
	}
	if (strncmp(c->uri, "azblob://", 9) == 0) {
		azblob_target t = {0};
		azblob_cfg ac = {NULL, c->issuer, false};

		ok = azblob_parse_uri(c->uri, &t, err) &&
		     store_azblob_open(&o->st, &t, &ac, &issuer, &source, &notes, err);
		azblob_target_clear(&t);
	} else if (strncmp(c->uri, "gs://", 5) == 0) {
		gcs_target t = {0};
		gcs_cfg gc = {c->issuer, false, false};

		ok = gcs_parse_uri(c->uri, &t, err) && store_gcs_open(&o->st, &t, &gc, &issuer, &source, &notes, err);
		gcs_target_clear(&t);
	} else {
		ok = open_s3(o, c, err);
	}
	free(issuer);
	strlist_clear(&notes);
	if (!ok) {
		origin_close(o);
		return NULL;
	}
	return o;
}

const store *origin_store(const origin *o)
{
	return &o->st;
}

json_t *origin_json(const origin *o, const char *path, char **version, sao_err *err)
{
	store_obj obj = {0};
	char *name = store_name(&o->st, path);
	json_t *j = NULL;

	if (name == NULL)
		err_set(err, "out of memory");
	else if (!store_get(&o->st, path, &obj, err))
		err_prefix(err, "%s: ", name);
	else if (!obj.found)
		err_set(err, "%s does not exist", name);
	else if ((j = json_loadb(obj.body != NULL ? obj.body : "", obj.len, 0, NULL)) == NULL)
		err_set(err, "%s is not JSON", name);
	if (j != NULL && version != NULL) {
		*version = obj.version;
		obj.version = NULL;
	}
	store_obj_clear(&obj);
	free(name);
	return j;
}

bool origin_state(const origin *o, json_t **state, sao_err *err)
{
	store_obj obj = {0};
	bool ok = false;

	*state = NULL;
	if (!store_get(&o->st, RTN_STATE_PATH, &obj, err)) {
		char *name = store_name(&o->st, RTN_STATE_PATH);

		err_prefix(err, "%s: ", name != NULL ? name : "the retention state");
		free(name);
	} else if (obj.found && (*state = json_loadb(obj.body != NULL ? obj.body : "", obj.len, 0, NULL)) == NULL) {
		char *name = store_name(&o->st, RTN_STATE_PATH);

		err_set(err, "%s: not JSON", name != NULL ? name : "the retention state");
		free(name);
	} else {
		ok = true;
	}
	store_obj_clear(&obj);
	return ok;
}

void origin_close(origin *o)
{
	if (o == NULL)
		return;
	store_close(&o->st);
	aws_creds_clear(&o->creds);
	aws_where_clear(&o->where);
	free(o);
}
