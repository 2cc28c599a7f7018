/* log: progress and diagnostic lines on stderr, as text or one JSON object per line.
 * Only commands and the server loop log; library modules return errors instead. */
#ifndef SAOIDC_LOG_H
#define SAOIDC_LOG_H

#include <stdbool.h>

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level;

void log_setup(log_level min, bool json);
bool log_set_format(const char *name);
void log_msg(log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* log_msg at LOG_INFO as a plain function, for callbacks that report progress. */
void log_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The access-log line of one HTTP request, at LOG_INFO. The fields come from the client: any
 * byte outside printable ASCII (and " and \) is written as \xNN, and each is cut at 512 bytes,
 * so a request can neither forge log lines nor break the JSON. user_agent may be NULL. */
void log_request(const char *client, const char *method, const char *path, unsigned status, const char *user_agent);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
