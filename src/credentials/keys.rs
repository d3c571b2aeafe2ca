//! The CB's credential-signing keys (Ed25519): the current one signs, every one ever used
//! stays published (JWKS and did:web), each named by its RFC 7638 thumbprint.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey};
use ed25519_dalek::{SigningKey, VerifyingKey};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};

pub struct SigningKeys {
    current: (String, EncodingKey),
    /// Every published key, the current one first.
    published: Vec<(String, VerifyingKey)>,
    /// `did:web:…` of the CB, from its public URL.
    pub did: String,
}

/// The RFC 7638 thumbprint of an Ed25519 public key: its key id.
fn thumbprint(key: &VerifyingKey) -> String {
    let x = URL_SAFE_NO_PAD.encode(key.as_bytes());
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// `did:web` of the public URL's host: `https://cb.example:8443/x` → `did:web:cb.example%3A8443`.
/// Such a DID resolves to `/.well-known/did.json` at the host's root, where the service
/// serves it: behind a path prefix, the proxy must pass that one path through.
pub fn did_web(public_url: &str) -> String {
    let rest = public_url
        .split_once("://")
        .map_or(public_url, |(_, rest)| rest);
    let host = rest.split('/').next().unwrap_or(rest);
    format!("did:web:{}", host.replace(':', "%3A"))
}

impl SigningKeys {
    /// The current key from PKCS#8 PEM and the earlier ones (private or public PEM).
    pub fn from_pem(
        current: &str,
        earlier: &[String],
        public_url: &str,
    ) -> Result<SigningKeys, String> {
        let signing = SigningKey::from_pkcs8_pem(current)
            .map_err(|e| format!("the signing key is not an Ed25519 PKCS#8 PEM: {e}"))?;
        let mut keys = SigningKeys::with(signing, public_url)?;
        for pem in earlier {
            let key = SigningKey::from_pkcs8_pem(pem)
                .map(|k| k.verifying_key())
                .or_else(|_| VerifyingKey::from_public_key_pem(pem))
                .map_err(|e| format!("an earlier signing key is not an Ed25519 PEM: {e}"))?;
            keys.published.push((thumbprint(&key), key));
        }
        Ok(keys)
    }

    /// A fresh key, for development runs without a configured one.
    pub fn generate(public_url: &str) -> Result<SigningKeys, String> {
        let mut seed = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut seed);
        SigningKeys::with(SigningKey::from_bytes(&seed), public_url)
    }

    fn with(signing: SigningKey, public_url: &str) -> Result<SigningKeys, String> {
        let verifying = signing.verifying_key();
        let kid = thumbprint(&verifying);
        let der = signing.to_pkcs8_der().map_err(|e| e.to_string())?;
        Ok(SigningKeys {
            current: (kid.clone(), EncodingKey::from_ed_der(der.as_bytes())),
            published: vec![(kid, verifying)],
            did: did_web(public_url),
        })
    }

    fn jwk((kid, key): &(String, VerifyingKey)) -> Value {
        json!({"kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(key.as_bytes()),
            "kid": kid, "alg": "EdDSA", "use": "sig"})
    }

    /// Every published key, as `/.well-known/jwks.json` serves it.
    pub fn jwks(&self) -> Value {
        json!({"keys": self.published.iter().map(Self::jwk).collect::<Vec<_>>()})
    }

    /// The `did:web` document naming the same keys.
    pub fn did_document(&self) -> Value {
        let methods: Vec<Value> = self
            .published
            .iter()
            .map(|key| {
                json!({"id": format!("{}#{}", self.did, key.0), "type": "JsonWebKey2020",
                    "controller": self.did, "publicKeyJwk": Self::jwk(key)})
            })
            .collect();
        let ids: Vec<Value> = methods.iter().map(|m| m["id"].clone()).collect();
        json!({"@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"],
            "id": self.did, "verificationMethod": methods, "assertionMethod": ids})
    }

    /// Checks a credential JWT's EdDSA signature against the key its `kid` names among every
    /// key we published: its claims, or why it does not verify.
    pub fn verify(&self, token: &str) -> Result<Value, String> {
        let parts: Vec<&str> = token.trim().split('.').collect();
        let [header, payload, signature] = parts[..] else {
            return Err("not a JWT: three dot-separated parts are expected".into());
        };
        let json = |part: &str| -> Result<Value, String> {
            URL_SAFE_NO_PAD
                .decode(part)
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                .ok_or_else(|| "not a JWT: a part is not base64url JSON".to_owned())
        };
        let head = json(header)?;
        if head["alg"] != "EdDSA" {
            return Err("not signed with EdDSA, which this certification body uses".into());
        }
        let key = head["kid"]
            .as_str()
            .and_then(|kid| self.published.iter().find(|(id, _)| id == kid))
            .ok_or("signed with a key this certification body never published")?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .ok()
            .and_then(|bytes| ed25519_dalek::Signature::from_slice(&bytes).ok())
            .ok_or("the signature is malformed")?;
        key.1
            .verify_strict(format!("{header}.{payload}").as_bytes(), &signature)
            .map_err(|_| {
                "the signature does not match: the credential was altered or is not ours"
            })?;
        json(payload)
    }

    /// Signs a credential as a VC-JOSE-COSE JWT (`typ: vc+jwt`, the key's `kid`).
    pub fn sign(&self, credential: &Value) -> AppResult<String> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some("vc+jwt".into());
        header.kid = Some(self.current.0.clone());
        jsonwebtoken::encode(&header, credential, &self.current.1).map_err(AppError::internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_web_names_the_host_with_its_port() {
        assert_eq!(did_web("https://cb.example"), "did:web:cb.example");
        assert_eq!(
            did_web("http://127.0.0.1:8080/"),
            "did:web:127.0.0.1%3A8080"
        );
        // A path prefix is not part of the DID: did.json is served at the host's root.
        assert_eq!(did_web("https://cb.example/certs/v1"), "did:web:cb.example");
    }

    #[test]
    fn earlier_keys_stay_published() {
        let old = SigningKey::from_bytes(&[7u8; 32]);
        let new = SigningKey::from_bytes(&[9u8; 32]);
        let pem = |k: &SigningKey| k.to_pkcs8_pem(Default::default()).unwrap().to_string();
        let keys = SigningKeys::from_pem(&pem(&new), &[pem(&old)], "https://cb.example").unwrap();
        let jwks = keys.jwks();
        assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
        assert_eq!(jwks["keys"][0]["kid"], thumbprint(&new.verifying_key()));
        assert_eq!(
            keys.did_document()["assertionMethod"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }
}
