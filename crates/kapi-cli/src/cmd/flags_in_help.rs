//! Each command's flag table and its `--help` text agree: every flag the
//! parser accepts is documented, and every flag the help names is accepted.

use crate::args::{Flag, GLOBAL_FLAGS};

/// (command, its flag table, its help). A command listed in `kapi --help`
/// without an entry here fails [`every_command_is_checked`].
const COMMANDS: &[(&str, &[&[Flag]], &str)] = &[
    ("get", &[super::get::FLAGS], super::get::HELP),
    (
        "api-resources",
        &[super::api_resources::FLAGS],
        super::api_resources::HELP,
    ),
    ("create", &[super::create::FLAGS], super::create::HELP),
    ("apply", &[super::apply::FLAGS], super::apply::HELP),
    ("replace", &[super::replace::FLAGS], super::replace::HELP),
    ("patch", &[super::patch::FLAGS], super::patch::HELP),
    ("label", &[super::label::FLAGS], super::label::LABEL_HELP),
    (
        "annotate",
        &[super::label::FLAGS],
        super::label::ANNOTATE_HELP,
    ),
    ("delete", &[super::delete::FLAGS], super::delete::HELP),
    ("auth", &[], super::auth::AUTH_HELP),
    (
        "auth can-i",
        &[super::auth::CAN_I_FLAGS],
        super::auth::CAN_I_HELP,
    ),
    (
        "auth whoami",
        &[super::auth::WHOAMI_FLAGS],
        super::auth::WHOAMI_HELP,
    ),
    ("raw", &[super::raw::FLAGS], super::raw::HELP),
    ("version", &[super::version::FLAGS], super::version::HELP),
    // One help for view, current-context and get-contexts.
    (
        "config",
        &[super::config::VIEW_FLAGS, super::config::CONTEXT_FLAGS],
        super::config::HELP,
    ),
    ("wait", &[super::wait::FLAGS], super::wait::HELP),
    ("logs", &[super::logs::FLAGS], super::logs::HELP),
    ("rollout", &[], super::rollout::HELP),
    (
        "rollout status",
        &[super::rollout::status::FLAGS],
        super::rollout::status::HELP,
    ),
    (
        "rollout restart",
        &[super::rollout::restart::FLAGS],
        super::rollout::restart::HELP,
    ),
    (
        "rollout history",
        &[super::rollout::history::FLAGS],
        super::rollout::history::HELP,
    ),
    ("scale", &[super::scale::FLAGS], super::scale::HELP),
    ("set", &[], super::set_image::SET_HELP),
    (
        "set image",
        &[super::set_image::FLAGS],
        super::set_image::HELP,
    ),
    (
        "create configmap",
        &[super::create::from_data::FLAGS],
        super::create::from_data::CONFIGMAP_HELP,
    ),
];

/// Commands with no flag table of their own: `wait-for` hands its options to
/// `kapi wait`.
const DELEGATING: &[&str] = &["wait-for"];

/// Words written like flags that are not flags: `kapi wait`'s `--and`
/// separates targets.
const SEPARATORS: &[&str] = &["and"];

/// The `--long` names a help text mentions.
fn mentioned(help: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = help;
    while let Some(at) = rest.find("--") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + 2..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(rest.len());
        // `--` inside a word (`a--b`) or alone (`-- COMMAND`) is not a flag.
        if len > 0 && !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-') {
            names.push(&rest[..len]);
        }
    }
    names
}

/// The help's option lines: under `Options:`, each starting with `-`.
/// (Prose and examples may name other commands' flags.)
fn options(help: &str) -> String {
    help.split("\nOptions:\n")
        .nth(1)
        .unwrap_or("")
        .lines()
        .take_while(|l| !l.is_empty())
        .filter(|l| l.trim_start().starts_with('-'))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// True when `help` names `--long` as a whole flag (not as a prefix).
fn documents(help: &str, long: &str) -> bool {
    mentioned(help).contains(&long)
}

#[test]
fn every_flag_in_a_table_is_in_its_help_and_the_reverse() {
    let mut problems = Vec::new();
    for (command, tables, help) in COMMANDS {
        let flags = || tables.iter().flat_map(|t| t.iter());
        for flag in flags() {
            if !documents(help, flag.long) {
                problems.push(format!(
                    "kapi {command}: --{} is not in its help",
                    flag.long
                ));
            }
            if let Some(short) = flag.short {
                if !help.contains(&format!("-{short}, --{}", flag.long)) {
                    problems.push(format!(
                        "kapi {command}: the help does not give -{short} for --{}",
                        flag.long
                    ));
                }
            }
        }
        for name in mentioned(&options(help)) {
            let known =
                flags().chain(GLOBAL_FLAGS).any(|f| f.long == name) || SEPARATORS.contains(&name);
            if !known {
                problems.push(format!(
                    "kapi {command}: the help names --{name}, which it does not accept"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn global_flags_are_in_the_overview() {
    for flag in GLOBAL_FLAGS {
        assert!(documents(super::HELP, flag.long), "--{}", flag.long);
    }
}

#[test]
fn every_command_is_checked() {
    let listed = super::HELP
        .split("\nCommands:\n")
        .nth(1)
        .and_then(|s| s.split("\n\n").next())
        .expect("the overview lists its commands");
    for line in listed.lines() {
        let name = line.split_whitespace().next().expect("a command name");
        assert!(
            DELEGATING.contains(&name)
                || COMMANDS
                    .iter()
                    .any(|(c, _, _)| c.split(' ').next() == Some(name)),
            "kapi {name} has no entry in COMMANDS"
        );
    }
}

#[test]
fn a_flag_is_told_from_a_prefix_and_from_a_separator() {
    assert_eq!(
        mentioned("  --for CONDITION  x\n  --for-any  y\n  a--b -- cmd"),
        ["for", "for-any"]
    );
    assert!(!documents("--for-any", "for"));
}
