//! Command-line parsing: lexopt tokens matched against each command's flag
//! table, kubectl style (`-n ns`, `-n=ns`, `--namespace ns`,
//! `--namespace=ns`, `-v=8`, flags before or after arguments).

use std::ffi::OsString;

/// Whether a flag takes a value.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `--watch`, `--watch=true`, `--watch=false`.
    Bool,
    /// `--output json`, `--output=json`, `-o json`, `-ojson`.
    Value,
}

/// One flag a command accepts.
pub struct Flag {
    pub long: &'static str,
    pub short: Option<char>,
    pub kind: Kind,
}

/// A bool flag.
pub const fn switch(long: &'static str, short: Option<char>) -> Flag {
    Flag {
        long,
        short,
        kind: Kind::Bool,
    }
}

/// A flag with a value.
pub const fn value(long: &'static str, short: Option<char>) -> Flag {
    Flag {
        long,
        short,
        kind: Kind::Value,
    }
}

/// Flags every command takes, as kubectl's global flags.
pub const GLOBAL_FLAGS: &[Flag] = &[
    value("namespace", Some('n')),
    value("v", Some('v')),
    value("request-timeout", None),
    switch("insecure-skip-tls-verify", None),
    value("kubeconfig", None),
    value("context", None),
    value("cluster", None),
    value("user", None),
    value("server", Some('s')),
    value("token", None),
    value("certificate-authority", None),
    value("tls-server-name", None),
    switch("help", Some('h')),
];

/// A command-line mistake: printed with a pointer to `--help`, exit code 2.
#[derive(Debug)]
pub struct UsageError {
    pub message: String,
    /// The command whose help to point at, e.g. `get` or `auth can-i`.
    pub command: String,
}

impl UsageError {
    pub fn new(command: &str, message: impl Into<String>) -> UsageError {
        UsageError {
            message: message.into(),
            command: command.to_string(),
        }
    }
}

/// The flags and positional arguments of one command line.
#[derive(Default, Debug)]
pub struct Matches {
    values: Vec<(&'static str, String)>,
    pub positionals: Vec<String>,
}

impl Matches {
    /// True when a bool flag was given (its last value wins).
    pub fn flag(&self, long: &str) -> bool {
        self.value(long).is_some_and(|v| v == "true")
    }

