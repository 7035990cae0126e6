//! kapi's own name resolver: IP literals, then `/etc/hosts`, then DNS to the
//! nameservers of `/etc/resolv.conf`, the way musl, busybox and Go's pure
//! resolver do it.
//!
//! Prefer it to ureq's `DefaultResolver` everywhere: that one calls glibc's
//! `getaddrinfo`, which in a static binary drags in NSS, the stub resolver and
//! scanf (about 148 KB), may `dlopen` `libnss_*` modules at run time, and can
//! only be bounded by spawning a thread. This one never blocks past the
//! deadline ureq hands it and never spawns anything.

mod hosts;
mod packet;
mod resolv_conf;
#[cfg(test)]
mod tests;

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, UdpSocket};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use ureq::config::{Config, IpFamily};
use ureq::http::Uri;
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

use hosts::hosts_lookup;
use packet::{build_query, encode_name, parse_response, Answer, TYPE_A, TYPE_AAAA};
use resolv_conf::ResolvConf;

/// The static host table the kubelet writes into every pod.
pub(crate) const HOSTS_FILE: &str = "/etc/hosts";
/// Nameservers, search domains and options, as glibc and musl read them.
pub(crate) const RESOLV_CONF: &str = "/etc/resolv.conf";

const DNS_PORT: u16 = 53;

/// Resolves host names without libc: IP literals, the hosts file, then DNS
/// over UDP (TCP when the answer is truncated).
///
/// Both files are read on every lookup, as musl does: ureq only resolves when
/// it opens a connection, and the files are small.
#[derive(Debug, Clone)]
pub(crate) struct SystemResolver {
    hosts: PathBuf,
    resolv_conf: PathBuf,
    /// The nameservers' port: 53, except against a test's fake server.
    port: u16,
}

impl SystemResolver {
    /// A resolver reading [`HOSTS_FILE`] and [`RESOLV_CONF`].
    pub(crate) fn new() -> SystemResolver {
        SystemResolver {
            hosts: HOSTS_FILE.into(),
            resolv_conf: RESOLV_CONF.into(),
            port: DNS_PORT,
        }
    }
}

impl Resolver for SystemResolver {
    /// Literal, hosts file, then DNS; IPv4 first, at most 16 addresses
    /// (ureq's limit), each with the URI's port or the scheme's default.
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let (host, port) = host_and_port(uri)?;
        let clock = Clock {
            deadline: if timeout.after.is_not_happening() {
                None
            } else {
                Instant::now().checked_add(*timeout.after)
            },
            reason: timeout.reason,
        };
        let family = config.ip_family();
        let ips = self.lookup(host, family, &clock)?;
        // IPv4 first, each family in the order found, without duplicates.
        let mut addrs = self.empty();
        for v6 in [false, true] {
            for (i, ip) in ips.iter().enumerate() {
                if ip.is_ipv6() == v6 && is_wanted(family, ip) && !ips[..i].contains(ip) {
                    // Past ureq's 16 the rest are dropped, as it does.
                    let _ = addrs.try_push(SocketAddr::new(*ip, port));
                }
            }
        }
        if addrs.is_empty() {
            return Err(ureq::Error::HostNotFound);
        }
        Ok(addrs)
    }
}

impl SystemResolver {
    /// Looks `host` up, addresses of both families in the order found.
    fn lookup(
        &self,
        host: &str,
        family: IpFamily,
        clock: &Clock,
    ) -> Result<Vec<IpAddr>, ureq::Error> {
        if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            // A zone (`fe80::1%eth0`) is not supported: it names an interface.
            return v6
                .parse()
                .map(|ip| vec![IpAddr::V6(ip)])
                .map_err(|_| ureq::Error::HostNotFound);
        }
        if let Ok(ip) = host.parse::<Ipv4Addr>() {
            return Ok(vec![IpAddr::V4(ip)]);
        }
        let name = host.strip_suffix('.').unwrap_or(host);
        // As glibc's files module: a hosts entry only of the other family
        // lets the lookup go on to DNS.
        let mut known = hosts_lookup(&read_text(&self.hosts), name);
        known.retain(|ip| is_wanted(family, ip));
        if !known.is_empty() {
            return Ok(known);
        }

