/* ini: the AWS CLI's shared files, read as the SDKs read them: ~/.aws/credentials
 * (AWS_SHARED_CREDENTIALS_FILE) and ~/.aws/config (AWS_CONFIG_FILE, sections "profile NAME",
 * "default" and "sso-session NAME"). Values are malloc'd (free them; they may be secrets). */
#ifndef SAOIDC_INI_H
#define SAOIDC_INI_H

#include <stdbool.h>
#include <stddef.h>

/* A file the environment variable names, else HOME/rel; malloc'd, NULL without HOME. */
char *aws_ini_home_file(const char *env, const char *rel);

/* The value of `key` in `[section]` of a file held in memory; malloc'd, or NULL. */
char *aws_ini_lookup(const char *text, size_t len, const char *section, const char *key);

/* The profile in use: AWS_PROFILE, or "default". */
const char *aws_ini_profile(void);

/* `key` of the profile in use, from the config file. */
char *aws_ini_config(const char *key);

/* `key` of profile `name`: the credentials file's [NAME] first, then the config file's. */
char *aws_ini_profile_get(const char *name, const char *key);
bool aws_ini_profile_has(const char *name, const char *key);

/* `key` of the config file's [sso-session NAME]. */
char *aws_ini_sso_session(const char *session, const char *key);

#endif
