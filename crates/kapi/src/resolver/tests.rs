//! The resolver end to end against a fake DNS server on localhost, and
//! its parsers on hostile input.

use std::fs;
use std::net::TcpListener;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::thread;

use ureq::unversioned::transport::time;

use super::packet::*;
use super::resolv_conf::*;
use super::*;
use crate::transport_error::{map_ureq_error, Limits, Target};

const K8S_RESOLV_CONF: &str = "\
search test.svc.cluster.local svc.cluster.local cluster.local
nameserver 127.0.0.1
options ndots:5
";

/// A hosts file and a resolv.conf in a fresh directory, removed on drop.
struct Files(PathBuf);

impl Drop for Files {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn resolver(hosts: &str, resolv_conf: &str, port: u16) -> (SystemResolver, Files) {
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "kapi-resolver-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("hosts"), hosts).unwrap();
    fs::write(dir.join("resolv.conf"), resolv_conf).unwrap();
    let resolver = SystemResolver {
        hosts: dir.join("hosts"),
        resolv_conf: dir.join("resolv.conf"),
        port,
    };
    (resolver, Files(dir))
}

fn lookup(r: &SystemResolver, url: &str) -> Result<Vec<SocketAddr>, ureq::Error> {
    lookup_with(r, url, IpFamily::Any, None)
}

fn lookup_with(
    r: &SystemResolver,
    url: &str,
    family: IpFamily,
    after: Option<Duration>,
) -> Result<Vec<SocketAddr>, ureq::Error> {
    let config = ureq::Agent::config_builder().ip_family(family).build();
    let timeout = NextTimeout {
        after: after.map_or(time::Duration::NotHappening, Into::into),
        reason: ureq::Timeout::Resolve,
        ..NextTimeout::default()
    };
    r.resolve(&url.parse().unwrap(), &config, timeout)
        .map(|addrs| addrs.to_vec())
}

fn addrs(list: &[&str]) -> Vec<SocketAddr> {
    list.iter().map(|a| a.parse().unwrap()).collect()
}

fn target(server: &str) -> Target {
    Target {
        method: "GET".into(),
        url: format!("{server}/version"),
        server: server.into(),
        ca_file: None,
        limits: Limits::default(),
    }
}

/// A query as the fake server sees it.
struct Query {
    name: String,
    qtype: u16,
    raw: Vec<u8>,
    from: SocketAddr,
}

impl Query {
    fn parse(raw: &[u8], from: SocketAddr) -> Option<Query> {
        let (wire, next) = read_name(raw, 12)?;
        let qtype = u16::from_be_bytes(raw.get(next..next + 2)?.try_into().ok()?);
        Some(Query {
            name: dotted(&wire),
            qtype,
            raw: raw.to_vec(),
            from,
        })
    }
}

fn dotted(wire: &[u8]) -> String {
    let mut labels = Vec::new();
    let mut pos = 0;
    while let Some(&len) = wire.get(pos).filter(|&&l| l != 0) {
        labels.push(String::from_utf8_lossy(&wire[pos + 1..pos + 1 + len as usize]).into_owned());
        pos += 1 + len as usize;
    }
    labels.join(".")
}

enum Rr {
    A(&'static str, [u8; 4]),
    Aaaa(&'static str, &'static str),
    Cname(&'static str, &'static str),
}

const NOERROR: u16 = 0;
const SERVFAIL: u16 = 2;
const NXDOMAIN: u16 = 3;
const TC: u16 = 0x0200;

/// The answer to `q`: its ID and question, `flags` (rcode, TC) and
/// `answers`, owners equal to the question compressed as servers do.
fn reply(q: &Query, flags: u16, answers: &[Rr]) -> Vec<u8> {
    let mut msg = q.raw[..2].to_vec();
    msg.extend_from_slice(&(0x8180 | flags).to_be_bytes());
    msg.extend_from_slice(&[0, 1]);
    msg.extend_from_slice(&(answers.len() as u16).to_be_bytes());
    msg.extend_from_slice(&[0, 0, 0, 0]);
    msg.extend_from_slice(&q.raw[12..]);
    let name = |msg: &mut Vec<u8>, n: &str| {
        if n.eq_ignore_ascii_case(&q.name) {
            msg.extend_from_slice(&[0xc0, 12]);
        } else {
            msg.extend(encode_name(n).unwrap());
        }
    };
    for rr in answers {
        let (owner, rtype, data) = match rr {
            Rr::A(owner, ip) => (owner, TYPE_A, ip.to_vec()),
            Rr::Aaaa(owner, ip) => (
                owner,
                TYPE_AAAA,
                ip.parse::<Ipv6Addr>().unwrap().octets().to_vec(),
            ),
            Rr::Cname(owner, target) => (owner, TYPE_CNAME, encode_name(target).unwrap()),
        };
        name(&mut msg, owner);
        msg.extend_from_slice(&rtype.to_be_bytes());
        msg.extend_from_slice(&CLASS_IN.to_be_bytes());
        msg.extend_from_slice(&30u32.to_be_bytes());
        msg.extend_from_slice(&(data.len() as u16).to_be_bytes());
        msg.extend_from_slice(&data);
    }
    msg
}

/// A fake DNS server on a UDP socket: `handler` returns the datagrams
/// to send back (none: silence). Every question is logged.
struct FakeDns {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<(String, u16)>>>,
    stop: Arc<AtomicBool>,
}

impl FakeDns {
    fn start(handler: impl Fn(&Query) -> Vec<Vec<u8>> + Send + 'static) -> FakeDns {
        FakeDns::serve(UdpSocket::bind("127.0.0.1:0").unwrap(), handler)
    }

