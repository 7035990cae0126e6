//! What one run of a client costs: wall time, CPU time and peak RSS of
//! that process alone, and its instruction count under valgrind.
//!
//! The child is started with `PTRACE_TRACEME` and this process as its
//! tracer, which stops it twice: after its `exec` (to ask for the next
//! stop) and as it exits (`PTRACE_EVENT_EXIT`), when its memory is still
//! there to read `VmHWM` from `/proc/PID/status`: the high-water mark of
//! the program's own address space. (`ru_maxrss` from `wait4` would not
//! do: the kernel folds into it the address space the child had before its
//! `exec`, a copy of this process with the fake API server in it, and GNU
//! time's own, about 1 MiB, is a floor under any small program.) Signals
//! the child gets meanwhile (a Go runtime's preemption signals) are passed
//! on as they come; nothing else is traced, so the child runs at full speed.
//!
//! CPU time is `ru_utime + ru_stime` from `wait4` on the child: the
//! client's own work, never the server's.

use std::io;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// What one run cost.
#[derive(Clone, Copy, Debug, Default)]
pub struct Cost {
    pub wall: Duration,
    /// User + system CPU time of the process.
    pub cpu: Duration,
    /// Peak RSS (`VmHWM`), in KiB.
    pub rss_kib: u64,
}

/// A started, traced child.
pub struct Traced {
    pid: libc::pid_t,
    started: Instant,
    /// Kept for its stdout pipe (when piped); never waited on by std.
    pub child: Child,
}

/// A copy of `command` (program, arguments, environment, directory):
/// `pre_exec` hooks add up on a `Command` run again, so each run gets its own.
pub fn copy(command: &Command) -> Command {
    let mut copy = Command::new(command.get_program());
    copy.args(command.get_args());
    for (key, value) in command.get_envs() {
        match value {
            Some(v) => copy.env(key, v),
            None => copy.env_remove(key),
        };
    }
    if let Some(dir) = command.get_current_dir() {
        copy.current_dir(dir);
    }
    copy
}

