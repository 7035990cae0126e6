//! Proxies out of the cluster, as client-go picks them: the kubeconfig's
//! `proxy-url`, else `HTTPS_PROXY` (for `https://` servers) or `HTTP_PROXY`,
//! unless `NO_PROXY` matches the server's host. Go's rules: `*` matches
//! everything; an IP or CIDR matches addresses in it; `example.com` matches
//! it and its subdomains, `.example.com` subdomains only; `host:port`
//! matches only that port; localhost and loopback addresses never use an
//! environment proxy. In-cluster configurations go direct, and so do
//! `http://` servers (the client only tunnels TLS through a proxy).

use std::net::IpAddr;

/// The proxy for `server` from the environment, if any.
pub(crate) fn from_env(env: &dyn Fn(&str) -> Option<String>, server: &str) -> Option<String> {
    let get = |upper: &str| {
        env(upper)
            .or_else(|| env(&upper.to_ascii_lowercase()))
            .filter(|v| !v.is_empty())
    };
    let https = server.starts_with("https://");
    let proxy = if https {
        get("HTTPS_PROXY")
    } else {
        get("HTTP_PROXY")
    }?;
    let (host, port) = host_port(server)?;
    if host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    {
        return None;
    }
    let port = port.unwrap_or(if https { 443 } else { 80 });
    if get("NO_PROXY").is_some_and(|list| no_proxy_matches(&list, &host, port)) {
        return None;
    }
    // Go accepts a bare `host:port`; ureq needs a scheme.
    Some(if proxy.contains("://") {
        proxy
    } else {
        format!("http://{proxy}")
    })
}

/// The host (without brackets) and port of a URL.
fn host_port(url: &str) -> Option<(String, Option<u16>)> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit('@').next()?;
    split_host_port(authority)
}

fn split_host_port(authority: &str) -> Option<(String, Option<u16>)> {
    if let Some(v6) = authority.strip_prefix('[') {
        let (host, rest) = v6.split_once(']')?;
        let port = rest.strip_prefix(':').and_then(|p| p.parse().ok());
        return Some((host.to_string(), port));
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => Some((host.to_string(), port.parse().ok())),
        _ => Some((authority.to_string(), None)),
    }
}

/// Whether `NO_PROXY`'s comma-separated `list` matches `host:port`.
pub(crate) fn no_proxy_matches(list: &str, host: &str, port: u16) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let ip = host.parse::<IpAddr>().ok();
    list.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            if let Some((net, bits)) = entry.split_once('/') {
                return match (ip, net.parse::<IpAddr>(), bits.parse::<u8>()) {
                    (Some(ip), Ok(net), Ok(bits)) => in_cidr(ip, net, bits),
                    _ => false,
                };
            }
            if let Ok(entry_ip) = entry
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
            {
                return ip == Some(entry_ip);
            }
            let Some((name, entry_port)) = split_host_port(entry) else {
                return false;
            };
            if let Ok(entry_ip) = name.parse::<IpAddr>() {
                return ip == Some(entry_ip) && entry_port.is_none_or(|p| p == port);
            }
            if entry_port.is_some_and(|p| p != port) {
                return false;
            }
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            let name = name
                .strip_prefix("*.")
                .map(|n| format!(".{n}"))
                .unwrap_or(name);
            match name.strip_prefix('.') {
                Some(domain) => host.ends_with(&format!(".{domain}")),
                None => host == name || host.ends_with(&format!(".{name}")),
            }
        })
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) if bits <= 32 => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) if bits <= 128 => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_rules_as_go() {
        let m = |list, host, port| no_proxy_matches(list, host, port);
        assert!(m("*", "anything", 443));
        assert!(m("example.com", "example.com", 443));
        assert!(m("example.com", "api.example.com", 443));
        assert!(!m("example.com", "notexample.com", 443));
        assert!(m(".example.com", "api.example.com", 443));
        assert!(!m(".example.com", "example.com", 443));
        assert!(m("10.0.0.0/8", "10.96.0.1", 443));
        assert!(!m("10.0.0.0/8", "192.168.0.1", 443));
        assert!(m("fd00::/8", "fd00::1", 443));
        assert!(m("10.1.2.3", "10.1.2.3", 6443));
        assert!(m("example.com:6443", "example.com", 6443));
        assert!(!m("example.com:6443", "example.com", 443));
        assert!(m(" a.com , b.com ", "b.com", 443));
        assert!(!m("", "b.com", 443));
    }

    #[test]
    fn env_proxy_for_the_servers_scheme_except_loopback_and_no_proxy() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let e = env(&[("HTTPS_PROXY", "proxy:3128"), ("NO_PROXY", ".internal")]);
        assert_eq!(
            from_env(&e, "https://api.example.com"),
            Some("http://proxy:3128".into())
        );
        assert_eq!(from_env(&e, "https://k8s.internal:6443"), None);
        assert_eq!(from_env(&e, "https://127.0.0.1:6443"), None);
        assert_eq!(from_env(&e, "https://[::1]:6443"), None);
        assert_eq!(from_env(&e, "http://api.example.com"), None);
        let e = env(&[("https_proxy", "http://p:1")]);
        assert_eq!(from_env(&e, "https://a.b"), Some("http://p:1".into()));
    }
}
