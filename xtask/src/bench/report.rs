//! The bench's results: Markdown on stdout as each section ends, the same
//! figures as JSON in `target/bench/`, and the goals checked
//! against them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;
use serde_json::{json, Map, Value};

use super::measure::Cost;
use super::peers::Peer;
use super::waiters;

/// A cold GET by one client.
pub struct GetRow {
    pub client: &'static str,
    pub command: String,
    pub median: Cost,
    pub runs: usize,
    pub instructions: Option<u64>,
}

/// One output format, by each client.
pub struct ListRow {
    pub format: String,
    pub by: Vec<(&'static str, Cost, Option<u64>)>,
}

impl ListRow {
    pub fn new(format: &str) -> ListRow {
        ListRow {
            format: format.to_string(),
            by: Vec::new(),
        }
    }

    pub fn set(&mut self, client: &'static str, cost: Cost, instructions: Option<u64>) {
        self.by.push((client, cost, instructions));
    }

    fn get(&self, client: &str) -> Option<(Cost, Option<u64>)> {
        self.by
            .iter()
            .find(|(c, _, _)| *c == client)
            .map(|(_, cost, i)| (*cost, *i))
    }
}

/// One run of a watching client.
#[derive(Clone, Copy, Debug)]
pub struct WatchRun {
    /// From start to the last event printed.
    pub to_last: Duration,
    /// From the first event printed to the last.
    pub first_to_last: Duration,
    pub cost: Cost,
}

impl WatchRun {
    /// Events per second from the first to the last (of `n`).
    pub fn rate_of(&self, n: usize) -> f64 {
        (n.saturating_sub(1)) as f64 / self.first_to_last.as_secs_f64().max(1e-9)
    }

    /// For ordering runs: the inverse of the time from first to last.
    pub fn rate(&self) -> f64 {
        1.0 / self.first_to_last.as_secs_f64().max(1e-9)
    }
}

pub struct WatchRow {
    pub client: &'static str,
    pub command: String,
    pub median: WatchRun,
    pub events: usize,
}

pub struct SizeRow {
    pub client: String,
    pub path: PathBuf,
    pub bytes: u64,
    pub files: usize,
}

/// (pods, one page, (format, by client))
type ListCase = (usize, bool, Vec<(String, Value)>);

/// Everything measured so far.
pub struct Report {
    json: Map<String, Value>,
    lists: Vec<ListCase>,
    get: Vec<(String, Cost)>,
    watch: Vec<(String, f64)>,
    waiters: Vec<(String, f64)>,
    kapi_bytes: u64,
    /// (what, figure) for the fake's ceiling.
    ceiling: Vec<(String, String)>,
}

/// `1.2 MiB`.
pub fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// `12.3 ms`.
pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// `1.23 s`, or milliseconds below 1 s.
pub fn secs(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{:.0} ms", d.as_secs_f64() * 1000.0)
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// `0.04×`.
pub fn ratio(a: f64, b: f64) -> String {
    if b <= 0.0 {
        return "–".into();
    }
    let r = a / b;
    if r < 0.1 {
        format!("{r:.3}×")
    } else {
        format!("{r:.2}×")
    }
}

/// `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn cost_json(cost: &Cost) -> Value {
    json!({
        "wall_s": cost.wall.as_secs_f64(),
        "cpu_s": cost.cpu.as_secs_f64(),
        "peak_rss_kib": cost.rss_kib,
    })
}

impl Report {
    pub fn new(command: &str) -> Report {
        let mut json = Map::new();
        json.insert("command".into(), command.into());
        Report {
            json,
            lists: Vec::new(),
            get: Vec::new(),
            watch: Vec::new(),
            waiters: Vec::new(),
            kapi_bytes: 0,
            ceiling: Vec::new(),
        }
    }

