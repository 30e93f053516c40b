//! Importing a web page into the knowledge base, fetched by our servers on a user's say-so: the
//! classic server-side request forgery target. What is refused, and where:
//! - any scheme but http and https, and URLs with credentials;
//! - an address in a private, loopback, link-local (the cloud metadata service), shared,
//!   documentation, multicast or reserved range: written literally in the URL, or among the
//!   addresses a name resolves to (checked in the resolver the connection itself uses, so a name
//!   cannot resolve to a public address for the check and a private one for the connection);
//! - every redirect is followed by hand and its target checked the same way, at most
//!   `MAX_REDIRECTS` of them;
//! - the body is read up to `MAX_BYTES` and the whole import bounded by `TIMEOUT`;
//! - no proxy from the environment is used (it would bypass the address check).

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::Url;

use super::extract::{self, ExtractError};
use crate::domain::knowledge::document::SourceKind;

pub const MAX_BYTES: usize = 2 * 1024 * 1024;
pub const TIMEOUT: Duration = Duration::from_secs(10);
pub const MAX_REDIRECTS: usize = 5;
/// The longest address (the document keeps it as its source).
pub const MAX_URL_BYTES: usize = 2048;

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("only http and https addresses can be imported")]
    Scheme,
    #[error("the address must not contain a user name or password")]
    Credentials,
    #[error("{} is not a valid address", .0.chars().take(200).collect::<String>())]
    Invalid(String),
    #[error("the address is longer than {MAX_URL_BYTES} characters")]
    TooLong,
    #[error("{host} is a {range} address, which cannot be imported")]
    Refused { host: String, range: &'static str },
    #[error("{0} could not be resolved")]
    Unresolvable(String),
    #[error("the page redirected more than {MAX_REDIRECTS} times")]
    TooManyRedirects,
    #[error("the page is larger than {0} bytes")]
    TooLarge(usize),
    #[error("the page did not load within {0:?}")]
    Timeout(Duration),
    #[error("the page answered HTTP {0}")]
    Status(u16),
    #[error("the page is {0}, not HTML or text")]
    NotAPage(String),
    #[error("the page could not be loaded: {0}")]
    Transport(String),
    #[error(transparent)]
    Content(#[from] ExtractError),
}

/// Ranges no import may reach, with what they are (for the refusal's message).
static REFUSED_RANGES: LazyLock<Vec<(IpNet, &'static str)>> = LazyLock::new(|| {
    [
        ("0.0.0.0/8", "\"this network\""),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "shared (carrier-grade NAT)"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "IETF protocol"),
        ("192.0.2.0/24", "documentation"),
        ("192.88.99.0/24", "relay"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("100::/64", "discard"),
        ("64:ff9b:1::/48", "local NAT64"),
        ("2002::/16", "6to4"),
        ("2001:db8::/32", "documentation"),
        ("fc00::/7", "private (unique local)"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local"),
        ("ff00::/8", "multicast"),
    ]
    .into_iter()
    .map(|(net, what)| (net.parse().expect("a valid range"), what))
    .collect()
});

/// The range an address must not be in, if it is in one. IPv4 addresses inside IPv6 (mapped,
/// NAT64) are judged as the IPv4 address they carry.
pub fn refused_range(ip: IpAddr) -> Option<&'static str> {
    let ip = match ip {
        // Mapped (::ffff:a.b.c.d) and the deprecated compatible form (::a.b.c.d).
        IpAddr::V6(v6) if v6.is_loopback() || v6.is_unspecified() => ip,
        IpAddr::V6(v6) => match v6.to_ipv4() {
            Some(v4) => IpAddr::V4(v4),
            None if v6.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0] => {
                let [.., a, b] = v6.segments();
                IpAddr::V4(std::net::Ipv4Addr::from(((a as u32) << 16) | b as u32))
            }
            None => ip,
        },
        v4 => v4,
    };
    REFUSED_RANGES
        .iter()
        .find(|(net, _)| net.contains(&ip))
        .map(|(_, what)| *what)
}

