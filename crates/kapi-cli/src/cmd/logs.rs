//! `kapi logs`: a container's log, as kubectl prints it: `POD`, `TYPE/NAME`
//! (the pod kubectl would pick) or `-l SELECTOR`, one container or all,
//! `-f` streamed.

mod pods;
mod stream;

use std::ffi::OsString;
use std::process::ExitCode;
use std::time::Duration;

use serde_json::Value;

use crate::args::{switch, value, Flag, Matches, UsageError};
use crate::connect;
use crate::error::{Error, Result};
use stream::{Mode, Stream};

pub(super) const HELP: &str = "\
Print the log of a container in a pod, or of the pod a controller runs.

Usage:
  kapi logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER] [options]
  kapi logs [-f] -l SELECTOR [options]

TYPE/NAME (deploy/web, job/migrate, sts/db, ds/gateway, rs/..., svc/...) reads the pod
kubectl would: of the pods the selector matches, running and ready ones first, the longest
ready, the most restarted; 'Found 3 pods, using pod/...' says which. With no matching pod,
it waits up to --pod-running-timeout for one. In a pod with several containers the
kubectl.kubernetes.io/default-container annotation's is read, else the first.

-f streams the log until the container stops. There is no time limit, but a connection
silent for KAPI_LOGS_IDLE_TIMEOUT (default 5m) is replaced by a new request that resumes
after the last line printed (the stream is read with timestamps, removed again unless
--timestamps; lines are told apart by their timestamps). Memory stays the same however
long it runs. With -f an error from the server (a container still being created) is retried
every second for up to --pod-running-timeout, as kubectl 1.35 does. Several containers
(--all-containers, -l) are read one after the other, or all at once with -f.

Examples:
  # Why did the migration fail?
  kapi logs job/migrate
  # Follow a deployment's pod, with the source of each line:
  kapi logs -f deploy/web --prefix
  # The container that crashed, before its restart:
  kapi logs -p db-0 -c postgres
  kapi logs ds/gateway --all-containers --since=10m --timestamps

Options:
  -c, --container NAME             The container (or give it after the pod: kapi logs POD NAME)
      --all-containers             Every container of the pod(s): init, regular, ephemeral
      --all-pods                   Every pod of TYPE/NAME, not only the first (implies --prefix)
  -l, --selector SELECTOR          The pods matching SELECTOR (default --tail=10)
  -f, --follow                     Stream the log
  -p, --previous                   The previous instance of the container (after a restart)
      --tail N                     The last N lines (default -1: all)
      --since DURATION             Lines newer than this (5s, 2m, 3h)
      --since-time TIME            Lines after this RFC 3339 time
      --timestamps                 Start each line with its RFC 3339 timestamp
      --prefix                     Start each line with [pod/NAME/CONTAINER]
      --limit-bytes N              Stop after N bytes
      --max-log-requests N         With -f: at most N streams at once (default 5)
      --pod-running-timeout D      How long to wait for a pod to exist (default 20s)
      --ignore-errors              Print an error for a stream that fails and carry on
      --insecure-skip-tls-verify-backend
                                   Ask the API server not to verify the kubelet's certificate

Global options (see 'kapi --help'): -n, -v, --request-timeout, --insecure-skip-tls-verify
";

pub(super) const FLAGS: &[Flag] = &[
    value("container", Some('c')),
    switch("all-containers", None),
    switch("all-pods", None),
    value("selector", Some('l')),
    switch("follow", Some('f')),
    switch("previous", Some('p')),
    value("tail", None),
    value("since", None),
    value("since-time", None),
    switch("timestamps", None),
    switch("prefix", None),
    value("limit-bytes", None),
    value("max-log-requests", None),
    value("pod-running-timeout", None),
    switch("ignore-errors", None),
    switch("insecure-skip-tls-verify-backend", None),
];

/// How long a followed stream may be silent before it is resumed.
pub const IDLE_TIMEOUT_ENV: &str = "KAPI_LOGS_IDLE_TIMEOUT";
const DEFAULT_IDLE: Duration = Duration::from_secs(300);

/// kubectl's usage line, in its usage errors.
const USAGE: &str = "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n\
                     POD or TYPE/NAME is a required argument for the logs command";