        let conf = ResolvConf::parse(&read_text(&self.resolv_conf));
        let qtypes: &[u16] = match family {
            IpFamily::Ipv4Only => &[TYPE_A],
            IpFamily::Ipv6Only => &[TYPE_AAAA],
            _ => &[TYPE_A, TYPE_AAAA],
        };
        let mut failure = None;
        for candidate in conf.candidates(host) {
            let Some(qname) = encode_name(&candidate) else {
                continue;
            };
            match self.query_name(&conf, &qname, qtypes, clock)? {
                NameResult::Found(ips) => return Ok(ips),
                NameResult::NoSuchName => {}
                NameResult::Failed(why) => failure = Some(why),
                // Every server was silent: later names would only wait
                // as long again (glibc stops its search list here too).
                NameResult::Silent => {
                    let servers: Vec<String> = conf
                        .servers
                        .iter()
                        .map(|ip| SocketAddr::new(*ip, self.port).to_string())
                        .collect();
                    return Err(resolve_error(
                        name,
                        &format!(
                            "no answer for {candidate} from {} (attempts:{} timeout:{})",
                            servers.join(", "),
                            conf.attempts,
                            conf.timeout.as_secs()
                        ),
                    ));
                }
            }
        }
        Err(match failure {
            Some(why) => resolve_error(name, &why),
            None => ureq::Error::HostNotFound,
        })
    }

    /// Asks the nameservers about one fully qualified name, all `qtypes` at
    /// once as glibc does: in turn for each attempt, each server.
    fn query_name(
        &self,
        conf: &ResolvConf,
        qname: &[u8],
        qtypes: &[u16],
        clock: &Clock,
    ) -> Result<NameResult, ureq::Error> {
        let mut answers: Vec<Option<Vec<IpAddr>>> = vec![None; qtypes.len()];
        let mut failure = None;
        'attempts: for _ in 0..conf.attempts {
            for server in &conf.servers {
                // An address in hand beats waiting on the other family.
                if answers.iter().flatten().any(|ips| !ips.is_empty()) {
                    break 'attempts;
                }
                let pending: Vec<usize> = (0..qtypes.len())
                    .filter(|&i| answers[i].is_none())
                    .collect();
                if pending.is_empty() {
                    break 'attempts;
                }
                clock.check()?;
                let server = SocketAddr::new(*server, self.port);
                let types: Vec<u16> = pending.iter().map(|&i| qtypes[i]).collect();
                let limit = Instant::now() + conf.timeout;
                let (got, error) = self.exchange(server, qname, &types, clock, limit)?;
                if let Some(e) = error {
                    failure = Some(format!("nameserver {server}: {e}"));
                }
                for (&i, answer) in pending.iter().zip(got) {
                    match answer {
                        Some(Answer::NxDomain) => return Ok(NameResult::NoSuchName),
                        Some(Answer::Failed(why)) => {
                            failure = Some(format!("nameserver {server}: {why}"))
                        }
                        Some(Answer::Addrs(ips)) => answers[i] = Some(ips),
                        Some(Answer::Truncated) | None => {}
                    }
                }
            }
        }
        let found: Vec<IpAddr> = answers.iter().flatten().flatten().copied().collect();
        Ok(if !found.is_empty() {
            NameResult::Found(found)
        } else if answers.iter().all(Option::is_some) {
            // NODATA for every type: the name exists, without addresses.
            NameResult::NoSuchName
        } else if let Some(why) = failure {
            NameResult::Failed(why)
        } else {
            NameResult::Silent
        })
    }

    /// One round with one server over UDP: sends a query per type and waits
    /// until `limit` for the answers. Also returns why the socket failed.
    fn exchange(
        &self,
        server: SocketAddr,
        qname: &[u8],
        qtypes: &[u16],
        clock: &Clock,
        limit: Instant,
    ) -> Result<(Vec<Option<Answer>>, Option<String>), ureq::Error> {
        let mut answers: Vec<Option<Answer>> = vec![None; qtypes.len()];
        let queries: Vec<(u16, Vec<u8>)> = qtypes
            .iter()
            .map(|&t| {
                let id = query_id();
                (id, build_query(id, qname, t))
            })
            .collect();
        let local: SocketAddr = match server {
            SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
            SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
        };
        // Connected, so the kernel drops datagrams from anyone else and an
        // ICMP "port unreachable" ends the wait at once.
        let socket = match UdpSocket::bind(local).and_then(|s| s.connect(server).map(|()| s)) {
            Ok(s) => s,
            Err(e) => return Ok((answers, Some(e.to_string()))),
        };
        for (_, query) in &queries {
            if let Err(e) = socket.send(query) {
                return Ok((answers, Some(e.to_string())));
            }
        }
        let end = clock.end(limit);
        // 512 bytes is the limit without EDNS; room for servers that ignore it.
        let mut buf = vec![0; 4096];
        while answers.iter().any(Option::is_none) {
            let Ok(wait) = remaining(end) else {
                clock.check()?;
                break;
            };
            let received = socket
                .set_read_timeout(Some(wait))
                .and_then(|()| socket.recv_from(&mut buf));
            let (len, from) = match received {
                Ok(r) => r,
                Err(e) if is_wait(&e) => continue,
                Err(e) => return Ok((answers, Some(e.to_string()))),
            };
            if from.ip() != server.ip() || from.port() != server.port() {
                continue;
            }
            let msg = buf.get(..len).unwrap_or_default();
            for (i, &qtype) in qtypes.iter().enumerate() {
                let (id, query) = &queries[i];
                if answers[i].is_some() {
                    continue;
                }
                match parse_response(msg, *id, qname, qtype) {
                    Some(Answer::Truncated) => {
                        answers[i] = Some(tcp(server, query, *id, qname, qtype, clock, limit)?)
                    }
                    Some(answer) => answers[i] = Some(answer),
                    None => continue,
                }
                break;
            }
            // The name does not exist: no need to wait for the other type.
            if answers.contains(&Some(Answer::NxDomain)) {
                break;
            }
        }
        Ok((answers, None))
    }
}

