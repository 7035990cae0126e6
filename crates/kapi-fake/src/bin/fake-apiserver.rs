//! `fake-apiserver`: the fake API server for a human, to point curl, kubectl
//! or kapi at by hand.
//!
//! ```text
//! cargo run -p kapi-fake --bin fake-apiserver -- --kubeconfig /tmp/fake.kubeconfig
//! ```
//!
//! Prints the URL and the in-cluster environment as `export` lines, writes a
//! kubeconfig when asked, and serves until Ctrl-C, SIGTERM, or stdin closes
//! (with `--foreground`, only until a signal: for `fake-apiserver &` in a
//! script, whose stdin is closed). Its temporary service-account directory
//! (which holds the token) is removed on the way out.

use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::process::ExitCode;

use kapi_fake::{fixtures_dir, FakeApiServer, WatchList};
use tokio::signal::unix::{signal, SignalKind};

const USAGE: &str = "usage: fake-apiserver [--ipv6] [--expired-cert] [--kubeconfig PATH]
                      [--now RFC3339] [--many-pods N] [--watch-events N]
                      [--ignore-limit] [--legacy-discovery]
                      [--without-api GROUP/VERSION]... [--endless-log NS/POD/CONTAINER]...
                      [--watch-list MODE] [--foreground]

Serves fixtures/api over TLS until Ctrl-C, SIGTERM, or stdin closes.

  --foreground        ignore stdin: serve until SIGINT or SIGTERM (for
                      `fake-apiserver --foreground &` in a script)
  --ipv6              listen on [::1] instead of 127.0.0.1
  --expired-cert      serve fixtures/pki/expired.crt
  --kubeconfig PATH   write a kubeconfig for the server to PATH (mode 0600;
                      it holds the token)
  --now RFC3339       the fake's fixed clock (default 2026-01-01T00:00:00Z)
  --many-pods N       generate N pods in namespace big
  --watch-events N    every watch on them streams N MODIFIED events first
  --ignore-limit      every list is one page, whatever its limit
  --legacy-discovery  no aggregated discovery (a server before 1.30)
  --without-api GV    do not serve the built-in GV (policy/v1), repeatable
  --endless-log NS/POD/CONTAINER
                      `logs -f` of that container never ends (numbered lines,
                      as fast as they are read), repeatable
  --watch-list MODE   sendInitialEvents watches: enabled (default), disabled
                      (422, a 1.33 server), bad-request (400), ignored";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("fake-apiserver: error: {err}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut builder = FakeApiServer::builder();
    let mut kubeconfig: Option<PathBuf> = None;
    let mut foreground = false;
    let mut endless: Vec<Vec<String>> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--ipv6" => builder = builder.bind_ipv6(),
            "--expired-cert" => builder = builder.expired_cert(),
            "--kubeconfig" => {
                let path = args.next().ok_or("--kubeconfig needs a PATH")?;
                kubeconfig = Some(path.into());
            }
            "--now" => {
                let now = args.next().ok_or("--now needs an RFC 3339 time")?;
                builder = builder.now(&now);
            }
            "--many-pods" => {
                let n = args.next().ok_or("--many-pods needs a number")?;
                let n = n
                    .parse()
                    .map_err(|_| format!("--many-pods: '{n}' is not a number"))?;
                builder = builder.many_pods(n);
            }
            "--watch-events" => {
                let n = args.next().ok_or("--watch-events needs a number")?;
                let n = n
                    .parse()
                    .map_err(|_| format!("--watch-events: '{n}' is not a number"))?;
                builder = builder.watch_events(n);
            }
            "--ignore-limit" => builder = builder.ignore_limit(),
            "--legacy-discovery" => builder = builder.legacy_discovery_only(),
            "--without-api" => {
                let gv = args.next().ok_or("--without-api needs a GROUP/VERSION")?;
                builder = builder.without_api(&gv);
            }
            "--watch-list" => {
                let mode = args.next().ok_or("--watch-list needs a MODE")?;
                let mode = match mode.as_str() {
                    "enabled" => WatchList::Enabled,
                    "disabled" => WatchList::Disabled,
                    "bad-request" => WatchList::BadRequest,
                    "ignored" => WatchList::Ignored,
                    _ => return Err(format!("--watch-list: unknown mode '{mode}'")),
                };
                builder = builder.watch_list(mode);
            }
            "--foreground" => foreground = true,
            "--endless-log" => {
                let spec = args
                    .next()
                    .ok_or("--endless-log needs NAMESPACE/POD/CONTAINER")?;
                let parts: Vec<String> = spec.split('/').map(str::to_string).collect();
                if parts.len() != 3 {
                    return Err(format!(
                        "--endless-log: '{spec}' is not NAMESPACE/POD/CONTAINER"
                    ));
                }
                endless.push(parts);
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument '{other}'\n\n{USAGE}")),
        }
    }

    let server = builder.build();
    for parts in &endless {
        server.endless_log(&parts[0], &parts[1], &parts[2]);
    }
    let ca = fixtures_dir().join("pki/ca.crt");
    let mut out = io::stdout().lock();
    let _ = writeln!(
        out,
        "# fake-apiserver serving {} (CA {})",
        server.url(),
        ca.display()
    );
    for (name, value) in server.env() {
        let _ = writeln!(out, "export {name}={value}");
    }
    let _ = writeln!(
        out,
        "# curl --cacert {} -H \"Authorization: Bearer $(cat $KAPI_SERVICEACCOUNT_DIR/token)\" {}/version",
        ca.display(),
        server.url()
    );
    if let Some(path) = &kubeconfig {
        write_private(path, &server.kubeconfig())
            .map_err(|err| format!("failed to write '{}': {err}", path.display()))?;
        let _ = writeln!(
            out,
            "# kubectl --kubeconfig {} get --raw /version",
            path.display()
        );
    }
    let _ = writeln!(
        out,
        "# stop with {}",
        if foreground {
            "Ctrl-C or SIGTERM"
        } else {
            "Ctrl-C, SIGTERM or by closing stdin"
        }
    );
    let _ = out.flush();
    drop(out);

    wait_for_stop(!foreground)?;
    drop(server);
    if let Some(path) = kubeconfig {
        let _ = fs::remove_file(path);
    }
    Ok(())
}

/// Blocks until SIGINT, SIGTERM or (when `stdin_stops`) end of stdin.
fn wait_for_stop(stdin_stops: bool) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| format!("failed to start a runtime: {err}"))?;
    let (closed_tx, closed_rx) = tokio::sync::oneshot::channel::<()>();
    if stdin_stops {
        std::thread::spawn(move || {
            let _ = io::copy(&mut io::stdin().lock().by_ref(), &mut io::sink());
            let _ = closed_tx.send(());
        });
    } else {
        // Never sent: only a signal ends the wait.
        std::mem::forget(closed_tx);
    }
    runtime.block_on(async {
        let mut interrupt = signal(SignalKind::interrupt()).map_err(|e| e.to_string())?;
        let mut terminate = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
            _ = closed_rx => {}
        }
        Ok(())
    })
}

fn write_private(path: &PathBuf, content: &str) -> io::Result<()> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(content.as_bytes())
}