/// Resolves names as the system does, and refuses a name any of whose addresses is refused.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|_| FetchError::Unresolvable(host.clone()))?
                .collect();
            if addrs.is_empty() {
                return Err(FetchError::Unresolvable(host).into());
            }
            if let Some(range) = addrs.iter().find_map(|a| refused_range(a.ip())) {
                return Err(FetchError::Refused { host, range }.into());
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// A page imported: where it ended up and its text.
#[derive(Debug, Clone)]
pub struct ImportedPage {
    pub url: String,
    pub kind: SourceKind,
    pub text: String,
}

/// The fetcher. `Importer::new()` in every deployment; tests add names that reach their local
/// server (`with_test_host`), which bypass the resolver's check for those names only.
#[derive(Clone)]
pub struct Importer {
    http: reqwest::Client,
    /// The largest page read (`MAX_BYTES`).
    pub max_bytes: usize,
    /// The whole import's bound, redirects included (`TIMEOUT`).
    pub timeout: Duration,
}

impl Importer {
    pub fn new() -> anyhow::Result<Self> {
        Self::build(&[])
    }

    /// An importer on which `host` resolves to `addr` unchecked (a test's local server).
    pub fn with_test_host(host: &str, addr: SocketAddr) -> anyhow::Result<Self> {
        Self::build(&[(host, addr)])
    }

    fn build(test_hosts: &[(&str, SocketAddr)]) -> anyhow::Result<Self> {
        let mut builder = reqwest::Client::builder()
            .dns_resolver(Arc::new(PublicOnly))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(Duration::from_secs(5))
            .user_agent("StudioConnectAI-KnowledgeImport/1.0");
        for (host, addr) in test_hosts {
            builder = builder.resolve(host, *addr);
        }
        Ok(Self {
            http: builder.build()?,
            max_bytes: MAX_BYTES,
            timeout: TIMEOUT,
        })
    }

    /// The page at `address`, as text, within the time and size caps.
    pub async fn import(&self, address: &str) -> Result<ImportedPage, FetchError> {
        match tokio::time::timeout(self.timeout, self.follow(address)).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout(self.timeout)),
        }
    }

    async fn follow(&self, address: &str) -> Result<ImportedPage, FetchError> {
        let mut url = checked_url(address)?;
        for _ in 0..=MAX_REDIRECTS {
            let mut response = self.http.get(url.clone()).send().await.map_err(transport)?;
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .ok_or(FetchError::Status(status.as_u16()))?;
                let next = url
                    .join(location)
                    .map_err(|_| FetchError::Invalid(location.to_owned()))?;
                url = checked_url(next.as_str())?;
                continue;
            }
            if !status.is_success() {
                return Err(FetchError::Status(status.as_u16()));
            }
            let content_type = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|c| c.to_str().ok())
                .unwrap_or("text/html")
                .to_owned();
            let kind = match extract::kind_of(&content_type) {
                Some(SourceKind::Html) => SourceKind::Html,
                Some(SourceKind::Text | SourceKind::Markdown) => SourceKind::Text,
                _ => return Err(FetchError::NotAPage(content_type)),
            };
            if response
                .content_length()
                .is_some_and(|n| n > self.max_bytes as u64)
            {
                return Err(FetchError::TooLarge(self.max_bytes));
            }
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(transport)? {
                if body.len() + chunk.len() > self.max_bytes {
                    return Err(FetchError::TooLarge(self.max_bytes));
                }
                body.extend_from_slice(&chunk);
            }
            let text = extract::extract(kind, body).await?;
            return Ok(ImportedPage {
                url: url.to_string(),
                kind: SourceKind::Url,
                text,
            });
        }
        Err(FetchError::TooManyRedirects)
    }
}

/// `address` parsed, with its scheme, credentials and (if literal) address checked.
pub fn checked_url(address: &str) -> Result<Url, FetchError> {
    if address.len() > MAX_URL_BYTES {
        return Err(FetchError::TooLong);
    }
    let url = Url::parse(address.trim()).map_err(|_| FetchError::Invalid(address.to_owned()))?;
    if url.as_str().len() > MAX_URL_BYTES {
        return Err(FetchError::TooLong);
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FetchError::Scheme);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FetchError::Credentials);
    }
    let literal = match url.host() {
        Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
        Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
        Some(url::Host::Domain(_)) => None,
        None => return Err(FetchError::Invalid(address.to_owned())),
    };
    if let Some(ip) = literal
        && let Some(range) = refused_range(ip)
    {
        return Err(FetchError::Refused {
            host: ip.to_string(),
            range,
        });
    }
    Ok(url)
}

/// A transport error, with the resolver's own refusal brought back out of it.
fn transport(e: reqwest::Error) -> FetchError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = source {
        if let Some(f) = err.downcast_ref::<FetchError>() {
            return match f {
                FetchError::Refused { host, range } => FetchError::Refused {
                    host: host.clone(),
                    range,
                },
                FetchError::Unresolvable(h) => FetchError::Unresolvable(h.clone()),
                other => FetchError::Transport(other.to_string()),
            };
        }
        source = err.source();
    }
    if e.is_timeout() {
        return FetchError::Timeout(TIMEOUT);
    }
    FetchError::Transport(e.without_url().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_ranges_are_refused_and_public_ones_not() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.20.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "::a9fe:a9fe",
            "2002:a00:1::1",
            "64:ff9b:1::a00:1",
        ] {
            assert!(refused_range(ip.parse().unwrap()).is_some(), "{ip}");
        }
        for ip in ["93.184.215.14", "8.8.8.8", "2606:4700::1111", "172.32.0.1"] {
            assert_eq!(refused_range(ip.parse().unwrap()), None, "{ip}");
        }
    }

    #[test]
    fn urls_are_checked_before_any_request() {
        assert!(matches!(
            checked_url("ftp://example.com/x"),
            Err(FetchError::Scheme)
        ));
        assert!(matches!(
            checked_url("file:///etc/passwd"),
            Err(FetchError::Scheme)
        ));
        assert!(matches!(
            checked_url("http://user:pw@example.com/"),
            Err(FetchError::Credentials)
        ));
        assert!(matches!(
            checked_url("http://169.254.169.254/latest/meta-data/"),
            Err(FetchError::Refused {
                range: "link-local",
                ..
            })
        ));
        assert!(matches!(
            checked_url("http://[::1]:8080/"),
            Err(FetchError::Refused {
                range: "loopback",
                ..
            })
        ));
        // Decimal and hex spellings of an IPv4 address are parsed as the address they are.
        assert!(matches!(
            checked_url("http://2130706433/"),
            Err(FetchError::Refused {
                range: "loopback",
                ..
            })
        ));
        assert!(matches!(
            checked_url("http://0x7f.1/"),
            Err(FetchError::Refused {
                range: "loopback",
                ..
            })
        ));
        assert!(checked_url("https://example.com/faq").is_ok());
    }
}
