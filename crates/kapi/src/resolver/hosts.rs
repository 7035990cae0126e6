//! `/etc/hosts`, the static host table the kubelet writes into every pod.

use std::net::IpAddr;

/// Every address the hosts file gives `name`, as its canonical name or an
/// alias, compared without regard to case.
pub(super) fn hosts_lookup(text: &str, name: &str) -> Vec<IpAddr> {
    text.lines()
        .filter_map(|line| {
            let line = line.split('#').next().unwrap_or_default();
            let mut fields = line.split_whitespace();
            let ip: IpAddr = fields.next()?.parse().ok()?;
            fields
                .any(|n| n.trim_end_matches('.').eq_ignore_ascii_case(name))
                .then_some(ip)
        })
        .collect()
}
