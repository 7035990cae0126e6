//! `kapi`: the in-pod subset of kubectl, small and static.
//!
//! `main` only collects the arguments, runs the command and turns an error
//! into kubectl's message and a documented exit code (see `error::exit`).

#![forbid(unsafe_code)]

mod args;
mod cmd;
mod connect;
mod error;
mod objects;
mod output;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    match cmd::run(args) {
        Ok(code) => code,
        Err(e) => e.report(),
    }
}