    fn serve(
        socket: UdpSocket,
        handler: impl Fn(&Query) -> Vec<Vec<u8>> + Send + 'static,
    ) -> FakeDns {
        let addr = socket.local_addr().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        socket
            .set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        let (log2, stop2) = (log.clone(), stop.clone());
        thread::spawn(move || {
            let mut buf = [0; 1024];
            while !stop2.load(Ordering::Relaxed) {
                let Ok((len, from)) = socket.recv_from(&mut buf) else {
                    continue;
                };
                let Some(q) = Query::parse(&buf[..len], from) else {
                    continue;
                };
                log2.lock().unwrap().push((q.name.clone(), q.qtype));
                for datagram in handler(&q) {
                    let _ = socket.send_to(&datagram, from);
                }
            }
        });
        FakeDns { addr, log, stop }
    }

    fn port(&self) -> u16 {
        self.addr.port()
    }

    fn queries(&self) -> Vec<(String, u16)> {
        self.log.lock().unwrap().clone()
    }

    /// The names asked, in order, each once.
    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.queries().into_iter().map(|(n, _)| n).collect();
        names.dedup();
        names
    }
}

impl Drop for FakeDns {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Answers `name` with `ips` (A and AAAA by family), NXDOMAIN for the rest.
fn zone(
    name: &'static str,
    v4: [u8; 4],
    v6: Option<&'static str>,
) -> impl Fn(&Query) -> Vec<Vec<u8>> {
    move |q| {
        vec![if q.name != name {
            reply(q, NXDOMAIN, &[])
        } else if q.qtype == TYPE_A {
            reply(q, NOERROR, &[Rr::A(name, v4)])
        } else {
            reply(
                q,
                NOERROR,
                &v6.map(|ip| Rr::Aaaa(name, ip))
                    .into_iter()
                    .collect::<Vec<_>>(),
            )
        }]
    }
}

#[test]
fn ip_literals_resolve_without_any_lookup() {
    let dns = FakeDns::start(zone("x", [10, 9, 9, 9], None));
    let (r, _files) = resolver("", "nameserver 127.0.0.1\n", dns.port());
    assert_eq!(
        lookup(&r, "https://10.0.0.1:6443/api").unwrap(),
        addrs(&["10.0.0.1:6443"])
    );
    assert_eq!(
        lookup(&r, "https://[2001:db8::1]/api").unwrap(),
        addrs(&["[2001:db8::1]:443"])
    );
    assert_eq!(
        lookup(&r, "http://127.0.0.1").unwrap(),
        addrs(&["127.0.0.1:80"])
    );
    assert!(matches!(
        lookup_with(&r, "https://10.0.0.1", IpFamily::Ipv6Only, None),
        Err(ureq::Error::HostNotFound)
    ));
    assert!(lookup(&r, "https://[fe80::1%25eth0]/").is_err());
    assert!(dns.queries().is_empty());
}

#[test]
fn unknown_schemes_are_bad_uris_as_in_ureq() {
    let (r, _files) = resolver("", "", 1);
    let err = lookup(&r, "foo://some:42/123").unwrap_err();
    assert_eq!(err.to_string(), "bad uri: unknown scheme: foo");
}

#[test]
fn hosts_file_matches_names_and_aliases_case_insensitively() {
    let hosts = "\
# kubelet-managed hosts file

127.0.0.1\tlocalhost
10.0.0.1   kubernetes.default.svc   Kubernetes kubernetes.default # the API
fd00::1 kubernetes.default.svc
#10.0.0.9 kubernetes.default.svc
10.0.0.2 other.example
";
    let (r, _files) = resolver(hosts, "nameserver 127.0.0.1\n", 1);
    let both = addrs(&["10.0.0.1:443", "[fd00::1]:443"]);
    assert_eq!(lookup(&r, "https://KUBERNETES.default.svc").unwrap(), both);
    assert_eq!(lookup(&r, "https://kubernetes.default.svc.").unwrap(), both);
    assert_eq!(
        lookup(&r, "https://kubernetes:6443").unwrap(),
        addrs(&["10.0.0.1:6443"])
    );
    assert_eq!(
        lookup(&r, "http://localhost").unwrap(),
        addrs(&["127.0.0.1:80"])
    );
    assert_eq!(
        lookup_with(
            &r,
            "https://kubernetes.default.svc",
            IpFamily::Ipv6Only,
            None
        )
        .unwrap(),
        addrs(&["[fd00::1]:443"])
    );
}

#[test]
fn hosts_file_takes_precedence_over_dns() {
    let dns = FakeDns::start(|q| {
        vec![reply(
            q,
            NOERROR,
            &[Rr::A("kubernetes.default.svc", [10, 9, 9, 9])],
        )]
    });
    let (r, _files) = resolver(
        "10.0.0.1 kubernetes.default.svc\n",
        "nameserver 127.0.0.1\n",
        dns.port(),
    );
    assert_eq!(
        lookup(&r, "https://kubernetes.default.svc").unwrap(),
        addrs(&["10.0.0.1:443"])
    );
    assert!(dns.queries().is_empty());
    // An entry of the other family only: on to DNS, as glibc does.
    let (r, _files) = resolver(
        "fd00::1 kubernetes.default.svc\n",
        "nameserver 127.0.0.1\n",
        dns.port(),
    );
    assert_eq!(
        lookup_with(
            &r,
            "https://kubernetes.default.svc",
            IpFamily::Ipv4Only,
            None
        )
        .unwrap(),
        addrs(&["10.9.9.9:443"])
    );
}

#[test]
fn a_and_aaaa_answers_come_ipv4_first() {
    let dns = FakeDns::start(|q| {
        vec![if q.qtype == TYPE_AAAA {
            reply(q, NOERROR, &[Rr::Aaaa("api.example.com", "fd00::1")])
        } else {
            reply(
                q,
                NOERROR,
                &[
                    Rr::A("api.example.com", [10, 0, 0, 1]),
                    Rr::A("api.example.com", [10, 0, 0, 2]),
                ],
            )
        }]
    });
    let (r, _files) = resolver("", "nameserver 127.0.0.1\n", dns.port());
    assert_eq!(
        lookup(&r, "https://api.example.com:6443").unwrap(),
        addrs(&["10.0.0.1:6443", "10.0.0.2:6443", "[fd00::1]:6443"])
    );
    let mut types: Vec<u16> = dns.queries().into_iter().map(|(_, t)| t).collect();
    types.sort();
    assert_eq!(types, [TYPE_A, TYPE_AAAA]);
    assert_eq!(
        lookup_with(&r, "https://api.example.com", IpFamily::Ipv6Only, None).unwrap(),
        addrs(&["[fd00::1]:443"])
    );
}

#[test]
fn ipv4_only_asks_only_for_a_records() {
    let dns = FakeDns::start(zone("api.example.com", [10, 0, 0, 1], Some("fd00::1")));
    let (r, _files) = resolver("", "nameserver 127.0.0.1\n", dns.port());
    assert_eq!(
        lookup_with(&r, "https://api.example.com", IpFamily::Ipv4Only, None).unwrap(),
        addrs(&["10.0.0.1:443"])
    );
    assert_eq!(dns.queries(), [("api.example.com".to_string(), TYPE_A)]);
}

#[test]
fn cname_chain_is_followed_within_the_answer() {
    let dns = FakeDns::start(|q| {
        if q.qtype != TYPE_A {
            return vec![reply(q, NOERROR, &[])];
        }
        let answers = match q.name.as_str() {
            "api.example.com" => vec![
                Rr::A("decoy.example.com", [10, 6, 6, 6]),
                Rr::Cname("api.example.com", "lb.example.com"),
                Rr::Cname("lb.example.com", "lb-1.example.net"),
                Rr::A("lb-1.example.net", [10, 1, 1, 1]),
            ],
            // A loop and nothing else: no address, and no hang.
            _ => vec![
                Rr::Cname("loop.example.com", "pool.example.com"),
                Rr::Cname("pool.example.com", "loop.example.com"),
            ],
        };
        vec![reply(q, NOERROR, &answers)]
    });
    let (r, _files) = resolver("", "nameserver 127.0.0.1\n", dns.port());
    assert_eq!(
        lookup(&r, "https://api.example.com").unwrap(),
        addrs(&["10.1.1.1:443"])
    );
    assert!(matches!(
        lookup(&r, "https://loop.example.com"),
        Err(ureq::Error::HostNotFound)
    ));
}

#[test]
fn short_names_go_through_the_search_list_with_ndots_5() {
    let dns = FakeDns::start(zone(
        "kubernetes.default.svc.cluster.local",
        [10, 96, 0, 1],
        None,
    ));
    let (r, _files) = resolver("", K8S_RESOLV_CONF, dns.port());
    assert_eq!(
        lookup(&r, "https://kubernetes.default").unwrap(),
        addrs(&["10.96.0.1:443"])
    );
    // NXDOMAIN for the first search name falls through to the next.
    assert_eq!(
        dns.names(),
        [
            "kubernetes.default.test.svc.cluster.local",
            "kubernetes.default.svc.cluster.local"
        ]
    );
}

#[test]
fn names_with_ndots_dots_are_tried_as_is_first() {
    let dns = FakeDns::start(zone("api.example.com", [10, 0, 0, 1], None));
    let conf = "nameserver 127.0.0.1\nsearch corp.example\n";
    let (r, _files) = resolver("", conf, dns.port());
    assert_eq!(
        lookup(&r, "https://api.example.com").unwrap(),
        addrs(&["10.0.0.1:443"])
    );
    assert_eq!(dns.names(), ["api.example.com"]);

    let dns = FakeDns::start(zone("api", [10, 0, 0, 2], None));
    let (r, _files) = resolver("", conf, dns.port());
    assert_eq!(lookup(&r, "https://api").unwrap(), addrs(&["10.0.0.2:443"]));
    assert_eq!(dns.names(), ["api.corp.example", "api"]);
}

#[test]
fn a_trailing_dot_means_absolute() {
    let dns = FakeDns::start(zone(
        "kubernetes.default.svc.cluster.local",
        [10, 96, 0, 1],
        None,
    ));
    let (r, _files) = resolver("", K8S_RESOLV_CONF, dns.port());
    assert_eq!(
        lookup(&r, "https://kubernetes.default.svc.cluster.local.").unwrap(),
        addrs(&["10.96.0.1:443"])
    );
    assert_eq!(dns.names(), ["kubernetes.default.svc.cluster.local"]);
}

#[test]
fn candidates_follow_glibc_order() {
    let conf = ResolvConf::parse(K8S_RESOLV_CONF);
    assert_eq!(
        conf.candidates("kubernetes"),
        [
            "kubernetes.test.svc.cluster.local",
            "kubernetes.svc.cluster.local",
            "kubernetes.cluster.local",
            "kubernetes"
        ]
    );
    assert_eq!(
        conf.candidates("a.b.c.d.e.f")[..2],
        ["a.b.c.d.e.f", "a.b.c.d.e.f.test.svc.cluster.local"]
    );
    assert_eq!(conf.candidates("x.y."), ["x.y"]);
}

#[test]
fn nxdomain_everywhere_is_host_not_found_naming_the_host() {
    let dns = FakeDns::start(|q| vec![reply(q, NXDOMAIN, &[])]);
    let (r, _files) = resolver("", K8S_RESOLV_CONF, dns.port());
    let err = lookup(&r, "https://nowhere:6443").unwrap_err();
    assert!(matches!(err, ureq::Error::HostNotFound), "{err}");
    assert_eq!(dns.names().len(), 4);
    assert_eq!(
        map_ureq_error(err, &target("https://nowhere:6443")).to_string(),
        "Unable to connect to the server https://nowhere:6443: no such host (could not resolve nowhere:6443)"
    );
}

/// Two fake servers on 127.0.0.1 and 127.0.0.2, one port (resolv.conf
/// cannot give each its own).
fn two_servers(
    first: impl Fn(&Query) -> Vec<Vec<u8>> + Send + 'static,
    second: impl Fn(&Query) -> Vec<Vec<u8>> + Send + 'static,
) -> (FakeDns, FakeDns) {
    for _ in 0..20 {
        let a = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = a.local_addr().unwrap().port();
        if let Ok(b) = UdpSocket::bind(("127.0.0.2", port)) {
            return (FakeDns::serve(a, first), FakeDns::serve(b, second));
        }
    }
    panic!("no port free on both 127.0.0.1 and 127.0.0.2");
}

#[test]
fn servfail_moves_on_to_the_next_server() {
    let (first, second) = two_servers(
        |q| vec![reply(q, SERVFAIL, &[])],
        zone("api.example.com", [10, 0, 0, 1], None),
    );
    let conf = "nameserver 127.0.0.1\nnameserver 127.0.0.2\n";
    let (r, _files) = resolver("", conf, first.port());
    assert_eq!(
        lookup(&r, "https://api.example.com").unwrap(),
        addrs(&["10.0.0.1:443"])
    );
    assert_eq!(first.names(), ["api.example.com"]);
    assert_eq!(second.names(), ["api.example.com"]);
}

#[test]
fn servfail_from_every_server_is_reported_with_its_cause() {
    let (first, _second) = two_servers(
        |q| vec![reply(q, SERVFAIL, &[])],
        |q| vec![reply(q, SERVFAIL, &[])],
    );
    let conf = "nameserver 127.0.0.1\nnameserver 127.0.0.2\n";
    let (r, _files) = resolver("", conf, first.port());
    let started = Instant::now();
    let err = lookup(&r, "https://api.example.com").unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    let message = map_ureq_error(err, &target("https://api.example.com")).to_string();
    assert_eq!(
        message,
        format!(
            "Unable to connect to the server https://api.example.com: failed to resolve api.example.com: nameserver 127.0.0.2:{}: SERVFAIL",
            first.port()
        )
    );
}

#[test]
fn a_refusing_nameserver_fails_fast() {
    let port = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (r, _files) = resolver("", "nameserver 127.0.0.1\n", port);
    let started = Instant::now();
    let err = lookup(&r, "https://api.example.com").unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(
        err.to_string()
            .contains("failed to resolve api.example.com: nameserver 127.0.0.1"),
        "{err}"
    );
}

#[test]
fn a_truncated_udp_answer_is_retried_over_tcp() {
    let (udp, listener) = (0..20)
        .find_map(|_| {
            let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
            let port = udp.local_addr().unwrap().port();
            TcpListener::bind(("127.0.0.1", port))
                .ok()
                .map(|tcp| (udp, tcp))
        })
        .unwrap();
    // 40 A records: more than a 512-byte datagram holds.
    let records = || {
        (1..=40)
            .map(|i| Rr::A("big.example.com", [10, 0, 0, i]))
            .collect::<Vec<_>>()
    };
    let dns = FakeDns::serve(udp, |q| vec![reply(q, TC, &[])]);
    let served = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut len = [0; 2];
        stream.read_exact(&mut len).unwrap();
        let mut query = vec![0; usize::from(u16::from_be_bytes(len))];
        stream.read_exact(&mut query).unwrap();
        let q = Query::parse(&query, stream.peer_addr().unwrap()).unwrap();
        let answer = reply(&q, NOERROR, &records());
        assert!(answer.len() > 512);
        stream
            .write_all(&(answer.len() as u16).to_be_bytes())
            .unwrap();
        stream.write_all(&answer).unwrap();
        q.name
    });
    let (r, _files) = resolver("", "nameserver 127.0.0.1\n", dns.port());
    let found = lookup_with(&r, "https://big.example.com", IpFamily::Ipv4Only, None).unwrap();
    // ureq keeps 16 addresses at most.
    let expected: Vec<SocketAddr> = (1..=16)
        .map(|i| SocketAddr::from(([10, 0, 0, i], 443)))
        .collect();
    assert_eq!(found, expected);
    assert_eq!(served.join().unwrap(), "big.example.com");
}

