//! The `fake-apiserver` binary as a script starts it: in the background,
//! stdin closed, stopped with SIGTERM; its token directory gone after.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn start(args: &[&str]) -> (Child, PathBuf) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fake-apiserver"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("failed to start fake-apiserver");
    let stdout = child.stdout.take().unwrap();
    let mut sa_dir = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(dir) = line.strip_prefix("export KAPI_SERVICEACCOUNT_DIR=") {
            sa_dir = Some(PathBuf::from(dir));
        }
        if line.starts_with("# stop with") {
            break;
        }
    }
    (child, sa_dir.expect("no KAPI_SERVICEACCOUNT_DIR line"))
}

fn exited_within(child: &mut Child, patience: Duration) -> bool {
    let until = Instant::now() + patience;
    while Instant::now() < until {
        if child.try_wait().unwrap().is_some() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn foreground_serves_with_stdin_closed_until_sigterm_and_removes_its_token_dir() {
    let (mut child, sa_dir) = start(&["--foreground"]);
    assert!(sa_dir.join("token").exists());
    assert!(
        !exited_within(&mut child, Duration::from_millis(700)),
        "exited although only a signal should stop it"
    );
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(exited_within(&mut child, Duration::from_secs(10)));
    assert!(!sa_dir.exists(), "{} is still there", sa_dir.display());
}

#[test]
fn without_foreground_a_closed_stdin_stops_it_and_removes_its_token_dir() {
    let (mut child, sa_dir) = start(&[]);
    assert!(exited_within(&mut child, Duration::from_secs(10)));
    assert!(!sa_dir.exists(), "{} is still there", sa_dir.display());
}
