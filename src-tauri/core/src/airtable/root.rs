//! Where the API lives. The configuration may point elsewhere (the fake server, a
//! proxy), but a token must never cross the network in clear: plain `http` is
//! accepted only for a loopback host.

use std::net::IpAddr;

use url::{Host, Url};

pub const DEFAULT_ROOT: &str = "https://api.airtable.com";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRoot(Url);

impl ApiRoot {
    pub fn parse(text: &str) -> Result<Self, String> {
        let url = Url::parse(text.trim()).map_err(|e| format!("“{text}” is not a URL ({e})"))?;
        let loopback = match url.host() {
            Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
            Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
            None => return Err(format!("“{text}” names no host")),
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            "http" => {
                return Err(format!(
                    "“{text}” is plain http to another machine, which would send tokens \
                     unencrypted; use https"
                ));
            }
            other => return Err(format!("“{other}” is not http or https")),
        }
        if !url.username().is_empty() || url.password().is_some() || url.query().is_some() {
            return Err(format!("“{text}” must not carry credentials or a query"));
        }
        Ok(ApiRoot(url))
    }

    /// The URL of an API path given as segments, each escaped as needed (table names
    /// may hold spaces and slashes).
    pub fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.0.clone();
        {
            let mut path = url.path_segments_mut().expect("http(s) URLs have paths");
            path.pop_if_empty();
            path.extend(segments);
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Whether this is Airtable's own API.
    pub fn is_airtable(&self) -> bool {
        Self::parse(DEFAULT_ROOT).is_ok_and(|d| d == *self)
    }

    /// Whether the root is on this machine, where no proxy may stand in between.
    pub fn is_loopback(&self) -> bool {
        match self.0.host() {
            Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(Host::Ipv4(ip)) => ip.is_loopback(),
            Some(Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_and_http_only_on_loopback() {
        assert!(ApiRoot::parse("https://api.airtable.com").is_ok());
        assert!(ApiRoot::parse("http://127.0.0.1:8080").is_ok());
        assert!(ApiRoot::parse("http://127.8.0.1:8080").is_ok());
        assert!(ApiRoot::parse("http://localhost:8080/").is_ok());
        assert!(ApiRoot::parse("http://[::1]:8080").is_ok());
        let refused = ApiRoot::parse("http://10.0.0.5:8080").unwrap_err();
        assert!(refused.contains("unencrypted"), "{refused}");
        assert!(ApiRoot::parse("http://localhost.evil.example").is_err());
        assert!(ApiRoot::parse("ftp://127.0.0.1").is_err());
        assert!(ApiRoot::parse("https://user:pw@api.airtable.com").is_err());
        assert!(ApiRoot::parse("not a url").is_err());
        assert!(
            ApiRoot::parse("http://127.0.0.1:8080")
                .unwrap()
                .is_loopback()
        );
        assert!(ApiRoot::parse("https://localhost").unwrap().is_loopback());
        assert!(!ApiRoot::parse(DEFAULT_ROOT).unwrap().is_loopback());
    }

    #[test]
    fn segments_are_escaped_under_the_root() {
        let root = ApiRoot::parse("http://127.0.0.1:9/prefix/").unwrap();
        let url = root.url(&["v0", "appA", "My table/2"], &[("maxRecords", "1")]);
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9/prefix/v0/appA/My%20table%2F2?maxRecords=1"
        );
    }
}