#[test]
fn a_silent_server_times_out_at_ureqs_deadline() {
    let dns = FakeDns::start(|_| vec![]);
    let (r, _files) = resolver("", K8S_RESOLV_CONF, dns.port());
    let started = Instant::now();
    let err = lookup_with(
        &r,
        "https://kubernetes.default",
        IpFamily::Any,
        Some(Duration::from_millis(300)),
    )
    .unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(err, ureq::Error::Timeout(ureq::Timeout::Resolve)),
        "{err}"
    );
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_millis(1000),
        "{took:?}"
    );
}

#[test]
fn a_silent_server_is_given_up_on_after_the_configured_attempts() {
    let dns = FakeDns::start(|_| vec![]);
    let conf = format!("{K8S_RESOLV_CONF}options timeout:1 attempts:1\n");
    let (r, _files) = resolver("", &conf, dns.port());
    let started = Instant::now();
    let err = lookup(&r, "https://kubernetes.default").unwrap_err();
    let took = started.elapsed();
    // One name, one attempt: the rest of the search list would wait as long.
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_millis(1800),
        "{took:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "io: failed to resolve kubernetes.default: no answer for kubernetes.default.test.svc.cluster.local from 127.0.0.1:{} (attempts:1 timeout:1)",
            dns.port()
        )
    );
}