    pub fn header(
        &mut self,
        kapi: &Path,
        kapi_bytes: u64,
        curl: Option<&Peer>,
        kubectl: Option<&Peer>,
        valgrind: Option<&Path>,
    ) {
        self.kapi_bytes = kapi_bytes;
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim()
            .to_string();
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .unwrap_or_default()
            .lines()
            .find_map(|l| {
                l.strip_prefix("model name")
                    .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
            })
            .unwrap_or_default();
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        let load = load.split_whitespace().next().unwrap_or("?").to_string();
        let command = self.json["command"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        println!("Measured by `{command}`\n");
        println!(
            "- machine: {cores} cores ({cpu}), Linux {kernel}, load average {load} at the start"
        );
        println!(
            "- kapi: `{}`, {} bytes, static",
            kapi.display(),
            thousands(kapi_bytes)
        );
        match kubectl {
            Some(k) => {
                let via = k
                    .dispatcher
                    .as_ref()
                    .map(|d| {
                        format!(
                            " (what the dispatcher `{}` runs for a 1.33 server)",
                            d.display()
                        )
                    })
                    .unwrap_or_default();
                println!(
                    "- kubectl: {} `{}`{via}, with a kubeconfig",
                    k.version,
                    k.path.display()
                );
            }
            None => println!("- kubectl: not on this machine"),
        }
        match curl {
            Some(c) => println!("- curl: {} `{}`", c.version, c.path.display()),
            None => println!("- curl: not on this machine"),
        }
        match valgrind {
            Some(v) => println!(
                "- instructions: `{} --tool=cachegrind` (user space of the client)",
                v.display()
            ),
            None => println!("- instructions: not counted (no valgrind)"),
        }
        println!("- server: the TLS fake API server (kapi-fake, optimized build) in the bench's process, on loopback; kapi in in-cluster mode");
        println!("- client CPU is user + system time of the client process alone (wait4); peak RSS is its VmHWM at exit");
        let peer = |p: Option<&Peer>| {
            p.map(|p| {
                json!({
                    "path": p.path,
                    "version": p.version,
                    "dispatcher": p.dispatcher,
                })
            })
        };
        self.json.insert(
            "machine".into(),
            json!({"cores": cores, "cpu": cpu, "kernel": kernel, "load_at_start": load}),
        );
        self.json
            .insert("kapi".into(), json!({"path": kapi, "bytes": kapi_bytes}));
        self.json.insert("kubectl".into(), json!(peer(kubectl)));
        self.json.insert("curl".into(), json!(peer(curl)));
        self.json
            .insert("valgrind".into(), json!(valgrind.map(Path::to_path_buf)));
    }

    pub fn cold_get(&mut self, rows: &[GetRow]) {
        let runs = rows.first().map_or(0, |r| r.runs);
        println!("\n### A cold GET (a new process each time; median of {runs} runs)\n");
        println!("| client | wall | peak RSS | CPU | instructions | wall vs curl |");
        println!("|---|---:|---:|---:|---:|---:|");
        let curl_wall = rows
            .iter()
            .find(|r| r.client == "curl")
            .map(|r| r.median.wall.as_secs_f64());
        let mut json_rows = Vec::new();
        for row in rows {
            println!(
                "| `{}` | {} | {} | {} | {} | {} |",
                row.command,
                ms(row.median.wall),
                mib(row.median.rss_kib),
                ms(row.median.cpu),
                row.instructions.map_or("–".into(), thousands),
                curl_wall.map_or("–".into(), |c| ratio(row.median.wall.as_secs_f64(), c)),
            );
            self.get.push((row.client.to_string(), row.median));
            let mut v = cost_json(&row.median);
            v["client"] = row.client.into();
            v["command"] = row.command.clone().into();
            v["runs"] = row.runs.into();
            v["instructions"] = json!(row.instructions);
            json_rows.push(v);
        }
        self.json.insert("cold_get".into(), Value::Array(json_rows));
    }

    pub fn list(&mut self, pods: usize, one_page: bool, runs: usize, bytes: u64, rows: &[ListRow]) {
        let title = if one_page {
            format!(
                "{} pods in one page (a server that ignores `limit`)",
                thousands(pods as u64)
            )
        } else {
            format!("{} pods (pages of 500)", thousands(pods as u64))
        };
        println!(
            "\n### `get pods` of {title}: {:.1} MB of JSON; median of {runs} run{}\n",
            bytes as f64 / 1e6,
            if runs == 1 { "" } else { "s" }
        );
        let kubectl = rows.iter().any(|r| r.get("kubectl").is_some());
        let counted = rows
            .iter()
            .any(|r| r.get("kapi").is_some_and(|(_, i)| i.is_some()));
        let mut header = String::from("| `-o` | kapi wall | kapi CPU | kapi peak RSS |");
        let mut rule = String::from("|---|---:|---:|---:|");
        if counted {
            header.push_str(" kapi instructions |");
            rule.push_str("---:|");
        }
        if kubectl {
            header.push_str(" kubectl wall | kubectl CPU | kubectl peak RSS | CPU kapi/kubectl | RSS kapi/kubectl |");
            rule.push_str("---:|---:|---:|---:|---:|");
        }
        println!("{header}\n{rule}");
        let mut json_rows = Vec::new();
        for row in rows {
            let Some((k, instructions)) = row.get("kapi") else {
                continue;
            };
            let mut line = format!(
                "| {} | {} | {} | {} |",
                row.format,
                secs(k.wall),
                secs(k.cpu),
                mib(k.rss_kib)
            );
            if counted {
                line.push_str(&format!(
                    " {} |",
                    instructions.map_or("–".into(), thousands)
                ));
            }
            if kubectl {
                match row.get("kubectl") {
                    Some((p, _)) => line.push_str(&format!(
                        " {} | {} | {} | {} | {} |",
                        secs(p.wall),
                        secs(p.cpu),
                        mib(p.rss_kib),
                        ratio(k.cpu.as_secs_f64(), p.cpu.as_secs_f64()),
                        ratio(k.rss_kib as f64, p.rss_kib as f64)
                    )),
                    None => line.push_str(" – | – | – | – | – |"),
                }
            }
            println!("{line}");
            let mut by = Map::new();
            for (client, cost, instructions) in &row.by {
                let mut v = cost_json(cost);
                v["instructions"] = json!(instructions);
                by.insert(client.to_string(), v);
            }
            json_rows.push((row.format.clone(), Value::Object(by)));
        }
        if let Some((c, _)) = rows.iter().find_map(|r| r.get("curl")) {
            println!(
                "\ncurl fetching the same list as one page into /dev/null: {} wall, {} CPU, {}.",
                secs(c.wall),
                secs(c.cpu),
                mib(c.rss_kib)
            );
            if one_page {
                self.ceiling.push((
                    format!(
                        "one page of {} pods ({:.0} MB) to curl",
                        thousands(pods as u64),
                        bytes as f64 / 1e6
                    ),
                    format!(
                        "{:.0} MB/s, {} pods/s",
                        bytes as f64 / 1e6 / c.wall.as_secs_f64(),
                        thousands((pods as f64 / c.wall.as_secs_f64()) as u64)
                    ),
                ));
            }
        }
        let entry = json!({
            "pods": pods,
            "one_page": one_page,
            "runs": runs,
            "bytes": bytes,
            "formats": json_rows.iter().map(|(f, v)| json!({"format": f, "clients": v})).collect::<Vec<_>>(),
        });
        match self.json.get_mut("lists") {
            Some(Value::Array(a)) => a.push(entry),
            _ => {
                self.json.insert("lists".into(), Value::Array(vec![entry]));
            }
        }
        self.lists.push((pods, one_page, json_rows));
    }

    pub fn watch(&mut self, rows: &[WatchRow]) {
        let events = rows.first().map_or(0, |r| r.events);
        println!(
            "\n### Watch: {} events of 3.5 KB pods printed with `-o name` (median run)\n",
            thousands(events as u64)
        );
        println!(
            "| client | first to last event | events/s | start to last event | CPU | peak RSS |"
        );
        println!("|---|---:|---:|---:|---:|---:|");
        let mut json_rows = Vec::new();
        for row in rows {
            let rate = row.median.rate_of(row.events);
            println!(
                "| `{}` | {} | {} | {} | {} | {} |",
                row.command,
                secs(row.median.first_to_last),
                thousands(rate as u64),
                secs(row.median.to_last),
                secs(row.median.cost.cpu),
                mib(row.median.cost.rss_kib)
            );
            self.watch.push((row.client.to_string(), rate));
            if row.client == "curl" {
                self.ceiling.push((
                    format!("{} watch events to curl", thousands(events as u64)),
                    format!("{} events/s", thousands(rate as u64)),
                ));
            }
            let mut v = cost_json(&row.median.cost);
            v["client"] = row.client.into();
            v["command"] = row.command.clone().into();
            v["events"] = row.events.into();
            v["first_to_last_s"] = row.median.first_to_last.as_secs_f64().into();
            v["start_to_last_s"] = row.median.to_last.as_secs_f64().into();
            v["events_per_s"] = rate.into();
            json_rows.push(v);
        }
        self.json.insert("watch".into(), Value::Array(json_rows));
    }

    pub fn library(
        &mut self,
        gets: usize,
        elapsed: Duration,
        connections: kapi_fake::Connections,
        requests: usize,
    ) {
        let rate = gets as f64 / elapsed.as_secs_f64();
        println!(
            "\n### The library: {} GETs on one `kapi::Client`\n",
            thousands(gets as u64)
        );
        println!(
            "| wall | requests/s | requests the server saw | TCP connections | TLS handshakes |"
        );
        println!("|---:|---:|---:|---:|---:|");
        println!(
            "| {} | {} | {} | {} | {} |",
            secs(elapsed),
            thousands(rate as u64),
            thousands(requests as u64),
            connections.tcp,
            connections.tls
        );
        println!("\n(The library built with the bench, in its process, beside the server.)");
        self.json.insert(
            "library".into(),
            json!({
                "gets": gets,
                "wall_s": elapsed.as_secs_f64(),
                "requests_per_s": rate,
                "requests_seen": requests,
                "tcp_connections": connections.tcp,
                "tls_handshakes": connections.tls,
            }),
        );
    }

    pub fn waiters(&mut self, found: &waiters::Found) {
        println!(
            "\n### API load per waiting pod: {:.1} minutes, objects changed every {:.1} minutes\n",
            found.minutes, found.change_every_minutes
        );
        println!("| waiting with | processes | requests | requests per waiter per minute | peak RSS each | still waiting at the end |");
        println!("|---|---:|---:|---:|---:|---:|");
        let mut json_rows = Vec::new();
        for row in &found.rows {
            println!(
                "| `{}` | {} | {} | {:.2} | {} | {}/{} |",
                row.how,
                row.processes,
                thousands(row.requests as u64),
                row.per_waiter_per_minute,
                row.rss_kib.map_or("–".into(), mib),
                row.alive_at_end,
                row.processes,
            );
            self.waiters
                .push((row.client.to_string(), row.per_waiter_per_minute));
            json_rows.push(json!({
                "client": row.client,
                "how": row.how,
                "processes": row.processes,
                "minutes": found.minutes,
                "requests": row.requests,
                "requests_per_waiter_per_minute": row.per_waiter_per_minute,
                "peak_rss_kib_each": row.rss_kib,
                "alive_at_end": row.alive_at_end,
                "paths": row.paths,
            }));
        }
        for row in &found.rows {
            let paths: Vec<String> = row
                .paths
                .iter()
                .map(|(p, n)| format!("{n} × `{p}`"))
                .collect();
            println!("\n{}: {}", row.client, paths.join(", "));
        }
        self.json.insert("waiters".into(), Value::Array(json_rows));
    }

    pub fn sizes(&mut self, rows: &[SizeRow]) {
        println!("\n### Sizes on disk\n");
        println!("| client | bytes | files |");
        println!("|---|---:|---:|");
        let mut json_rows = Vec::new();
        for row in rows {
            println!(
                "| {} | {} | {} |",
                row.client,
                thousands(row.bytes),
                row.files
            );
            json_rows.push(json!({
                "client": row.client,
                "path": row.path,
                "bytes": row.bytes,
                "files": row.files,
            }));
        }
        self.json.insert("sizes".into(), Value::Array(json_rows));
    }

    pub fn ceiling(&mut self) {
        if self.ceiling.is_empty() {
            return;
        }
        println!("\n### The fake's own ceiling (curl into /dev/null)\n");
        println!("| the fake serving | rate |");
        println!("|---|---:|");
        for (what, figure) in &self.ceiling {
            println!("| {what} | {figure} |");
        }
        self.json.insert(
            "ceiling".into(),
            Value::Array(
                self.ceiling
                    .iter()
                    .map(|(w, f)| json!({"what": w, "rate": f}))
                    .collect(),
            ),
        );
    }

    /// The goals, each met or not, from what was measured.
    pub fn goals(&mut self) {
        let mut goals: Vec<(String, String, Option<bool>)> = Vec::new();
        let kapi_cost = |pods: usize, one_page: bool, format: &str| -> Option<Value> {
            self.lists
                .iter()
                .find(|(p, o, _)| *p == pods && *o == one_page)
                .and_then(|(_, _, rows)| rows.iter().find(|(f, _)| f == format))
                .map(|(_, v)| v.clone())
        };
        let formats = [
            "name",
            "json",
            "yaml",
            "jsonpath",
            "custom-columns",
            "table",
            "wide",
        ];
        // Peak RSS <= 8 MiB everywhere, 50k/5k <= 1.1.
        let mut worst: Option<(u64, String)> = None;
        for (pods, one_page, rows) in &self.lists {
            for (format, v) in rows {
                if !formats.contains(&format.as_str()) {
                    continue;
                }
                if let Some(rss) = v["kapi"]["peak_rss_kib"].as_u64() {
                    let case = format!(
                        "{format} at {}{}",
                        thousands(*pods as u64),
                        if *one_page { " (one page)" } else { "" }
                    );
                    if worst.as_ref().is_none_or(|(w, _)| rss > *w) {
                        worst = Some((rss, case));
                    }
                }
            }
        }
        if let Some((rss, case)) = worst {
            goals.push((
                "peak RSS ≤ 8 MiB in every format, at 5,000 and 50,000 pods and in one page".into(),
                format!("highest {} ({case})", mib(rss)),
                Some(rss <= 8 * 1024),
            ));
        }
        let mut growth: Option<(f64, String)> = None;
        for format in formats {
            let small = kapi_cost(5_000, false, format);
            let large = kapi_cost(50_000, false, format);
            let big_page = kapi_cost(50_000, true, format);
            for (large, what) in [(large, "50,000"), (big_page, "one page of 50,000")] {
                if let (Some(s), Some(l)) = (&small, &large) {
                    let (s, l) = (
                        s["kapi"]["peak_rss_kib"].as_f64().unwrap_or(0.0),
                        l["kapi"]["peak_rss_kib"].as_f64().unwrap_or(0.0),
                    );
                    let r = l / s.max(1.0);
                    if growth.as_ref().is_none_or(|(g, _)| r > *g) {
                        growth = Some((r, format!("{format}, {what}")));
                    }
                }
            }
        }
        if let Some((r, case)) = growth {
            goals.push((
                "peak RSS at 50,000 pods / at 5,000 ≤ 1.1".into(),
                format!("highest {r:.3} ({case})"),
                Some(r <= 1.1),
            ));
        }
        for (format, limit) in [
            ("json", 0.05),
            ("yaml", 0.05),
            ("name", 0.05),
            ("table", 0.10),
        ] {
            if let Some(v) = kapi_cost(5_000, false, format) {
                let k = v["kapi"]["cpu_s"].as_f64();
                let p = v["kubectl"]["cpu_s"].as_f64();
                if let (Some(k), Some(p)) = (k, p) {
                    goals.push((
                        format!("client CPU ≤ {limit:.2}× kubectl's, `-o {format}` at 5,000 pods"),
                        format!("{:.3}× ({:.3} s vs {:.2} s)", k / p, k, p),
                        Some(k / p <= limit),
                    ));
                }
            }
        }
        let get = |c: &str| self.get.iter().find(|(n, _)| n == c).map(|(_, cost)| *cost);
        if let (Some(k), Some(c)) = (get("kapi"), get("curl")) {
            let r = k.wall.as_secs_f64() / c.wall.as_secs_f64();
            goals.push((
                "cold GET ≤ 0.35× curl's wall time".into(),
                format!("{r:.2}× ({} vs {})", ms(k.wall), ms(c.wall)),
                Some(r <= 0.35),
            ));
        }
        if let Some(k) = get("kapi") {
            goals.push((
                "one-GET peak RSS ≤ 3 MiB".into(),
                mib(k.rss_kib),
                Some(k.rss_kib <= 3 * 1024),
            ));
        }
        if let Some((_, rate)) = self.watch.iter().find(|(c, _)| c == "kapi") {
            goals.push((
                "≥ 100,000 watch events/s printed with `-o name`".into(),
                format!("{} events/s", thousands(*rate as u64)),
                Some(*rate >= 100_000.0),
            ));
        }
        if let Some((_, rate)) = self.waiters.iter().find(|(c, _)| c == "kapi") {
            goals.push((
                "≤ 0.5 requests per minute per waiting pod".into(),
                format!("{rate:.2}"),
                Some(*rate <= 0.5),
            ));
        }
        goals.push((
            "the binary ≤ 3 MiB".into(),
            format!("{} bytes", thousands(self.kapi_bytes)),
            Some(self.kapi_bytes <= crate::dist::BUDGET),
        ));
        println!("\n### The goals of issue 13\n");
        println!("| goal | measured | met |");
        println!("|---|---|---|");
        for (goal, measured, met) in &goals {
            let met = match met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "–",
            };
            println!("| {goal} | {measured} | {met} |");
        }
        self.json.insert(
            "goals".into(),
            Value::Array(
                goals
                    .iter()
                    .map(|(g, m, met)| json!({"goal": g, "measured": m, "met": met}))
                    .collect(),
            ),
        );
    }

    /// Writes the JSON to `dir/bench-<unix seconds>.json` and
    /// `dir/latest.json`; returns the first.
    pub fn write(&self, dir: &Path) -> Result<PathBuf> {
        std::fs::create_dir_all(dir)?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut json = self.json.clone();
        json.insert("finished_unix".into(), now.into());
        let text = serde_json::to_string_pretty(&Value::Object(json))? + "\n";
        let path = dir.join(format!("bench-{now}.json"));
        std::fs::write(&path, &text)?;
        std::fs::write(dir.join("latest.json"), &text)?;
        Ok(path)
    }
}
