//! watchful's benchmark harness.
//!
//! - `watchful-bench run [--quick] [--perf | --errors] ...`: the performance comparison
//!   (server CPU per request against raw hyper, axum and actix-web) and the error-reporting
//!   comparison; prints both tables and writes them, with the raw data as JSON, to `--out`.
//! - `watchful-bench serve <hyper|axum|actix|watchful> --port P --log FILE`: one server, as
//!   the driver starts it.
//!
//! `examples/bench/run.sh` builds this in release, installs wrk if missing, and runs `run`.

mod client;
mod common;
mod driver;
mod errors;
mod perf;
mod servers;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use servers::Kind;

const USAGE: &str = "usage:
  watchful-bench run [--quick] [--perf | --errors] [--out DIR] [--docs DIR]
                     [--rounds N] [--duration SECS] [--warmup SECS] [--connections N]
                     [--servers hyper,axum,actix,watchful]
  watchful-bench serve <hyper|axum|actix|watchful> --port PORT --log FILE

`run` prints both tables and writes perf.md, perf.json, errors.md and errors.json to --out
(default: target/bench); without --quick the error-reporting table is also written to
DIR/error-reporting-comparison.md (--docs, default: the workspace's docs/).";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve(&args[1..]),
        Some("run") => run(&args[1..]),
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The value after `flag`.
fn value<'a>(args: &'a [String], index: &mut usize, flag: &str) -> Result<&'a str, String> {
    *index += 1;
    args.get(*index)
        .map(String::as_str)
        .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
}

fn number<T: std::str::FromStr>(text: &str, flag: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{flag}: `{text}` is not a number"))
}

fn serve(args: &[String]) -> Result<(), String> {
    let kind = args
        .first()
        .and_then(|name| Kind::parse(name))
        .ok_or_else(|| USAGE.to_owned())?;
    let (mut port, mut log) = (None, None);
    let mut i = 1;
    while i < args.len() {
        match args[i].as_str() {
            "--port" => port = Some(number::<u16>(value(args, &mut i, "--port")?, "--port")?),
            "--log" => log = Some(PathBuf::from(value(args, &mut i, "--log")?)),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
        i += 1;
    }
    let port = port.ok_or("--port is required")?;
    let log = log.ok_or("--log is required")?;
    common::init_tracing(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| format!("bind 127.0.0.1:{port}: {e}"))?;
    kind.serve(listener).map_err(|e| e.to_string())
}

fn run(args: &[String]) -> Result<(), String> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let workspace = workspace.canonicalize().unwrap_or(workspace);
    let mut quick = false;
    let (mut do_perf, mut do_errors) = (true, true);
    let mut out = workspace.join("target/bench");
    let mut docs = workspace.join("docs");
    let mut overrides: Vec<(String, String)> = Vec::new();
    let mut servers = Kind::ALL.to_vec();
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        match flag {
            "--quick" => quick = true,
            "--perf" => do_errors = false,
            "--errors" => do_perf = false,
            "--out" => out = PathBuf::from(value(args, &mut i, flag)?),
            "--docs" => docs = PathBuf::from(value(args, &mut i, flag)?),
            "--rounds" | "--duration" | "--warmup" | "--connections" => {
                overrides.push((flag.to_owned(), value(args, &mut i, flag)?.to_owned()));
            }
            "--servers" => {
                servers = value(args, &mut i, flag)?
                    .split(',')
                    .map(|name| Kind::parse(name).ok_or(format!("unknown server `{name}`")))
                    .collect::<Result<_, _>>()?;
            }
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
        i += 1;
    }
    let mut config = if quick {
        perf::Config::quick()
    } else {
        perf::Config::full()
    };
    for (flag, text) in &overrides {
        match flag.as_str() {
            "--rounds" => config.rounds = number(text, flag)?,
            "--duration" => config.duration_s = number(text, flag)?,
            "--warmup" => config.warmup_s = number(text, flag)?,
            _ => config.connections = number(text, flag)?,
        }
    }
    if config.rounds == 0 || config.duration_s == 0 || config.connections == 0 {
        return Err("--rounds, --duration and --connections must be at least 1".to_owned());
    }
    let write = |name: &str, text: &str| -> Result<(), String> {
        let path = out.join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
    };

    let mut failures = Vec::new();
    if do_errors {
        let dir = out.join("errors");
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let report = errors::run(&servers, &dir)?;
        println!("{}", report.markdown);
        write("errors.md", &report.markdown)?;
        write("errors.json", &to_json(&report)?)?;
        if !quick {
            std::fs::create_dir_all(&docs).map_err(|e| format!("{}: {e}", docs.display()))?;
            let path = docs.join("error-reporting-comparison.md");
            std::fs::write(&path, &report.markdown)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        failures.extend(report.problems.iter().cloned());
    }
    if do_perf {
        let dir = out.join("perf");
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let report = perf::run(&config, quick, &servers, &dir)?;
        println!("{}", report.markdown);
        write("perf.md", &report.markdown)?;
        write("perf.json", &to_json(&report)?)?;
    }
    eprintln!("results in {}", out.display());
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the harness itself misbehaved:\n{}",
            failures.join("\n")
        ))
    }
}

fn to_json(value: &impl serde::Serialize) -> Result<String, String> {
    serde_json::to_string_pretty(value).map_err(|e| e.to_string())
}
