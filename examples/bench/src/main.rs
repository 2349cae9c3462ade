//! watchful's benchmark harness.
//!
//! - `watchful-bench run [--quick] [--perf] [--instructions] [--errors] ...`: the
//!   performance comparison against raw hyper, axum and actix-web (server CPU per request,
//!   and instructions and heap allocations per request under callgrind), the regression gate
//!   on the instruction counts, and the error-reporting comparison; prints the tables and
//!   writes them, with the raw data as JSON, to `--out`.
//! - `watchful-bench serve <hyper|axum|actix|watchful> --port P --log FILE`: one server, as
//!   the driver starts it.
//!
//! `examples/bench/run.sh` builds this in release, installs wrk and valgrind if missing, and
//! runs `run`.

mod alloc_count;
mod callgrind;
mod client;
mod common;
mod driver;
mod errors;
mod gate;
mod instructions;
mod perf;
mod performance_doc;
mod scenario;
mod servers;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use servers::Kind;

const USAGE: &str = "usage:
  watchful-bench run [--quick] [--perf] [--instructions] [--errors] [--out DIR] [--docs DIR]
                     [--rounds N] [--duration SECS] [--warmup SECS] [--connections N]
                     [--requests N1,N2] [--servers hyper,axum,actix,watchful] [--otel BIN]
  watchful-bench serve <hyper|axum|actix|watchful> --port PORT --log FILE [--quiet-telemetry]

`run` runs the parts named (all three when none is): --perf (server CPU per request under
wrk), --instructions (instructions and allocations per request under callgrind, with logging
on and off, and the regression gate) and --errors (the error-reporting comparison). It prints
the tables and writes perf, instructions and errors .md and .json to --out (default:
target/bench). --quick is CI's mode: perf briefly, instructions for raw hyper and watchful
only, with the gate's thresholds from examples/bench/thresholds.json; it fails when the gate
does. Without --quick the error-reporting table is also written to
DIR/error-reporting-comparison.md, and a run of --perf and --instructions together writes
DIR/performance.md (--docs, default: the workspace's docs/). --otel BIN adds the
OpenTelemetry table to the instructions (BIN: examples/bench-otel's binary, built in release).

`serve` runs until its standard input closes, then prints its allocation counts as JSON on
stdout and exits; --quiet-telemetry serves with a tracing subscriber that is off at every level
(logging off).";

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
    let (mut port, mut log, mut quiet) = (None, None, false);
    let mut i = 1;
    while i < args.len() {
        match args[i].as_str() {
            "--port" => port = Some(number::<u16>(value(args, &mut i, "--port")?, "--port")?),
            "--log" => log = Some(PathBuf::from(value(args, &mut i, "--log")?)),
            "--quiet-telemetry" => quiet = true,
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
        i += 1;
    }
    let port = port.ok_or("--port is required")?;
    let log = log.ok_or("--log is required")?;
    if quiet {
        common::tracing_off();
    } else {
        common::init_tracing(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    }
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| format!("bind 127.0.0.1:{port}: {e}"))?;
    alloc_count::exit_when_stdin_closes();
    kind.serve(listener).map_err(|e| e.to_string())
}

fn run(args: &[String]) -> Result<(), String> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let workspace = workspace.canonicalize().unwrap_or(workspace);
    let mut quick = false;
    let (mut do_perf, mut do_instructions, mut do_errors) = (false, false, false);
    let mut out = workspace.join("target/bench");
    let mut docs = workspace.join("docs");
    let mut overrides: Vec<(String, String)> = Vec::new();
    let mut requests = None;
    let mut servers = Kind::ALL.to_vec();
    let mut otel = None;
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        match flag {
            "--quick" => quick = true,
            "--perf" => do_perf = true,
            "--instructions" => do_instructions = true,
            "--errors" => do_errors = true,
            "--out" => out = PathBuf::from(value(args, &mut i, flag)?),
            "--docs" => docs = PathBuf::from(value(args, &mut i, flag)?),
            "--otel" => otel = Some(PathBuf::from(value(args, &mut i, flag)?)),
            "--rounds" | "--duration" | "--warmup" | "--connections" => {
                overrides.push((flag.to_owned(), value(args, &mut i, flag)?.to_owned()));
            }
            "--requests" => {
                let text = value(args, &mut i, flag)?;
                let (n1, n2) = text
                    .split_once(',')
                    .ok_or(format!("--requests: `{text}` is not N1,N2"))?;
                requests = Some((number(n1, flag)?, number(n2, flag)?));
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
    if !(do_perf || do_instructions || do_errors) {
        (do_perf, do_instructions, do_errors) = (true, true, true);
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
    let mut counts = if quick {
        instructions::Config::quick()
    } else {
        instructions::Config::full()
    };
    if let Some((n1, n2)) = requests {
        counts = instructions::Config { n1, n2 };
    }
    let write = |dir: &Path, name: &str, text: &str| -> Result<(), String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        if dir == docs {
            eprintln!("wrote {}", path.display());
        }
        Ok(())
    };

    let mut failures = Vec::new();
    if do_errors {
        let dir = out.join("errors");
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let report = errors::run(&servers, &dir)?;
        println!("{}", report.markdown);
        write(&out, "errors.md", &report.markdown)?;
        write(&out, "errors.json", &to_json(&report)?)?;
        if !quick {
            write(&docs, "error-reporting-comparison.md", &report.markdown)?;
        }
        failures.extend(report.problems.iter().cloned());
    }
    let mut perf_markdown = None;
    if do_perf {
        let dir = out.join("perf");
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let report = perf::run(&config, quick, &servers, &dir)?;
        println!("{}", report.markdown);
        write(&out, "perf.md", &report.markdown)?;
        write(&out, "perf.json", &to_json(&report)?)?;
        perf_markdown = Some(report.markdown);
    }
    let mut gate_failures = Vec::new();
    if do_instructions {
        let dir = out.join("instructions");
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let thresholds = gate::Thresholds::load(&workspace.join(gate::THRESHOLDS))?;
        // CI's gate measures only what it checks, to stay well under two minutes.
        let (servers, telemetries) = if quick {
            let gated = [Kind::Hyper, Kind::Watchful];
            (
                servers
                    .iter()
                    .copied()
                    .filter(|k| gated.contains(k))
                    .collect(),
                thresholds.telemetries(),
            )
        } else {
            (servers.clone(), instructions::Telemetry::ALL.to_vec())
        };
        let mut report =
            instructions::run(counts, quick, &servers, &telemetries, &thresholds, &dir)?;
        if let Some(program) = &otel {
            report.markdown += &format!("\n{}", instructions::otel(counts, program, &dir)?);
        }
        println!("{}", report.markdown);
        write(&out, "instructions.md", &report.markdown)?;
        write(&out, "instructions.json", &to_json(&report)?)?;
        gate_failures.extend(report.gate.iter().filter_map(gate::Check::failure));
        if let (false, Some(perf)) = (quick, &perf_markdown) {
            let text = performance_doc::render(perf, &report.markdown);
            write(&docs, "performance.md", &text)?;
        }
    }
    eprintln!("results in {}", out.display());
    if !failures.is_empty() {
        return Err(format!(
            "the harness itself misbehaved:\n{}",
            failures.join("\n")
        ));
    }
    if !gate_failures.is_empty() {
        return Err(format!(
            "the regression gate failed ({}):\n{}",
            gate::THRESHOLDS,
            gate_failures.join("\n")
        ));
    }
    Ok(())
}

fn to_json(value: &impl serde::Serialize) -> Result<String, String> {
    serde_json::to_string_pretty(value).map_err(|e| e.to_string())
}
