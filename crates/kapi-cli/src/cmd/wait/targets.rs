//! Several targets in one `kapi wait`, each with its own conditions: the
//! command line is cut into groups at each `--and`, and each group is a
//! wait of its own (`TYPE/NAME... --for=...`, `-l`, `--fail-on`, `-n`,
//! ...). All of them must end met; they are waited for at the same time.
//!
//! `--timeout` and the global options (`-v`, `--kubeconfig`, `--context`,
//! `--request-timeout`, ...) apply to the whole command wherever they are
//! written; `-n` applies to its own group.

use std::ffi::OsString;
use std::sync::Arc;

use super::condition::Condition;
use super::endpoints::EndpointsTracker;
use super::rbac::Access;
use super::tracker::{Conditions, Target, Track, Tracker};

/// The word between two groups.
pub const SEPARATOR: &str = "--and";

/// The groups of a command line (one when there is no `--and`).
pub fn split(args: Vec<OsString>) -> Vec<Vec<OsString>> {
    let mut groups = vec![Vec::new()];
    for arg in args {
        if arg == SEPARATOR {
            groups.push(Vec::new());
        } else if let Some(last) = groups.last_mut() {
            last.push(arg);
        }
    }
    groups
}

/// `args` without `-n`/`--namespace` and their values (`-n NS`, `-nNS`,
/// `-n=NS`, `--namespace NS`, `--namespace=NS`, and `-n` at the end of a
/// cluster of switches such as `-An NS`): what the client is configured
/// with, since each group has its own namespace.
pub fn without_namespace(args: &[OsString]) -> Vec<OsString> {
    let mut out = Vec::with_capacity(args.len());
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let text = arg.to_string_lossy();
        if text == "--" {
            out.push(arg.clone());
            out.extend(iter.cloned());
            break;
        }
        if text == "--namespace" {
            iter.next();
            continue;
        }
        if text.starts_with("--namespace=") {
            continue;
        }
        if let Some(shorts) = text.strip_prefix('-').filter(|s| !s.starts_with('-')) {
            // Switches first (-A, -h), then at most one flag with a value.
            let switches: String = shorts
                .chars()
                .take_while(|c| matches!(c, 'A' | 'h'))
                .collect();
            let rest = &shorts[switches.len()..];
            if let Some(value) = rest.strip_prefix('n') {
                if value.is_empty() {
                    iter.next();
                }
                if !switches.is_empty() {
                    out.push(OsString::from(format!("-{switches}")));
                }
                continue;
            }
        }
        out.push(arg.clone());
    }
    out
}

/// What a wait target watches and how its state is judged.
pub enum Judge {
    /// Objects against the group's conditions.
    Objects,
    /// A Service's ready endpoints (`--for=endpoints[=N]`); the target
    /// lists and watches EndpointSlices.
    Endpoints {
        /// The named Service, or `None` for every Service a selector
        /// matches.
        service: Option<String>,
        /// N.
        min: u64,
    },
}

/// One wait: a target, its conditions, and how it is judged.
pub struct Spec {
    /// What is listed and watched.
    pub target: Target,
    /// The group's conditions.
    pub conditions: Arc<Conditions>,
    /// Objects or endpoints.
    pub judge: Judge,
}

impl Spec {
    /// A fresh state for this wait.
    pub fn tracker(&self) -> Box<dyn Track + '_> {
        match &self.judge {
            Judge::Objects => Box::new(Tracker::new(&self.target, &self.conditions)),
            Judge::Endpoints { service, min, .. } => Box::new(EndpointsTracker::new(
                service.clone(),
                self.target.label_selector.clone(),
                *min,
            )),
        }
    }

    /// What the wait reads, for the RBAC hint after a 403.
    pub fn access<'a>(&'a self, client_namespace: &'a str) -> Access<'a> {
        let namespace = if self.target.all_namespaces {
            None
        } else {
            Some(self.target.namespace.as_deref().unwrap_or(client_namespace))
        };
        Access {
            resource: &self.target.resource,
            name: self.target.name.as_deref(),
            namespace,
        }
    }
}

/// The `endpoints[=N]` condition of a group, if it has one: it must be
/// the group's only condition.
pub fn endpoints_condition(conditions: &Conditions) -> Result<Option<u64>, String> {
    let min = conditions.wanted.iter().find_map(|c| match c {
        Condition::Endpoints { min } => Some(*min),
        _ => None,
    });
    if conditions
        .fail_on
        .iter()
        .any(|c| matches!(c, Condition::Endpoints { .. }))
    {
        return Err("--fail-on=endpoints is not supported: use --for=endpoints".into());
    }
    let Some(min) = min else { return Ok(None) };
    if conditions.wanted.len() > 1 || !conditions.fail_on.is_empty() || conditions.any {
        return Err(format!(
            "--for=endpoints cannot be combined with other conditions on the same targets; wait for each in its own group: ... {SEPARATOR} svc/NAME --for=endpoints"
        ));
    }
    Ok(Some(min))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn groups_split_at_and() {
        let groups = split(os(&[
            "job/migrate",
            "--for=condition=Complete",
            "--and",
            "svc/db",
            "--for=endpoints",
            "--timeout=5m",
        ]));
        assert_eq!(
            groups,
            [
                os(&["job/migrate", "--for=condition=Complete"]),
                os(&["svc/db", "--for=endpoints", "--timeout=5m"]),
            ]
        );
        assert_eq!(split(os(&["job/x"])), [os(&["job/x"])]);
    }

    #[test]
    fn the_namespace_is_taken_out_in_every_spelling() {
        for args in [
            &["-n", "db", "svc/x"][..],
            &["-ndb", "svc/x"],
            &["-n=db", "svc/x"],
            &["--namespace", "db", "svc/x"],
            &["--namespace=db", "svc/x"],
        ] {
            assert_eq!(without_namespace(&os(args)), os(&["svc/x"]), "{args:?}");
        }
        assert_eq!(
            without_namespace(&os(&["-An", "db", "pods", "-l", "a=b", "-v=6"])),
            os(&["-A", "pods", "-l", "a=b", "-v=6"])
        );
        assert_eq!(
            without_namespace(&os(&["-l", "app=n", "--timeout=1m"])),
            os(&["-l", "app=n", "--timeout=1m"])
        );
    }
}