#[test]
fn answers_with_a_wrong_id_or_question_are_ignored() {
    let dns = FakeDns::start(|q| {
        let good = reply(q, NOERROR, &[Rr::A("api.example.com", [10, 0, 0, 1])]);
        let mut wrong_id = reply(q, NOERROR, &[Rr::A("api.example.com", [10, 6, 6, 6])]);
        wrong_id[0] ^= 0xff;
        let mut not_a_response = reply(q, NOERROR, &[Rr::A("api.example.com", [10, 6, 6, 7])]);
        not_a_response[2] &= 0x7f;
        let mut other = Query::parse(
            &build_query(0, &encode_name("evil.example.com").unwrap(), TYPE_A),
            q.from,
        )
        .unwrap();
        other.raw[..2].copy_from_slice(&q.raw[..2]);
        let other_question = reply(&other, NOERROR, &[Rr::A("evil.example.com", [10, 6, 6, 8])]);
        vec![wrong_id, not_a_response, other_question, good]
    });
    let (r, _files) = resolver("", "nameserver 127.0.0.1\n", dns.port());
    assert_eq!(
        lookup_with(&r, "https://api.example.com", IpFamily::Ipv4Only, None).unwrap(),
        addrs(&["10.0.0.1:443"])
    );
}

#[test]
fn answers_from_another_address_are_ignored() {
    let forger = UdpSocket::bind("127.0.0.1:0").unwrap();
    let dns = FakeDns::start(move |q| {
        let forged = reply(q, NOERROR, &[Rr::A("api.example.com", [10, 6, 6, 6])]);
        forger.send_to(&forged, q.from).unwrap();
        thread::sleep(Duration::from_millis(50));
        vec![reply(
            q,
            NOERROR,
            &[Rr::A("api.example.com", [10, 0, 0, 1])],
        )]
    });
    let (r, _files) = resolver("", "nameserver 127.0.0.1\n", dns.port());
    assert_eq!(
        lookup_with(&r, "https://api.example.com", IpFamily::Ipv4Only, None).unwrap(),
        addrs(&["10.0.0.1:443"])
    );
}

