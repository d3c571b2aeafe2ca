"""Verifies a certbody credential with PyJWT (a JOSE library that is not ours), reading only
the service's JWKS. Usage: verify_credential.py JWKS_FILE TOKEN_FILE. Prints the
certificate number; exits non-zero when the credential does not verify."""
import json
import sys

import jwt

jwks = json.load(open(sys.argv[1]))
token = open(sys.argv[2]).read().strip()
header = jwt.get_unverified_header(token)
if header.get("typ") != "vc+jwt":
    sys.exit(f"not a vc+jwt: {header}")
key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
claims = jwt.decode(token, jwt.PyJWK(key).key, algorithms=["EdDSA"])
print(claims["credentialSubject"]["certificateNumber"])
