//! Where a webhook may be sent. A merchant's URL must not turn halshop into a way to reach
//! its own network: only `https`, and never a loopback, private, link-local or unspecified
//! address — checked on the URL when it is saved and again on the addresses its host
//! resolves to when a delivery is sent. `HALSHOP_ALLOW_HTTP_WEBHOOKS=true` (development)
//! lifts both rules.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use url::{Host, Url};

/// Why a URL cannot receive webhooks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("not an absolute http(s) URL")]
    NotAUrl,
    #[error("must use https")]
    NotHttps,
    #[error("must not hold a user name or password")]
    Credentials,
    #[error("must not point at a loopback, private, link-local or unspecified address")]
    PrivateAddress,
}

/// Checks a URL as the merchant gives it.
pub fn check_url(text: &str, allow_private: bool) -> Result<Url, TargetError> {
    let url = Url::parse(text.trim()).map_err(|_| TargetError::NotAUrl)?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        "http" => return Err(TargetError::NotHttps),
        _ => return Err(TargetError::NotAUrl),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(TargetError::Credentials);
    }
    let host = url.host().ok_or(TargetError::NotAUrl)?;
    if allow_private {
        return Ok(url);
    }
    let refused = match host {
        Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        Host::Ipv4(ip) => is_private(IpAddr::V4(ip)),
        Host::Ipv6(ip) => is_private(IpAddr::V6(ip)),
    };
    if refused {
        return Err(TargetError::PrivateAddress);
    }
    Ok(url)
}

/// Whether an address is not on the public internet.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_private_v4(ip),
        IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
            Some(v4) => is_private_v4(v4),
            None => is_private_v6(ip),
        },
    }
}

fn is_private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        // Carrier-grade NAT, 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
}

fn is_private_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // Unique local fc00::/7 and link-local fe80::/10.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
}

/// The addresses `url`'s host resolves to now, refused when any is private (unless
/// allowed): the delivery is then sent to exactly these addresses, so that a second lookup
/// cannot answer otherwise.
pub async fn resolve(url: &Url, allow_private: bool) -> Result<Vec<SocketAddr>, String> {
    let host = url.host_str().ok_or("the URL has no host")?;
    let port = url.port_or_known_default().unwrap_or(443);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|err| format!("cannot resolve {host}: {err}"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("{host} has no address"));
    }
    if !allow_private && addrs.iter().any(|addr| is_private(addr.ip())) {
        return Err(format!("{host} resolves to a private address: not sent"));
    }
    Ok(addrs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_https_urls_are_accepted_by_default() {
        assert!(check_url("https://hooks.example.com/halshop", false).is_ok());
        let refused = [
            ("http://hooks.example.com/", TargetError::NotHttps),
            ("ftp://hooks.example.com/", TargetError::NotAUrl),
            ("not a url", TargetError::NotAUrl),
            ("https://user:pw@hooks.example.com/", TargetError::Credentials),
            ("https://localhost/", TargetError::PrivateAddress),
            ("https://api.localhost/", TargetError::PrivateAddress),
            ("https://127.0.0.1/", TargetError::PrivateAddress),
            ("https://10.1.2.3/", TargetError::PrivateAddress),
            ("https://192.168.0.1/", TargetError::PrivateAddress),
            ("https://172.16.0.1/", TargetError::PrivateAddress),
            ("https://169.254.169.254/", TargetError::PrivateAddress),
            ("https://0.0.0.0/", TargetError::PrivateAddress),
            ("https://[::1]/", TargetError::PrivateAddress),
            ("https://[fe80::1]/", TargetError::PrivateAddress),
            ("https://[fd00::1]/", TargetError::PrivateAddress),
            ("https://[::ffff:127.0.0.1]/", TargetError::PrivateAddress),
        ];
        for (url, error) in refused {
            assert_eq!(check_url(url, false), Err(error), "{url}");
        }
    }

    #[test]
    fn development_allows_http_and_loopback() {
        assert!(check_url("http://127.0.0.1:9000/hook", true).is_ok());
        assert!(check_url("http://localhost/hook", true).is_ok());
        assert_eq!(check_url("ftp://x/", true), Err(TargetError::NotAUrl));
    }
}
