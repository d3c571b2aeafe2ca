//! Access tokens: HS256 JWTs with pinned algorithm and checked exp, iat, iss and aud.

use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::Role;
use crate::cache::ExpiringCache;
use crate::error::{AppError, AppResult};

/// How many verified tokens each instance remembers.
const VERIFIED_TOKENS: usize = 10_000;

/// Audience of access tokens; a token minted for anything else is refused.
pub const AUDIENCE: &str = "certbody-api";
const ALGORITHM: Algorithm = Algorithm::HS256;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: String,
    pub role: Role,
    /// The client organisation, for applicants.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub org: Option<String>,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    /// Issue time in milliseconds: `iat` has whole seconds, too coarse to tell a token from a
    /// deactivation in the same second.
    pub iat_ms: i64,
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    ttl: Duration,
    /// Tokens this process verified, until their expiry: a client's next request skips the
    /// signature check and the parsing of the claims. A token gets in only after a full
    /// check with this process's key, which does not change while it runs. (Whether the
    /// account is still active is checked on every request, by the caller check.)
    verified: ExpiringCache<Claims>,
}

impl TokenKeys {
    pub fn new(secret: &[u8], issuer: &str, ttl: Duration) -> TokenKeys {
        let mut validation = Validation::new(ALGORITHM);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 30;
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: issuer.to_owned(),
            ttl,
            verified: ExpiringCache::new(VERIFIED_TOKENS),
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    pub fn issue(
        &self,
        user_id: &str,
        role: Role,
        organisation_id: Option<&str>,
    ) -> AppResult<String> {
        let issued = chrono::Utc::now();
        let now = issued.timestamp();
        let claims = Claims {
            sub: user_id.to_owned(),
            role,
            org: organisation_id.map(str::to_owned),
            iss: self.issuer.clone(),
            aud: AUDIENCE.to_owned(),
            iat: now,
            exp: now + self.ttl.as_secs() as i64,
            iat_ms: issued.timestamp_millis(),
        };
        jsonwebtoken::encode(&Header::new(ALGORITHM), &claims, &self.encoding)
            .map_err(AppError::internal)
    }

    /// Decodes and checks a token; every failure is the same 401 to the caller.
    pub fn verify(&self, token: &str) -> AppResult<Claims> {
        let now = Instant::now();
        if let Some(claims) = self.verified.get(token, now) {
            return Ok(claims);
        }
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|err| {
                tracing::debug!(error = %err, "access token refused");
                AppError::Unauthorized("the access token is invalid or expired".into())
            })?;
        // Served from memory only until `exp`, without the leeway the full check allows.
        let left = claims.exp - chrono::Utc::now().timestamp();
        if left > 0 {
            let until = now + Duration::from_secs(left as u64);
            self.verified.put(token, claims.clone(), until, now);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &[u8]) -> TokenKeys {
        TokenKeys::new(secret, "http://issuer.test", Duration::from_secs(60))
    }

    #[test]
    fn a_token_verifies_only_with_its_own_key_and_issuer() {
        let token = keys(b"one secret")
            .issue("u1", Role::Auditor, None)
            .unwrap();
        let claims = keys(b"one secret").verify(&token).unwrap();
        assert_eq!((claims.sub.as_str(), claims.role), ("u1", Role::Auditor));
        assert!(keys(b"another secret").verify(&token).is_err());
        let other_issuer =
            TokenKeys::new(b"one secret", "http://elsewhere", Duration::from_secs(60));
        assert!(other_issuer.verify(&token).is_err());
    }
}
