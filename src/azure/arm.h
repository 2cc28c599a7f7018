/* arm: the Azure Resource Manager call `audit --azure-identity` makes, read-only: the federated
 * identity credentials of a user-assigned managed identity (Microsoft.ManagedIdentity, api-version
 * 2023-01-31), every page through nextLink -- which is followed only on the endpoint's own origin,
 * so the bearer token never goes elsewhere. */
#ifndef SAOIDC_AZ_ARM_H
#define SAOIDC_AZ_ARM_H

#include "util/err.h"

#include <jansson.h>
#include <stdbool.h>

#define AZ_ARM_ENDPOINT "https://management.azure.com"

/* /subscriptions/SUB/resourceGroups/RG/providers/Microsoft.ManagedIdentity/userAssignedIdentities/NAME */
bool az_identity_id_ok(const char *id);

/* Every federated identity credential of identity `id` ({"name", "properties": {"issuer",
 * "subject", "audiences"}} each) as a new array in *list, read at `endpoint` (Resource Manager's
 * https:// URL) with `token`. A refusal names the permission it lacks. */
bool az_arm_fics(const char *endpoint, const char *token, const char *id, json_t **list, sao_err *err);

#endif
