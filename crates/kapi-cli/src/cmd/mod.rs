//! The commands, one per file, and the dispatch between them.

mod api_resources;
mod apply;
mod auth;
mod config;
mod create;
mod delete;
mod flags;
#[cfg(test)]
mod flags_in_help;
mod get;
mod label;
mod logs;
mod patch;
mod raw;
mod replace;
mod rollout;
mod scale;
mod set_image;
mod version;
mod wait;
mod wait_for;

use std::ffi::OsString;
use std::process::ExitCode;

use crate::args::{self, Matches, UsageError};
use crate::error::Result;

const HELP: &str = "\
kapi talks to the Kubernetes API server, from inside a pod with the pod's
service account or from anywhere with a kubeconfig: a small static subset of kubectl.

Usage:
  kapi COMMAND [options]
  kapi help COMMAND        (the same as kapi COMMAND --help)

Commands:
  get            Display one or many resources, or a raw API path (--raw)
  api-resources  Print the resource types the server serves
  create         Create objects from a manifest (-f FILE|-), or configmap|secret from files
  apply          Apply a manifest on the server (-f FILE|-), as kubectl apply --server-side
  replace        Replace objects with a manifest (-f FILE|-)
  patch          Update fields of an object (strategic, merge or JSON patch)
  label          Set or remove labels (kapi label pod \"$HOSTNAME\" ready=true)
  annotate       Set or remove annotations
  delete         Delete objects by name, manifest, selector or --all, and wait until gone
  logs           Print a container's log (POD, TYPE/NAME or -l), -f to stream it
  auth           can-i: may this pod do something (exit 0/1); whoami: who it is
  raw            Send any request to an API path (curl's job, with the pod's credentials)
  version        Print the client and server versions
  config         view, current-context, get-contexts: the kubeconfig, read-only
  wait           Wait until objects meet a condition, are created or are deleted
  rollout        status (watch until rolled out), restart, history of Deployments and co.
  scale          Set a new replica count through the scale subresource
  set image      Update container images (kapi set image deployment/web web=app:2)
  wait-for       Wait as k8s-wait-for's wait_for.sh does (pod, job, service NAME|-lSEL)

Global options:
  -n, --namespace NS              Namespace (default: the pod's own, from POD_NAMESPACE
                                  or the service account)
  -v, --v N                       Log requests to stderr: 6 method, URL, status, latency;
                                  7 adds request headers; 8 adds response headers and bodies.
                                  Authorization is always masked.
      --request-timeout DURATION  Give up on a request after this long (e.g. 5s, 1m; 0 = no limit)
      --insecure-skip-tls-verify  Do not verify the server's certificate (unsafe; says so on stderr)
      --kubeconfig FILE           Use this kubeconfig file only
      --context NAME              The kubeconfig context to use
      --cluster NAME              The kubeconfig cluster to use (instead of the context's)
      --user NAME                 The kubeconfig user to use (instead of the context's)
  -s, --server URL                The API server's URL
      --token TOKEN               A bearer token
      --certificate-authority F   A CA bundle to verify the server with
      --tls-server-name NAME      The name the server's certificate must have (and SNI)
  -h, --help                      Help for kapi or a command

Configuration, in kubectl's order: --kubeconfig, else KUBECONFIG's files merged, else
~/.kube/config, else the pod: KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT and the
service-account files in /var/run/secrets/kubernetes.io/serviceaccount (or the directory in
KAPI_SERVICEACCOUNT_DIR). In a pod, proxy environment variables are ignored; with a
kubeconfig, the cluster's proxy-url, else HTTPS_PROXY/HTTP_PROXY unless NO_PROXY matches.
Exec credential plugins run without a terminal and are stopped after KAPI_EXEC_TIMEOUT (60s).

Exit codes: 0 success, 1 error (or 'no' from 'kapi auth can-i'), 2 usage error; for
'kapi wait' also 3 timed out, 4 a --fail-on condition held or the wait can no longer
succeed, 5 not allowed (401/403), 6 the API server cannot be reached.
";

/// Runs the command line (without the program name).
pub fn run(args: Vec<OsString>) -> Result<ExitCode> {
    let (words, rest) = args::split_command(args)?;
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["get"] => get::run(rest),
        ["api-resources"] => api_resources::run(rest),
        ["raw"] => raw::run(rest),
        ["create"] => create::run(rest),
        ["apply"] => apply::run(rest),
        ["replace"] => replace::run(rest),
        ["patch"] => patch::run(rest),
        ["label"] => label::run(rest, label::Which::Labels),
        ["annotate"] => label::run(rest, label::Which::Annotations),
        ["delete"] => delete::run(rest),
        ["logs"] => logs::run(rest),
        ["auth", "can-i"] => auth::can_i(rest),
        ["auth", "whoami"] => auth::whoami(rest),
        ["auth"] => auth::help(rest),
        ["auth", other] => Err(UsageError::new(
            "auth",
            format!("unknown command {other:?} for \"kapi auth\""),
        )
        .into()),
        ["config", "view"] => config::view(rest),
        ["config", "current-context"] => config::current_context(rest),
        ["config", "get-contexts"] => config::get_contexts(rest),
        ["config"] => config::help(rest),
        ["config", other] => Err(UsageError::new(
            "config",
            format!("unknown command {other:?} for \"kapi config\""),
        )
        .into()),
        ["version"] => version::run(rest),
        ["wait"] => wait::run(rest),
        ["rollout"] => rollout::run(rest),
        ["scale"] => scale::run(rest),
        ["set"] => set_image::run_set(rest),
        ["wait-for"] => wait_for::run(rest),
        [] => {
            // kubectl prints its help and exits 0 when given no command.
            args::parse("", rest, &[])?;
            print!("{HELP}");
            Ok(ExitCode::SUCCESS)
        }
        ["help"] => help(rest),
        [other, ..] => {
            Err(UsageError::new("", format!("unknown command {other:?} for \"kapi\"")).into())
        }
    }
}

/// `kapi help [COMMAND...]`: the command's own `--help`, as kubectl's
/// `help` does; an unknown topic says so on stderr, then the overview
/// (exit 0, as kubectl).
fn help(rest: Vec<OsString>) -> Result<ExitCode> {
    let topic = args::parse("help", rest, &[])?.positionals;
    if topic.is_empty() {
        print!("{HELP}");
        return Ok(ExitCode::SUCCESS);
    }
    // The longest known command among the topic's first words: `help auth
    // can-i`, `help get pods` (= `get --help`), `help auth nosuch` (= `auth`).
    for words in (1..=topic.len().min(2)).rev() {
        let mut args: Vec<OsString> = topic[..words].iter().map(OsString::from).collect();
        args.push("--help".into());
        match run(args) {
            Err(crate::error::Error::Usage(e)) if e.message.starts_with("unknown command") => {}
            done => return done,
        }
    }
    eprintln!("Unknown help topic [`{}`]", topic[0]);
    eprint!("{HELP}");
    Ok(ExitCode::SUCCESS)
}

/// Parses a command's flags; `--help` prints its help and ends the run.
fn parse(
    command: &str,
    args: Vec<OsString>,
    flags: &[args::Flag],
    help: &str,
) -> Result<Option<Matches>> {
    let m = args::parse(command, args, flags)?;
    if m.flag("help") {
        print!("{help}");
        return Ok(None);
    }
    Ok(Some(m))
}
