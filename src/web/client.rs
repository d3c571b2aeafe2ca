//! `ClientAddress`: the address rate limits count against.
//!
//! Behind a load balancer every request comes from the balancer, so one busy office would
//! lock everybody out. Only when the TCP peer is a configured trusted proxy
//! (`CERTBODY_TRUSTED_PROXIES`) is `X-Forwarded-For` believed: walking it from the right,
//! the first address that is not a trusted proxy is the client (a client can prepend any
//! addresses it likes, but not append). Without the setting, the peer address counts.

use std::future::{ready, Ready};
use std::net::IpAddr;

use actix_web::{web, FromRequest, HttpRequest};

use crate::error::AppError;

/// The configured proxies, as app data.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<IpAddr>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddress(String);

impl ClientAddress {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`203.0.113.7:4711`,
/// `[2001:db8::1]:443`); IPv4-mapped IPv6 counts as the IPv4 address.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let address = hop
        .parse::<IpAddr>()
        .or_else(|_| hop.parse::<std::net::SocketAddr>().map(|s| s.ip()))
        .ok()?;
    Some(address.to_canonical())
}

/// The client's address given the peer, the trusted proxies and the forwarded chain (every
/// `X-Forwarded-For` header line, in order, joined with commas).
pub fn client_address(
    peer: Option<IpAddr>,
    trusted: &[IpAddr],
    forwarded_for: &str,
) -> Option<IpAddr> {
    let peer = peer?.to_canonical();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let mut last = peer;
    for hop in forwarded_for
        .rsplit(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
    {
        match parse_hop(hop) {
            Some(address) if trusted.contains(&address) => last = address,
            Some(address) => return Some(address),
            // An unreadable entry: stop believing the chain at the last trusted hop.
            None => return Some(last),
        }
    }
    Some(last)
}

/// The client's address for `req`: the peer, or from `X-Forwarded-For` when a trusted
/// proxy sent it.
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let trusted = req
        .app_data::<web::Data<TrustedProxies>>()
        .map(|proxies| proxies.0.as_slice())
        .unwrap_or_default();
    let peer = req.peer_addr().map(|a| a.ip());
    // Every header line: a proxy may add its own line instead of appending to the client's.
    // Read only when a trusted proxy sent the request (nothing else believes it).
    let forwarded = match peer {
        Some(peer) if trusted.contains(&peer.to_canonical()) => req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|value| value.to_str().ok())
            .collect::<Vec<_>>()
            .join(","),
        _ => String::new(),
    };
    client_address(peer, trusted, &forwarded)
}

impl FromRequest for ClientAddress {
    type Error = AppError;
    type Future = Ready<Result<ClientAddress, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        ready(Ok(ClientAddress(
            client_ip(req).map_or_else(|| "unknown".to_owned(), |a| a.to_string()),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_proxy() {
        let proxy = ip("10.0.0.5");
        let chain = "203.0.113.9, 198.51.100.7";
        // Not configured: the peer, whatever the header says.
        assert_eq!(client_address(Some(proxy), &[], chain), Some(proxy));
        // From the proxy: the right-most address that is not a proxy.
        assert_eq!(
            client_address(Some(proxy), &[proxy], chain),
            Some(ip("198.51.100.7"))
        );
        // Two proxies in a row are both skipped; a forged left part is ignored.
        let inner = ip("10.0.0.6");
        assert_eq!(
            client_address(
                Some(proxy),
                &[proxy, inner],
                "1.1.1.1, 198.51.100.7, 10.0.0.6"
            ),
            Some(ip("198.51.100.7"))
        );
        // A direct client cannot claim another address.
        let direct = ip("192.0.2.1");
        assert_eq!(client_address(Some(direct), &[proxy], chain), Some(direct));
        // Garbage in the chain stops at the last trusted hop; no header means the proxy.
        assert_eq!(
            client_address(Some(proxy), &[proxy], "nonsense"),
            Some(proxy)
        );
        assert_eq!(client_address(Some(proxy), &[proxy], ""), Some(proxy));
        // Ports and brackets are read; a dual-stack listener's mapped peer is the proxy.
        let mapped: IpAddr = "::ffff:10.0.0.5".parse().unwrap();
        assert_eq!(
            client_address(Some(mapped), &[proxy], "203.0.113.9:4711"),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            client_address(Some(proxy), &[proxy], "[2001:db8::1]:443"),
            Some(ip("2001:db8::1"))
        );
    }
}
