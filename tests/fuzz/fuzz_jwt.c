/* libFuzzer target: token decoding and verification against a fixed JWKS (the demo RSA and
 * P-256 keys), and JWK parsing of whatever JSON the input is. */
#include "config.h"

#include "jose/jwk.h"
#include "jose/jwt.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char jwks_text[] =
    "{\"keys\":[{\"use\":\"sig\",\"kty\":\"RSA\",\"kid\":\"oXPpb3xM_g4lsznbFqCsmqpZI0kJxcRvoOal7Ih2O1U\",\"alg\":"
    "\"RS256\",\"n\":\"9S4pGXy4rAh5bI2wXBS-gDMPbgujVX5YuosAksOk7kSQn-MdPL4REmoyvH8RZh-ox7tBCrJ1TAeXkwUZacp3hdmHacoUTL"
    "jPCr3gm4FpQl-SjmCkomnerYiowgBDoHE6GpR12CLMBdFpjYVlEN-NbieCavUGC_m1si1idAH_5W0EEJ7OW4wAR_hDTwuSPZTcxOLEuV5JkznH4"
    "9b8VJztbk4Gfh_LMiJobaKvjQwKye0C4h5tR7ZzM7W2RkWpH5Pcc2plTEOpGCA6vrRIqhKzckvbI9TOvNs1k1pOvDN2hnexxaexF79ybwlavhAK"
    "r9b6rBRnvgMD9Sksdmvl9P9i0w\",\"e\":\"AQAB\"},{\"use\":\"sig\",\"kty\":\"EC\",\"kid\":\"aXQPDfzB9KRbk2j353TgilsLC"
    "ldLS19cVbEpBldo880\",\"crv\":\"P-256\",\"alg\":\"ES256\",\"x\":\"ZPoL7K2ofLFzHzXYRZJFMzbbik4MaogTCm1QDziSA-I\",\"y"
    "\":\"hVtgCxRuxMSe-jCRIRTbdDISVVDOBy-QReW8YxU-iV0\"}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_t *jwks;
	sao_err err;
	jwt *t;
	json_t *j;

	if (jwks == NULL)
		jwks = json_loads(jwks_text, 0, NULL);
	t = jwt_decode((const char *)data, size, &err);
	if (t != NULL) {
		(void)jwt_verify(t, jwks, &err);
		jwt_free(t);
	}
	j = json_loadb((const char *)data, size, 0, NULL);
	if (json_is_object(j)) {
		EVP_PKEY *pk = NULL;

		if (jwk_to_pkey(j, &pk, &err))
			EVP_PKEY_free(pk);
	}
	json_decref(j);
	return 0;
}
