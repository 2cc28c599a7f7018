#include "config.h"

#include "store/store.h"

#include "net/http.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

bool store_get(const store *s, const char *path, store_obj *o, sao_err *err)
{
	memset(o, 0, sizeof(*o));
	return s->ops->get(s->ctx, path, o, err);
}

bool store_put_obj(const store *s, const store_put *p, bool *lost, char **detail, sao_err *err)
{
	*lost = false;
	*detail = NULL;
	return s->ops->put(s->ctx, p, lost, detail, err);
}

char *store_name(const store *s, const char *path)
{
	return s->ops->name(s->ctx, path);
}

char *store_describe(const store *s, const store_put *p)
{
	return s->ops->describe(s->ctx, p);
}

bool store_refresh(const store *s, sao_err *err)
{
	return s->ops->refresh == NULL || s->ops->refresh(s->ctx, err);
}

void store_obj_clear(store_obj *o)
{
	if (o->body != NULL)
		OPENSSL_cleanse(o->body, o->len);
	free(o->body);
	free(o->version);
	free(o->content_type);
	free(o->cache_control);
	memset(o, 0, sizeof(*o));
}

bool store_obj_take(store_obj *o, char **body, size_t *len, char **version, char **content_type, char **cache_control,
		    const char *last_modified)
{
	o->found = true;
	o->body = *body != NULL ? *body : strdup("");
	o->len = *body != NULL ? *len : 0;
	o->version = *version;
	o->content_type = *content_type;
	o->cache_control = *cache_control;
	o->modified = last_modified != NULL ? (time_t)http_date(last_modified) : 0;
	*body = *version = *content_type = *cache_control = NULL;
	*len = 0;
	return o->body != NULL;
}

void store_close(store *s)
{
	if (s->ops != NULL && s->ops->close != NULL)
		s->ops->close(s->ctx);
	s->ops = NULL;
	s->ctx = NULL;
}
