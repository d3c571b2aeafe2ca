//! Watching certificates: the events relying parties receive, Standard Webhooks signatures,
//! and which receiver addresses a webhook may reach.

use std::net::IpAddr;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

crate::text_enum! {
    /// What happened to a watched certificate.
    pub enum WatchEvent {
        /// Suspended, reinstated, withdrawn or expired.
        StatusChanged = "certificate.status_changed",
        /// A new revision: its scope, sites or validity changed.
        Revised = "certificate.revised",
    }
}

crate::text_enum! {
    pub enum DeliveryStatus {
        Pending = "pending",
        /// Claimed by a dispatcher, being sent.
        Sending = "sending",
        Delivered = "delivered",
        /// Given up after the last attempt.
        Dead = "dead",
    }
}

/// A fresh endpoint secret in the Standard Webhooks form: `whsec_` and 32 random bytes, base64.
pub fn new_secret() -> String {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    format!("whsec_{}", BASE64.encode(key))
}

/// The `webhook-signature` header's value for one delivery (Standard Webhooks v1): HMAC-SHA256
/// over `{id}.{timestamp}.{body}` with the secret's decoded key, base64, after `v1,`.
pub fn signature(secret: &str, (id, timestamp): (&str, i64), body: &str) -> Result<String, String> {
    let key = BASE64
        .decode(secret.trim_start_matches("whsec_"))
        .map_err(|_| "the endpoint's secret is not base64".to_owned())?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|e| e.to_string())?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Ok(format!("v1,{}", BASE64.encode(mac.finalize().into_bytes())))
}

/// Why a receiver at `address` may not be called, if it may not: requests from the service
/// must not reach into its own network (server-side request forgery) unless the operator
/// allows private receivers.
pub fn forbidden_address(address: IpAddr, allow_private: bool) -> Option<&'static str> {
    let v4 = match address.to_canonical() {
        IpAddr::V4(v4) => v4,
        IpAddr::V6(v6) => {
            let segments = v6.segments();
            let embedded = |high: u16, low: u16| {
                std::net::Ipv4Addr::from((u32::from(high) << 16) | u32::from(low))
            };
            if v6.is_unspecified() || v6.is_multicast() {
                return Some("an unspecified or multicast address");
            }
            // Addresses that carry an IPv4 address are judged by it: NAT64 (64:ff9b::/96),
            // 6to4 (2002::/16) and the deprecated IPv4-compatible ::a.b.c.d.
            if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                embedded(segments[6], segments[7])
            } else if segments[0] == 0x2002 {
                embedded(segments[1], segments[2])
            } else if segments[..6] == [0; 6] && !v6.is_loopback() {
                embedded(segments[6], segments[7])
            } else {
                let first = segments[0];
                let private = v6.is_loopback()
                    // Unique local fc00::/7 and link-local fe80::/10.
                    || (first & 0xfe00) == 0xfc00
                    || (first & 0xffc0) == 0xfe80;
                return (private && !allow_private)
                    .then_some("a private, loopback or link-local address");
            }
        }
    };
    let [a, b, c, _] = v4.octets();
    // This network, multicast, and the reserved 240.0.0.0/4 (with broadcast).
    if a == 0 || a >= 224 {
        return Some("an unspecified, multicast or reserved address");
    }
    let private = v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        // Carrier-grade NAT (100.64.0.0/10), IETF protocol assignments (192.0.0.0/24) and
        // the benchmarking range (198.18.0.0/15).
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (18..20).contains(&b));
    (private && !allow_private).then_some("a private, loopback or link-local address")
}

/// A receiver URL's scheme, host and port, or why it is not one: `http` or `https`, a
/// host, no credentials in it.
pub fn receiver(url: &str) -> Result<(bool, String, u16), String> {
    let uri: actix_web::http::Uri = url
        .parse()
        .map_err(|_| "must be an absolute URL".to_owned())?;
    let https = match uri.scheme_str() {
        Some("https") => true,
        Some("http") => false,
        _ => return Err("must start with https:// or http://".into()),
    };
    let authority = uri.authority().ok_or("must name a host")?;
    if authority.as_str().contains('@') {
        return Err("must not carry credentials".into());
    }
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    if host.is_empty() {
        return Err("must name a host".into());
    }
    let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
    Ok((https, host.to_owned(), port))
}

/// How long to wait before the next attempt after `attempts` failed ones: 30 s doubling,
/// at most a day.
pub fn retry_after(attempts: i64) -> std::time::Duration {
    let doublings = attempts.saturating_sub(1).clamp(0, 12) as u32;
    std::time::Duration::from_secs(30)
        .saturating_mul(2u32.saturating_pow(doublings))
        .min(std::time::Duration::from_secs(86_400))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification's reference libraries.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            signature(secret, ("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330), body).unwrap(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert!(new_secret().starts_with("whsec_"));
        assert_ne!(new_secret(), new_secret());
    }

    #[test]
    fn private_receivers_are_refused_unless_allowed() {
        let ip = |text: &str| text.parse::<IpAddr>().unwrap();
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "0.0.0.0",
            "192.0.0.170",
            "240.0.0.1",
            "255.255.255.255",
            "64:ff9b::a9fe:a9fe",
            "2002:a00:1::",
            "::10.0.0.1",
        ] {
            assert!(forbidden_address(ip(private), false).is_some(), "{private}");
        }
        for public in [
            "203.0.113.7",
            "8.8.8.8",
            "2001:db8::1",
            "64:ff9b::808:808",
            "2002:808:808::",
        ] {
            assert_eq!(forbidden_address(ip(public), false), None, "{public}");
        }
        assert_eq!(forbidden_address(ip("127.0.0.1"), true), None);
        assert!(forbidden_address(ip("0.0.0.0"), true).is_some());
    }

    #[test]
    fn receiver_urls_name_scheme_host_and_port() {
        assert_eq!(
            receiver("https://hooks.example.com/cb"),
            Ok((true, "hooks.example.com".into(), 443))
        );
        assert_eq!(
            receiver("http://127.0.0.1:9000/x"),
            Ok((false, "127.0.0.1".into(), 9000))
        );
        assert_eq!(receiver("http://[::1]:80/"), Ok((false, "::1".into(), 80)));
        assert!(receiver("ftp://example.com/").is_err());
        assert!(receiver("https://user:pw@example.com/").is_err());
        assert!(receiver("/relative").is_err());
    }

    #[test]
    fn retries_back_off_to_a_day() {
        assert_eq!(retry_after(1).as_secs(), 30);
        assert_eq!(retry_after(2).as_secs(), 60);
        assert_eq!(retry_after(30).as_secs(), 86_400);
    }
}