#[test]
fn malformed_datagrams_are_skipped() {
    let dns = FakeDns::start(|q| {
        let mut header_only = reply(q, NOERROR, &[]);
        header_only.truncate(12);
        let mut cut = reply(q, NOERROR, &[Rr::A("api.example.com", [10, 6, 6, 6])]);
        cut.truncate(cut.len() - 2);
        vec![
            vec![],
            vec![0],
            header_only,
            vec![0xff; 700],
            cut.clone(),
            reply(q, NOERROR, &[Rr::A("api.example.com", [10, 0, 0, 1])]),
        ]
    });
    let (r, _files) = resolver("", "nameserver 127.0.0.1\n", dns.port());
    // The cut answer carries the right ID and question: a broken server,
    // reported rather than waited on.
    let err = lookup_with(&r, "https://api.example.com", IpFamily::Ipv4Only, None).unwrap_err();
    assert!(err.to_string().contains("malformed answer"), "{err}");
}

/// xorshift64*: reproducible noise without a rand crate.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn random_and_mutated_packets_never_panic() {
    let qname = encode_name("api.example.com").unwrap();
    let query = build_query(0x1234, &qname, TYPE_A);
    let q = Query::parse(&query, "127.0.0.1:53".parse().unwrap()).unwrap();
    let valid = reply(
        &q,
        NOERROR,
        &[
            Rr::Cname("api.example.com", "lb.example.com"),
            Rr::A("lb.example.com", [10, 0, 0, 1]),
            Rr::Aaaa("lb.example.com", "fd00::1"),
        ],
    );
    assert_eq!(
        parse_response(&valid, 0x1234, &qname, TYPE_A),
        Some(Answer::Addrs(vec![IpAddr::from([10, 0, 0, 1])]))
    );
    let mut noise = Noise(0x9e37_79b9_7f4a_7c15);
    for round in 0..200_000 {
        let msg: Vec<u8> = match round % 3 {
            // Pure noise.
            0 => (0..noise.below(600)).map(|_| noise.next() as u8).collect(),
            // Our header and question, then noise: reaches the answers.
            1 => {
                let mut m = valid[..12 + qname.len() + 4].to_vec();
                m[6] = noise.next() as u8;
                m[7] = noise.next() as u8;
                m.extend((0..noise.below(300)).map(|_| noise.next() as u8));
                m
            }
            // The valid answer with a few bytes changed, maybe cut.
            _ => {
                let mut m = valid.clone();
                for _ in 0..1 + noise.below(4) {
                    let i = noise.below(m.len());
                    m[i] = noise.next() as u8;
                }
                m.truncate(noise.below(m.len() + 1));
                m
            }
        };
        let _ = parse_response(&msg, 0x1234, &qname, TYPE_A);
        let _ = parse_response(&msg, 0x1234, &qname, TYPE_AAAA);
        let _ = read_name(&msg, noise.below(msg.len() + 2));
    }
    // A pointer to itself, and a chain longer than any name allows.
    assert_eq!(read_name(&[0xc0, 0], 0), None);
    let chain: Vec<u8> = (1..=200u16)
        .flat_map(|i| [[1, b'a'], (0xc000 | (4 * i)).to_be_bytes()])
        .flatten()
        .collect();
    assert_eq!(read_name(&chain, 0), None);
}