/// The deadline ureq set for this lookup, if any.
struct Clock {
    deadline: Option<Instant>,
    reason: ureq::Timeout,
}

impl Clock {
    /// `limit`, or the deadline when that comes first.
    fn end(&self, limit: Instant) -> Instant {
        self.deadline.map_or(limit, |d| d.min(limit))
    }

    /// Ureq's timeout error once the deadline has passed.
    fn check(&self) -> Result<(), ureq::Error> {
        match self.deadline {
            Some(d) if Instant::now() >= d => Err(ureq::Error::Timeout(self.reason)),
            _ => Ok(()),
        }
    }
}

enum NameResult {
    Found(Vec<IpAddr>),
    /// NXDOMAIN, or no address of the wanted types.
    NoSuchName,
    /// A server answered with an error, or could not be asked: why.
    Failed(String),
    Silent,
}

/// The scheme's host and port, as ureq's `DefaultResolver` takes them.
fn host_and_port(uri: &Uri) -> Result<(&str, u16), ureq::Error> {
    let scheme = uri
        .scheme_str()
        .ok_or_else(|| ureq::Error::BadUri(format!("{uri} is missing scheme")))?;
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "http" => 80,
        "https" => 443,
        "socks" | "socks4" | "socks4a" | "socks5" | "socks5h" => 1080,
        _ => return Err(ureq::Error::BadUri(format!("unknown scheme: {scheme}"))),
    };
    let authority = uri
        .authority()
        .ok_or_else(|| ureq::Error::BadUri(format!("{uri} is missing host")))?;
    Ok((
        authority.host(),
        authority.port_u16().unwrap_or(default_port),
    ))
}

/// A missing or unreadable file counts as empty, as for libc.
fn read_text(path: &std::path::Path) -> String {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

fn is_wanted(family: IpFamily, ip: &IpAddr) -> bool {
    match family {
        IpFamily::Ipv4Only => ip.is_ipv4(),
        IpFamily::Ipv6Only => ip.is_ipv6(),
        _ => true,
    }
}

/// A failure with its cause, reported by kapi as "Unable to connect to the
/// server …: failed to resolve …".
fn resolve_error(name: &str, why: &str) -> ureq::Error {
    ureq::Error::Io(io::Error::other(format!("failed to resolve {name}: {why}")))
}

fn is_wait(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

/// Time left until `end`; never zero, which sockets reject as a timeout.
fn remaining(end: Instant) -> io::Result<Duration> {
    end.checked_duration_since(Instant::now())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| io::ErrorKind::TimedOut.into())
}

/// A 16-bit query ID nobody off the host can guess: the time, the pid and a
/// counter through SipHash keyed from the OS's randomness (std's
/// `RandomState`), so no rand crate.
fn query_id() -> u16 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::UNIX_EPOCH
        .elapsed()
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let seed = (
        nanos,
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
    );
    RandomState::new().hash_one(seed) as u16
}

/// Asks the same question over TCP, after a truncated UDP answer. Any
/// failure moves on to the next server.
fn tcp(
    server: SocketAddr,
    query: &[u8],
    id: u16,
    qname: &[u8],
    qtype: u16,
    clock: &Clock,
    limit: Instant,
) -> Result<Answer, ureq::Error> {
    let end = clock.end(limit);
    let exchange = || -> io::Result<Vec<u8>> {
        let mut stream = TcpStream::connect_timeout(&server, remaining(end)?)?;
        let mut msg = Vec::with_capacity(query.len() + 2);
        msg.extend_from_slice(&(query.len() as u16).to_be_bytes());
        msg.extend_from_slice(query);
        stream.set_write_timeout(Some(remaining(end)?))?;
        stream.write_all(&msg)?;
        let mut len = [0; 2];
        read_full(&mut stream, &mut len, end)?;
        let mut answer = vec![0; usize::from(u16::from_be_bytes(len))];
        read_full(&mut stream, &mut answer, end)?;
        Ok(answer)
    };
    let answer = exchange();
    clock.check()?;
    Ok(
        match answer.map(|msg| parse_response(&msg, id, qname, qtype)) {
            Ok(Some(Answer::Truncated)) | Ok(None) => {
                Answer::Failed("mismatched answer over TCP".into())
            }
            Ok(Some(answer)) => answer,
            Err(e) => Answer::Failed(format!("answer truncated, and TCP failed: {e}")),
        },
    )
}

/// `read_exact` that gives up at `end`, however slowly the bytes trickle in.
fn read_full(stream: &mut TcpStream, buf: &mut [u8], end: Instant) -> io::Result<()> {
    let mut filled = 0;
    while filled < buf.len() {
        stream.set_read_timeout(Some(remaining(end)?))?;
        match stream.read(buf.get_mut(filled..).unwrap_or_default()) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => filled += n,
            Err(e) if is_wait(&e) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