/// The options of one run, checked.
struct Options {
    container: Option<String>,
    all_containers: bool,
    all_pods: bool,
    prefix: bool,
    follow: bool,
    ignore_errors: bool,
    max_requests: i64,
    pod_timeout: Duration,
    /// The query every request carries (but `container`), in kubectl's
    /// (sorted) order.
    query: Vec<(&'static str, String)>,
    timestamps: bool,
    limit: Option<u64>,
}

pub fn run(args: Vec<OsString>) -> Result<ExitCode> {
    let Some(m) = super::parse("logs", args, FLAGS, HELP)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let usage = |message: &str| Error::Usage(UsageError::new("logs", message));
    let selector = m.value("selector").filter(|s| !s.is_empty());
    let (resource, inline) = match (m.positionals.as_slice(), selector) {
        ([], Some(_)) => (None, None),
        ([_], Some(_)) => return Err(usage("only a selector (-l) or a POD name is allowed")),
        ([r], None) => (Some(r.as_str()), None),
        ([r, c], _) => (Some(r.as_str()), Some(c.as_str())),
        _ => return Err(usage(USAGE)),
    };
    let options = options(&m, selector.is_some(), inline)?;
    let client = connect::client("logs", &m)?;
    let namespace = client.namespace().to_string();
    let pods = match (resource, selector) {
        (Some(arg), _) => pods::for_resource(
            &client,
            &namespace,
            arg,
            options.pod_timeout,
            options.all_pods,
        )?,
        (None, Some(selector)) => pods::for_selector(&client, &namespace, selector)?,
        (None, None) => Vec::new(),
    };
    let mut streams = Vec::new();
    for pod in &pods {
        let containers = pods::containers(
            pod,
            options.container.as_deref(),
            options.all_containers,
            options.all_pods,
        )?;
        for container in containers {
            streams.push(stream_of(pod, &container, &namespace, &options)?);
        }
    }
    if options.follow
        && streams.len() > 1
        && i64::try_from(streams.len()).unwrap_or(i64::MAX) > options.max_requests
    {
        return Err(Error::msg(format!(
            "you are attempting to follow {} log streams, but maximum allowed concurrency is {}, use --max-log-requests to increase the limit",
            streams.len(),
            options.max_requests
        )));
    }
    let mode = Mode {
        follow: options.follow,
        timestamps: options.timestamps,
        limit: options.limit,
        idle: idle_timeout()?,
        retry: options.follow.then_some(options.pod_timeout),
        ignore_errors: options.ignore_errors,
    };
    if options.follow && streams.len() > 1 {
        stream::parallel(&client, &streams, &mode)?;
    } else {
        stream::sequential(&client, &streams, &mode)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The flags, checked in kubectl's order with its messages.
fn options(m: &Matches, selector: bool, inline: Option<&str>) -> Result<Options> {
    let int = |name: &str| -> Result<Option<i64>> {
        m.value(name)
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    Error::Usage(UsageError::new(
                        "logs",
                        format!(
                            "invalid argument {v:?} for \"--{name}\" flag: strconv.ParseInt: parsing {v:?}: invalid syntax"
                        ),
                    ))
                })
            })
            .transpose()
    };
    let duration = |name: &str| -> Result<Option<(Duration, bool)>> {
        m.value(name)
            .map(|v| {
                kapi::duration::parse(v).map_err(|_| {
                    Error::Usage(UsageError::new(
                        "logs",
                        format!(
                            "invalid argument {v:?} for \"--{name}\" flag: time: invalid duration {v:?}"
                        ),
                    ))
                })
            })
            .transpose()
    };
    let tail = int("tail")?.unwrap_or(-1);
    let limit = int("limit-bytes")?.unwrap_or(0);
    let max_requests = int("max-log-requests")?.unwrap_or(5);
    let since = duration("since")?;
    let pod_timeout = match duration("pod-running-timeout")? {
        None => Duration::from_secs(20),
        Some((d, negative)) if !negative && !d.is_zero() => d,
        Some(_) => return Err(Error::msg("--pod-running-timeout must be higher than zero")),
    };
    let since_time = match m.value("since-time").filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => Some(kapi::gofmt::parse_rfc3339(t).ok_or_else(|| {
            Error::msg(format!(
                "parsing time {t:?} as \"2006-01-02T15:04:05Z07:00\": cannot parse {t:?} as RFC 3339"
            ))
        })?),
    };
    // Go's Duration.Round(time.Second), halves away from zero.
    let since_seconds = since.map(|(d, negative)| {
        let s = (d.as_millis() as i64 + 500) / 1000;
        if negative {
            -s
        } else {
            s
        }
    });
    let container = match (m.value("container").filter(|c| !c.is_empty()), inline) {
        (Some(_), Some(_)) => {
            return Err(Error::msg(
                "only one of -c or an inline [CONTAINER] arg is allowed",
            ))
        }
        (c, i) => c.or(i).map(str::to_string),
    };
    let since_seconds = since_seconds.filter(|s| *s != 0);
    if since_time.is_some() && since.is_some_and(|(d, _)| !d.is_zero()) {
        return Err(Error::msg(
            "at most one of `sinceTime` or `sinceSeconds` may be specified",
        ));
    }
    let all_containers = m.flag("all-containers");
    if let (true, Some(c)) = (all_containers, &container) {
        return Err(Error::msg(format!(
            "--all-containers=true should not be specified with container name {c}"
        )));
    }
    if limit < 0 {
        return Err(Error::msg("--limit-bytes must be greater than 0"));
    }
    if since_seconds.is_some_and(|s| s < 0) {
        return Err(Error::msg("--since must be greater than 0"));
    }
    let tail = match tail {
        -1 if selector && !m.given("tail") => Some(10),
        -1 => None,
        n if n < -1 => return Err(Error::msg("--tail must be greater than or equal to -1")),
        n => Some(n),
    };
    let follow = m.flag("follow");
    let timestamps = m.flag("timestamps");
    let limit = (limit > 0).then_some(limit as u64);
    let mut query: Vec<(&'static str, String)> = Vec::new();
    let mut add = |key: &'static str, value: String| query.push((key, value));
    if follow {
        add("follow", "true".into());
    }
    if m.flag("insecure-skip-tls-verify-backend") {
        add("insecureSkipTLSVerifyBackend", "true".into());
    }
    // Followed streams count --limit-bytes themselves (stream.rs).
    if let Some(limit) = limit.filter(|_| !follow) {
        add("limitBytes", limit.to_string());
    }
    if m.flag("previous") {
        add("previous", "true".into());
    }
    if let Some(s) = since_seconds {
        add("sinceSeconds", s.to_string());
    }
    if let Some(t) = since_time {
        add("sinceTime", kapi::gofmt::format_unix(t));
    }
    if let Some(n) = tail {
        add("tailLines", n.to_string());
    }
    // Followed streams always ask for timestamps (stream.rs).
    if timestamps && !follow {
        add("timestamps", "true".into());
    }
    let all_pods = m.flag("all-pods");
    Ok(Options {
        container,
        all_containers,
        all_pods,
        prefix: m.flag("prefix") || all_pods,
        follow,
        ignore_errors: m.flag("ignore-errors"),
        max_requests,
        pod_timeout,
        query,
        timestamps,
        limit,
    })
}

/// `KAPI_LOGS_IDLE_TIMEOUT`, else 5 minutes.
fn idle_timeout() -> Result<Duration> {
    match std::env::var(IDLE_TIMEOUT_ENV)
        .ok()
        .filter(|v| !v.is_empty())
    {
        None => Ok(DEFAULT_IDLE),
        Some(v) => match kapi::duration::parse(&v) {
            Ok((d, false)) if !d.is_zero() => Ok(d),
            _ => Err(Error::Usage(UsageError::new(
                "logs",
                format!("{IDLE_TIMEOUT_ENV}: invalid duration {v:?}: use e.g. 30s or 5m"),
            ))),
        },
    }
}

/// The request for `container` of `pod`.
fn stream_of(pod: &Value, container: &str, namespace: &str, options: &Options) -> Result<Stream> {
    let name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let ns = pod["metadata"]["namespace"].as_str().unwrap_or(namespace);
    kapi::check_segment("pod name", name)?;
    let mut query = vec![("container", container.to_string())];
    query.extend(options.query.iter().cloned());
    Ok(Stream {
        path: format!("/api/v1/namespaces/{ns}/pods/{name}/log"),
        query,
        prefix: options.prefix.then(|| format!("[pod/{name}/{container}] ")),
    })
}