    /// The last value of a flag.
    pub fn value(&self, long: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(name, _)| *name == long)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a repeatable flag (`-f a.yaml -f b.yaml`), in order.
    pub fn all(&self, long: &str) -> Vec<&str> {
        self.values
            .iter()
            .filter(|(name, _)| *name == long)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// True when the flag was given at all (even `=false`).
    pub fn given(&self, long: &str) -> bool {
        self.values.iter().any(|(name, _)| *name == long)
    }
}

/// Splits `args` (without the program name) into the command's name
/// (one word, or two for `auth can-i`) and the rest. Global flags may come
/// before the command name.
pub fn split_command(args: Vec<OsString>) -> Result<(Vec<String>, Vec<OsString>), UsageError> {
    let mut words: Vec<String> = Vec::new();
    let mut rest: Vec<OsString> = Vec::new();
    let mut iter = args.into_iter().peekable();
    while let Some(arg) = iter.next() {
        let text = arg.to_string_lossy().into_owned();
        let command_complete = match words.as_slice() {
            [] => false,
            [first] => !takes_subcommand(first),
            _ => true,
        };
        if command_complete {
            rest.push(arg);
            rest.extend(iter);
            break;
        }
        if text.starts_with('-') && text.len() > 1 {
            // A global flag before the command: keep it (and its value).
            rest.push(arg);
            let name = text.trim_start_matches('-');
            let needs_value = !name.contains('=')
                && GLOBAL_FLAGS.iter().any(|f| {
                    f.kind == Kind::Value
                        && (f.long == name || (name.len() == 1 && f.short == name.chars().next()))
                });
            if needs_value {
                if let Some(v) = iter.next() {
                    rest.push(v);
                }
            }
            continue;
        }
        words.push(text);
    }
    Ok((words, rest))
}

fn takes_subcommand(word: &str) -> bool {
    word == "auth" || word == "config"
}

/// Parses `args` against `flags` plus the global flags.
pub fn parse(command: &str, args: Vec<OsString>, flags: &[Flag]) -> Result<Matches, UsageError> {
    let err = |m: String| UsageError::new(command, m);
    let mut parser = lexopt::Parser::from_args(args);
    let mut matches = Matches::default();
    let all = || flags.iter().chain(GLOBAL_FLAGS);
    loop {
        let arg = parser.next().map_err(|e| err(e.to_string()))?;
        let Some(arg) = arg else { break };
        let (flag, shown) = match arg {
            lexopt::Arg::Long(name) => (all().find(|f| f.long == name), format!("--{name}")),
            lexopt::Arg::Short(c) => (all().find(|f| f.short == Some(c)), format!("-{c}")),
            lexopt::Arg::Value(v) => {
                matches.positionals.push(v.to_string_lossy().into_owned());
                continue;
            }
        };
        let Some(flag) = flag else {
            return Err(err(format!("unknown flag: {shown}")));
        };
        let value = match flag.kind {
            Kind::Bool => match parser.optional_value() {
                None => "true".to_string(),
                Some(v) => match v.to_string_lossy().as_ref() {
                    "true" | "1" | "t" | "T" | "TRUE" | "True" => "true".to_string(),
                    "false" | "0" | "f" | "F" | "FALSE" | "False" => "false".to_string(),
                    other => {
                        return Err(err(format!(
                            "invalid argument {other:?} for \"{shown}\" flag: must be true or false"
                        )))
                    }
                },
            },
            Kind::Value => parser
                .value()
                .map_err(|_| err(format!("flag needs an argument: {shown}")))?
                .to_string_lossy()
                .into_owned(),
        };
        matches.values.push((flag.long, value));
    }
    Ok(matches)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    const FLAGS: &[Flag] = &[value("output", Some('o')), switch("watch", Some('w'))];

    #[test]
    fn kubectl_flag_spellings() {
        for args in [
            &["-o", "json"][..],
            &["-ojson"],
            &["-o=json"],
            &["--output", "json"],
            &["--output=json"],
        ] {
            let m = parse("get", os(args), FLAGS).unwrap();
            assert_eq!(m.value("output"), Some("json"), "{args:?}");
        }
        let m = parse("get", os(&["pods", "-w", "-v=8", "-n", "test", "x"]), FLAGS).unwrap();
        assert!(m.flag("watch"));
        assert_eq!(m.value("v"), Some("8"));
        assert_eq!(m.value("namespace"), Some("test"));
        assert_eq!(m.positionals, ["pods", "x"]);
    }

    #[test]
    fn bool_flags_take_explicit_values() {
        let m = parse("get", os(&["--watch=false"]), FLAGS).unwrap();
        assert!(!m.flag("watch"));
        assert!(m.given("watch"));
        assert!(parse("get", os(&["--watch=maybe"]), FLAGS).is_err());
    }

    #[test]
    fn unknown_flags_and_missing_values_are_usage_errors() {
        assert_eq!(
            parse("get", os(&["--bogus"]), FLAGS).unwrap_err().message,
            "unknown flag: --bogus"
        );
        assert_eq!(
            parse("get", os(&["-o"]), FLAGS).unwrap_err().message,
            "flag needs an argument: -o"
        );
    }

    #[test]
    fn double_dash_ends_flags() {
        let m = parse("raw", os(&["--", "-x"]), FLAGS).unwrap();
        assert_eq!(m.positionals, ["-x"]);
    }

    #[test]
    fn command_words_after_global_flags() {
        let (words, rest) = split_command(os(&["-n", "test", "get", "pods"])).unwrap();
        assert_eq!(words, ["get"]);
        assert_eq!(rest, os(&["-n", "test", "pods"]));
        let (words, rest) = split_command(os(&["auth", "-v=6", "can-i", "get", "pods"])).unwrap();
        assert_eq!(words, ["auth", "can-i"]);
        assert_eq!(rest, os(&["-v=6", "get", "pods"]));
        let (words, rest) = split_command(os(&[
            "--kubeconfig",
            "k",
            "--context=c",
            "-s",
            "https://x",
            "get",
            "pods",
        ]))
        .unwrap();
        assert_eq!(words, ["get"]);
        assert_eq!(
            rest,
            os(&[
                "--kubeconfig",
                "k",
                "--context=c",
                "-s",
                "https://x",
                "pods"
            ])
        );
    }

    #[test]
    fn connection_flags_both_spellings() {
        for args in [
            &[
                "--kubeconfig",
                "k",
                "--context",
                "c",
                "--user",
                "u",
                "--cluster",
                "cl",
            ][..],
            &["--kubeconfig=k", "--context=c", "--user=u", "--cluster=cl"],
        ] {
            let m = parse("get", os(args), FLAGS).unwrap();
            assert_eq!(m.value("kubeconfig"), Some("k"));
            assert_eq!(m.value("context"), Some("c"));
            assert_eq!(m.value("user"), Some("u"));
            assert_eq!(m.value("cluster"), Some("cl"));
        }
        let m = parse(
            "get",
            os(&["-s", "https://a", "--token=t", "--tls-server-name", "n"]),
            FLAGS,
        )
        .unwrap();
        assert_eq!(m.value("server"), Some("https://a"));
        assert_eq!(m.value("token"), Some("t"));
        assert_eq!(m.value("tls-server-name"), Some("n"));
    }
}