#[test]
fn resolv_conf_is_read_as_glibc_reads_it() {
    let conf = ResolvConf::parse(
        "\
# generated by the kubelet
nameserver 10.96.0.10
nameserver fd00::10 ; a comment
nameserver not-an-address
nameserver 10.0.0.3
nameserver 10.0.0.4
domain ignored.example
search Test.svc.cluster.local. svc.cluster.local cluster.local
options ndots:5 timeout:0 attempts:9 rotate edns0 ndots:x
",
    );
    assert_eq!(
        conf,
        ResolvConf {
            servers: vec![
                "10.96.0.10".parse().unwrap(),
                "fd00::10".parse().unwrap(),
                "10.0.0.3".parse().unwrap()
            ],
            search: vec![
                "test.svc.cluster.local".into(),
                "svc.cluster.local".into(),
                "cluster.local".into()
            ],
            ndots: 5,
            timeout: Duration::from_secs(1),
            attempts: 5,
        }
    );
    let empty =
        ResolvConf::parse("search a.example\ndomain b.example\noptions ndots:99 timeout:99\n");
    assert_eq!(empty.servers, [IpAddr::from([127, 0, 0, 1])]);
    assert_eq!(empty.search, ["b.example"]);
    assert_eq!(
        (empty.ndots, empty.timeout, empty.attempts),
        (15, Duration::from_secs(30), 2)
    );
}

#[test]
fn names_that_cannot_be_dns_names_are_rejected() {
    assert_eq!(encode_name("a.b").unwrap(), b"\x01a\x01b\x00");
    assert_eq!(encode_name("A.b").unwrap(), b"\x01a\x01b\x00");
    assert_eq!(encode_name("a..b"), None);
    assert_eq!(encode_name(""), None);
    assert_eq!(encode_name(&"a".repeat(64)), None);
    assert_eq!(encode_name(&["abcdefg"; 32].join(".")), None);
}

#[test]
fn query_ids_vary() {
    let ids: std::collections::HashSet<u16> = (0..64).map(|_| query_id()).collect();
    assert!(ids.len() > 48, "{}", ids.len());
}
