//! `/etc/resolv.conf` as glibc and musl read it, and the names a lookup
//! asks for (the search list and `ndots`).

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// glibc's `MAXNS`: later `nameserver` lines are ignored.
pub(super) const MAX_NAMESERVERS: usize = 3;
/// resolv.conf defaults and caps (glibc `RES_TIMEOUT`, `RES_DFLRETRY`,
/// `RES_MAXRETRANS`, `RES_MAXRETRY`, `RES_MAXNDOTS`).
pub(super) const DEFAULT_TIMEOUT: u64 = 5;
pub(super) const DEFAULT_ATTEMPTS: u32 = 2;
pub(super) const MAX_TIMEOUT: u64 = 30;
pub(super) const MAX_ATTEMPTS: u32 = 5;
pub(super) const MAX_NDOTS: usize = 15;

/// The parts of resolv.conf that matter to a stub resolver.
#[derive(Debug, PartialEq)]
pub(super) struct ResolvConf {
    pub(super) servers: Vec<IpAddr>,
    pub(super) search: Vec<String>,
    pub(super) ndots: usize,
    pub(super) timeout: Duration,
    pub(super) attempts: u32,
}

impl ResolvConf {
    pub(super) fn parse(text: &str) -> ResolvConf {
        let mut conf = ResolvConf {
            servers: Vec::new(),
            search: Vec::new(),
            ndots: 1,
            timeout: Duration::from_secs(DEFAULT_TIMEOUT),
            attempts: DEFAULT_ATTEMPTS,
        };
        for line in text.lines() {
            let line = line.split(['#', ';']).next().unwrap_or_default();
            let mut words = line.split_whitespace();
            let domains = |words: std::str::SplitWhitespace<'_>| -> Vec<String> {
                words
                    .map(|d| d.trim_end_matches('.').to_ascii_lowercase())
                    .filter(|d| !d.is_empty())
                    .collect()
            };
            match words.next() {
                Some("nameserver") => {
                    if let Some(ip) = words.next().and_then(|w| w.parse().ok()) {
                        if conf.servers.len() < MAX_NAMESERVERS {
                            conf.servers.push(ip);
                        }
                    }
                }
                // The last `search` or `domain` line wins.
                Some("search") => conf.search = domains(words),
                Some("domain") => conf.search = domains(words).into_iter().take(1).collect(),
                Some("options") => {
                    for option in words {
                        match option.split_once(':') {
                            Some(("ndots", n)) => {
                                if let Ok(n) = n.parse::<usize>() {
                                    conf.ndots = n.min(MAX_NDOTS);
                                }
                            }
                            Some(("timeout", n)) => {
                                if let Ok(n) = n.parse::<u64>() {
                                    conf.timeout = Duration::from_secs(n.clamp(1, MAX_TIMEOUT));
                                }
                            }
                            Some(("attempts", n)) => {
                                if let Ok(n) = n.parse::<u32>() {
                                    conf.attempts = n.clamp(1, MAX_ATTEMPTS);
                                }
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        if conf.servers.is_empty() {
            conf.servers.push(IpAddr::V4(Ipv4Addr::LOCALHOST));
        }
        conf
    }

    /// The names to ask for, in order, as glibc's `res_search` and Go's
    /// `nameList` build them: a trailing dot means absolute; a name with at
    /// least `ndots` dots is tried as-is first, any other after the search list.
    pub(super) fn candidates(&self, host: &str) -> Vec<String> {
        if let Some(absolute) = host.strip_suffix('.') {
            return vec![absolute.to_string()];
        }
        let searched = self.search.iter().map(|domain| format!("{host}.{domain}"));
        if host.matches('.').count() >= self.ndots {
            std::iter::once(host.to_string()).chain(searched).collect()
        } else {
            searched.chain(std::iter::once(host.to_string())).collect()
        }
    }
}