/// Starts `command` traced (stdin from /dev/null, stderr inherited).
pub fn spawn(command: &Command, stdout: Stdio) -> Result<Traced> {
    let mut command = copy(command);
    // SAFETY: the closure runs in the forked child before exec and only
    // makes one async-signal-safe system call.
    unsafe {
        command.pre_exec(|| {
            if libc::ptrace(
                libc::PTRACE_TRACEME,
                0,
                std::ptr::null_mut::<libc::c_void>(),
                std::ptr::null_mut::<libc::c_void>(),
            ) == -1
            {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let started = Instant::now();
    let child = command
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("failed to start {}", shown(&command)))?;
    Ok(Traced {
        pid: child.id() as libc::pid_t,
        started,
        child,
    })
}

impl Traced {
    pub fn pid(&self) -> u32 {
        self.pid as u32
    }

    /// Runs the child to its end; `Err` if it failed (unless
    /// `allow_failure`, for a child ended by a signal on purpose).
    pub fn finish(self, allow_failure: bool, what: &str) -> Result<Cost> {
        let mut rss_kib = 0;
        let mut first = true;
        loop {
            let mut status: libc::c_int = 0;
            // SAFETY: an all-zero rusage is a valid value to be overwritten.
            let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
            // SAFETY: valid pointers to locals; pid is our child.
            let r = unsafe { libc::wait4(self.pid, &mut status, libc::__WALL, &mut usage) };
            if r == -1 {
                let err = io::Error::last_os_error();
                if err.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(err).context("wait4");
            }
            if libc::WIFSTOPPED(status) {
                let signal = libc::WSTOPSIG(status);
                let event = (status >> 16) & 0xffff;
                let deliver = if first && signal == libc::SIGTRAP {
                    // The stop after exec: from now on, stop once more at exit.
                    first = false;
                    // SAFETY: the tracee is stopped; options are plain flags.
                    unsafe {
                        libc::ptrace(
                            libc::PTRACE_SETOPTIONS,
                            self.pid,
                            std::ptr::null_mut::<libc::c_void>(),
                            (libc::PTRACE_O_TRACEEXIT | libc::PTRACE_O_EXITKILL) as usize
                                as *mut libc::c_void,
                        );
                    }
                    0
                } else if signal == libc::SIGTRAP && event == libc::PTRACE_EVENT_EXIT {
                    rss_kib = vm_hwm(self.pid).unwrap_or(0);
                    0
                } else {
                    signal
                };
                // SAFETY: the tracee is stopped; `deliver` is a signal number or 0.
                unsafe {
                    libc::ptrace(
                        libc::PTRACE_CONT,
                        self.pid,
                        std::ptr::null_mut::<libc::c_void>(),
                        deliver as usize as *mut libc::c_void,
                    );
                }
                continue;
            }
            let wall = self.started.elapsed();
            let cpu = timeval(usage.ru_utime) + timeval(usage.ru_stime);
            let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
            if !ok && !allow_failure {
                let how = if libc::WIFEXITED(status) {
                    format!("exit code {}", libc::WEXITSTATUS(status))
                } else {
                    format!("signal {}", libc::WTERMSIG(status))
                };
                bail!("{what} failed ({how})");
            }
            return Ok(Cost { wall, cpu, rss_kib });
        }
    }
}

/// Runs `command` to its end with stdout to /dev/null.
pub fn run(command: &Command) -> Result<Cost> {
    let what = shown(command);
    spawn(command, Stdio::null())?.finish(false, &what)
}

fn timeval(t: libc::timeval) -> Duration {
    Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
}

/// `VmHWM` of `pid`, in KiB.
fn vm_hwm(pid: libc::pid_t) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The command as one would type it (without its environment).
pub fn shown(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The number of instructions `command` executes (its user space), counted
/// by valgrind (`--tool=cachegrind --cache-sim=no`), stdout discarded.
pub fn instructions(valgrind: &Path, command: &Command) -> Result<u64> {
    let out_file = std::env::temp_dir().join(format!("kapi-bench-cg-{}", std::process::id()));
    let mut vg = Command::new(valgrind);
    vg.args(["--tool=cachegrind", "--cache-sim=no", "--branch-sim=no"])
        .arg(format!("--cachegrind-out-file={}", out_file.display()))
        .arg(command.get_program())
        .args(command.get_args());
    for (key, value) in command.get_envs() {
        match value {
            Some(v) => vg.env(key, v),
            None => vg.env_remove(key),
        };
    }
    let output = vg
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .context("failed to start valgrind")?;
    let _ = std::fs::remove_file(&out_file);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        bail!("valgrind {} failed: {stderr}", shown(command));
    }
    // ==123== I   refs:      1,234,567
    stderr
        .lines()
        .find_map(|l| {
            l.split_once("I   refs:")
                .map(|(_, n)| n.trim().replace(',', ""))
        })
        .and_then(|n| n.parse().ok())
        .with_context(|| format!("valgrind printed no instruction count: {stderr}"))
}

/// The median of `values` (sorted in place); zero when empty.
pub fn median<T: Copy + Ord + Default>(values: &mut [T]) -> T {
    if values.is_empty() {
        return T::default();
    }
    values.sort();
    values[values.len() / 2]
}

/// The median wall, CPU and RSS of `costs`, each taken on its own.
pub fn median_cost(costs: &[Cost]) -> Cost {
    let mut wall: Vec<Duration> = costs.iter().map(|c| c.wall).collect();
    let mut cpu: Vec<Duration> = costs.iter().map(|c| c.cpu).collect();
    let mut rss: Vec<u64> = costs.iter().map(|c| c.rss_kib).collect();
    Cost {
        wall: median(&mut wall),
        cpu: median(&mut cpu),
        rss_kib: median(&mut rss),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_a_child_of_its_own() {
        // This process holds 64 MiB; the shell's peak is its own, not the
        // copy of this process it was forked from.
        let held = vec![1u8; 64 << 20];
        let mut sh = Command::new("sh");
        sh.args(["-c", "true"]);
        let cost = run(&sh).unwrap();
        // Again: the same command runs as often as asked.
        run(&sh).unwrap();
        assert!(held.iter().all(|&b| b == 1));
        assert!(cost.rss_kib > 0 && cost.rss_kib < 16 * 1024, "{cost:?}");
        let err = run(Command::new("sh").args(["-c", "exit 3"])).unwrap_err();
        assert!(err.to_string().contains("exit code 3"), "{err}");
    }
}
