//! The performance run: every server pinned to one core, wrk pinned to the other, rounds
//! alternating between servers; the figure is server CPU time per request.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use serde::Serialize;

use crate::client;
use crate::driver::{self, LOAD_CORE, Launch, Running};
use crate::scenario::Scenario;
use crate::servers::Kind;

/// How long and how often.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    /// Seconds per measured run.
    pub duration_s: u32,
    /// Seconds of warm-up per server and scenario (0: none).
    pub warmup_s: u32,
    /// Measured runs per server and scenario, alternating between servers.
    pub rounds: u32,
    /// wrk's keep-alive connections.
    pub connections: u32,
}

impl Config {
    /// The full run.
    pub fn full() -> Self {
        Self {
            duration_s: 5,
            warmup_s: 2,
            rounds: 5,
            connections: 64,
        }
    }

    /// The CI run: every server and scenario once, briefly.
    pub fn quick() -> Self {
        Self {
            duration_s: 1,
            warmup_s: 0,
            rounds: 1,
            connections: 64,
        }
    }
}

/// One measured run.
#[derive(Debug, Clone, Serialize)]
pub struct Sample {
    server: Kind,
    scenario: Scenario,
    round: u32,
    requests: u64,
    non_2xx: u64,
    socket_errors: u64,
    cpu_ticks: u64,
    cpu_us_per_request: f64,
    requests_per_second: f64,
    p99_ms: f64,
}

/// Median, min and max.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Stat {
    median: f64,
    min: f64,
    max: f64,
}

impl Stat {
    fn of(mut values: Vec<f64>) -> Option<Self> {
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        let n = values.len();
        let median = if n % 2 == 1 {
            values[n / 2]
        } else {
            (values[n / 2 - 1] + values[n / 2]) / 2.0
        };
        Some(Self {
            median,
            min: values[0],
            max: values[n - 1],
        })
    }
}

/// The summary of one server in one scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    server: Kind,
    scenario: Scenario,
    cpu_us_per_request: Stat,
    requests_per_second: Stat,
    p99_ms: Stat,
}

/// A target of the issue, checked on the medians.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    name: String,
    ratio: Option<f64>,
    limit: f64,
    holds: Option<bool>,
}

/// Everything a run produced (written as JSON).
#[derive(Debug, Serialize)]
pub struct Report {
    config: Config,
    quick: bool,
    pinned: bool,
    clock_ticks_per_second: u64,
    samples: Vec<Sample>,
    summaries: Vec<Summary>,
    targets: Vec<Target>,
    /// The Markdown tables.
    pub markdown: String,
}

/// Runs the benchmark; logs and stderr of the servers go to `dir`.
pub fn run(config: &Config, quick: bool, servers: &[Kind], dir: &Path) -> Result<Report, String> {
    check_wrk()?;
    let pin = driver::can_pin();
    if !pin {
        eprintln!("warning: fewer than 2 cores or no taskset: server and wrk are not pinned");
    }
    let ticks_per_second = driver::clock_ticks_per_second()?;
    let mut running = Vec::new();
    for &kind in servers {
        running.push(Running::start(
            kind,
            dir,
            &Launch {
                pin,
                ..Launch::default()
            },
        )?);
    }

    // Every response checked once, before any load.
    for server in &running {
        for scenario in Scenario::ALL {
            let reply = client::send(server.port, "GET", scenario.path(), None, "")
                .map_err(|e| format!("{}: GET {}: {e}", server.kind.name(), scenario.path()))?;
            scenario
                .check(&reply)
                .map_err(|e| format!("{}: {e}", server.kind.name()))?;
        }
        server.truncate_log();
    }
    eprintln!(
        "responses checked: {} servers × {} scenarios",
        running.len(),
        Scenario::ALL.len()
    );

    if config.warmup_s > 0 {
        for server in &running {
            for scenario in Scenario::ALL {
                eprintln!("warm-up: {} {}", server.kind.name(), scenario.path());
                wrk(
                    pin,
                    server.port,
                    scenario.path(),
                    config.warmup_s,
                    config.connections,
                )?;
                server.truncate_log();
            }
        }
    }

    let mut samples = Vec::new();
    for round in 1..=config.rounds {
        for scenario in Scenario::ALL {
            for server in &mut running {
                let before = server.cpu_ticks()?;
                let result = wrk(
                    pin,
                    server.port,
                    scenario.path(),
                    config.duration_s,
                    config.connections,
                )?;
                let after = server.cpu_ticks()?;
                if !server.alive() {
                    return Err(format!("the {} server died", server.kind.name()));
                }
                server.truncate_log();
                if result.requests == 0 {
                    return Err(format!(
                        "{} {}: wrk completed no request",
                        server.kind.name(),
                        scenario.path()
                    ));
                }
                let ticks = after.saturating_sub(before);
                let cpu_s = ticks as f64 / ticks_per_second as f64;
                let sample = Sample {
                    server: server.kind,
                    scenario,
                    round,
                    requests: result.requests,
                    non_2xx: result.non_2xx,
                    socket_errors: result.socket_errors,
                    cpu_ticks: ticks,
                    cpu_us_per_request: cpu_s * 1e6 / result.requests as f64,
                    requests_per_second: result.requests_per_second,
                    p99_ms: result.p99_ms,
                };
                eprintln!(
                    "round {round}/{}: {:<8} {:<18} {:>9.0} req/s  {:>6.2} µs CPU/req  p99 {:.2} ms",
                    config.rounds,
                    server.kind.name(),
                    scenario.path(),
                    sample.requests_per_second,
                    sample.cpu_us_per_request,
                    sample.p99_ms
                );
                samples.push(sample);
            }
        }
    }
    drop(running);

    let summaries = summarize(&samples, servers);
    let targets = targets(&summaries);
    let markdown = markdown(config, quick, pin, &summaries, &targets, servers);
    Ok(Report {
        config: config.clone(),
        quick,
        pinned: pin,
        clock_ticks_per_second: ticks_per_second,
        samples,
        summaries,
        targets,
        markdown,
    })
}

fn summarize(samples: &[Sample], servers: &[Kind]) -> Vec<Summary> {
    let mut summaries = Vec::new();
    for scenario in Scenario::ALL {
        for &server in servers {
            let mine: Vec<&Sample> = samples
                .iter()
                .filter(|s| s.server == server && s.scenario == scenario)
                .collect();
            let stat = |f: fn(&Sample) -> f64| Stat::of(mine.iter().map(|s| f(s)).collect());
            if let (Some(cpu), Some(rps), Some(p99)) = (
                stat(|s| s.cpu_us_per_request),
                stat(|s| s.requests_per_second),
                stat(|s| s.p99_ms),
            ) {
                summaries.push(Summary {
                    server,
                    scenario,
                    cpu_us_per_request: cpu,
                    requests_per_second: rps,
                    p99_ms: p99,
                });
            }
        }
    }
    summaries
}

fn median_cpu(summaries: &[Summary], server: Kind, scenario: Scenario) -> Option<f64> {
    summaries
        .iter()
        .find(|s| s.server == server && s.scenario == scenario)
        .map(|s| s.cpu_us_per_request.median)
}

fn ratio(summaries: &[Summary], scenario: Scenario, base: Kind) -> Option<f64> {
    Some(median_cpu(summaries, Kind::Watchful, scenario)? / median_cpu(summaries, base, scenario)?)
}

fn targets(summaries: &[Summary]) -> Vec<Target> {
    let target = |name: String, ratio: Option<f64>, limit: f64| Target {
        name,
        ratio,
        limit,
        holds: ratio.map(|r| r <= limit),
    };
    let mut targets = vec![target(
        "plaintext CPU/req ≤ 1.10× raw hyper".to_owned(),
        ratio(summaries, Scenario::Plaintext, Kind::Hyper),
        1.10,
    )];
    for scenario in Scenario::ALL {
        targets.push(target(
            format!("{} CPU/req ≤ 1.00× axum", scenario.title()),
            ratio(summaries, scenario, Kind::Axum),
            1.00,
        ));
    }
    targets.push(target(
        "scenario 3 with full observers ≤ axum's with its workaround".to_owned(),
        ratio(summaries, Scenario::Fail, Kind::Axum),
        1.00,
    ));
    targets
}

fn markdown(
    config: &Config,
    quick: bool,
    pin: bool,
    summaries: &[Summary],
    targets: &[Target],
    servers: &[Kind],
) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "### Server CPU time per request{}\n",
        if quick {
            " (QUICK MODE: not a measurement)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        md,
        "{} round(s) of {} s per server and scenario, alternating servers, after {} s of warm-up; wrk -t1 -c{} --latency (keep-alive){}. \
         Each cell: median (min–max).\n",
        config.rounds,
        config.duration_s,
        config.warmup_s,
        config.connections,
        if pin {
            "; server on core 0, wrk on core 1 (taskset)"
        } else {
            "; NOT pinned (fewer than 2 cores)"
        }
    );
    type Metric = (&'static str, fn(&Summary) -> Stat, usize);
    let metrics: [Metric; 3] = [
        (
            "CPU µs per request (lower is better)",
            |s| s.cpu_us_per_request,
            2,
        ),
        ("requests per second", |s| s.requests_per_second, 0),
        ("p99 latency, ms", |s| s.p99_ms, 2),
    ];
    for (index, (title, metric, decimals)) in metrics.into_iter().enumerate() {
        let _ = write!(md, "**{title}**\n\n| scenario |");
        for server in servers {
            let _ = write!(md, " {} |", server.title());
        }
        if index == 0 {
            md.push_str(" watchful / hyper | watchful / axum |");
        }
        md.push_str("\n|---|");
        for _ in servers {
            md.push_str("---:|");
        }
        if index == 0 {
            md.push_str("---:|---:|");
        }
        md.push('\n');
        for scenario in Scenario::ALL {
            let _ = write!(md, "| {} |", scenario.title());
            for &server in servers {
                match summaries
                    .iter()
                    .find(|s| s.server == server && s.scenario == scenario)
                {
                    Some(summary) => {
                        let stat = metric(summary);
                        let _ = write!(
                            md,
                            " {:.d$} ({:.d$}–{:.d$}) |",
                            stat.median,
                            stat.min,
                            stat.max,
                            d = decimals
                        );
                    }
                    None => md.push_str(" – |"),
                }
            }
            if index == 0 {
                for base in [Kind::Hyper, Kind::Axum] {
                    match ratio(summaries, scenario, base) {
                        Some(r) => {
                            let _ = write!(md, " {r:.2}× |");
                        }
                        None => md.push_str(" – |"),
                    }
                }
            }
            md.push('\n');
        }
        md.push('\n');
    }
    md.push_str("**Targets** (on the medians of CPU per request)\n\n| target | ratio | holds |\n|---|---:|---|\n");
    for target in targets {
        let ratio = target.ratio.map_or("–".to_owned(), |r| format!("{r:.2}×"));
        let holds = match target.holds {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "not measured",
        };
        let _ = writeln!(md, "| {} | {ratio} | {holds} |", target.name);
    }
    md
}

struct WrkResult {
    requests: u64,
    requests_per_second: f64,
    p99_ms: f64,
    non_2xx: u64,
    socket_errors: u64,
}

fn check_wrk() -> Result<(), String> {
    match Command::new("wrk").arg("--version").output() {
        Ok(_) => Ok(()),
        Err(_) => Err(
            "wrk is not installed: run examples/bench/run.sh (it installs Debian's wrk) or `apt-get install wrk`"
                .to_owned(),
        ),
    }
}

fn wrk(
    pin: bool,
    port: u16,
    path: &str,
    seconds: u32,
    connections: u32,
) -> Result<WrkResult, String> {
    let url = format!("http://127.0.0.1:{port}{path}");
    let output = driver::pinned(pin, LOAD_CORE, "wrk")
        .args([
            "-t1",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "--timeout",
            "10s",
            "--latency",
            &url,
        ])
        .output()
        .map_err(|e| format!("failed to run wrk: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "wrk failed on {url}: {text}{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    parse_wrk(&text).ok_or_else(|| format!("unexpected wrk output for {url}:\n{text}"))
}

fn parse_wrk(text: &str) -> Option<WrkResult> {
    let mut requests = None;
    let mut requests_per_second = None;
    let mut p99_ms = None;
    let mut non_2xx = 0;
    let mut socket_errors = 0;
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("99%") {
            p99_ms = parse_duration_ms(rest.trim());
        } else if let Some((count, _)) = line.split_once(" requests in ") {
            requests = count.trim().parse().ok();
        } else if let Some(rest) = line.strip_prefix("Requests/sec:") {
            requests_per_second = rest.trim().parse().ok();
        } else if let Some(rest) = line.strip_prefix("Non-2xx or 3xx responses:") {
            non_2xx = rest.trim().parse().ok()?;
        } else if let Some(rest) = line.strip_prefix("Socket errors:") {
            socket_errors = rest
                .split(',')
                .filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok())
                .sum();
        }
    }
    Some(WrkResult {
        requests: requests?,
        requests_per_second: requests_per_second?,
        p99_ms: p99_ms?,
        non_2xx,
        socket_errors,
    })
}

/// wrk's `1.23ms`, `456.00us`, `1.01s`, `2.00m` → milliseconds.
fn parse_duration_ms(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (value, unit) = text.split_at(split);
    let value: f64 = value.parse().ok()?;
    let factor = match unit {
        "us" => 1e-3,
        "ms" => 1.0,
        "s" => 1e3,
        "m" => 60e3,
        _ => return None,
    };
    Some(value * factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_wrk_output() {
        let text = "Running 1s test @ http://127.0.0.1:1/plaintext
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   618.45us  120.11us   3.36ms   90.00%
    Req/Sec   100.00k     2.00k  104.00k    70.00%
  Latency Distribution
     50%  600.00us
     75%  650.00us
     90%  700.00us
     99%    1.20ms
  101234 requests in 1.00s, 12.30MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 101234
Requests/sec: 101000.50
Transfer/sec:     12.30MB
";
        let result = parse_wrk(text).unwrap();
        assert_eq!(result.requests, 101234);
        assert_eq!(result.non_2xx, 101234);
        assert_eq!(result.socket_errors, 3);
        assert!((result.p99_ms - 1.2).abs() < 1e-9);
        assert!((result.requests_per_second - 101000.5).abs() < 1e-9);
        assert!((parse_duration_ms("456.00us").unwrap() - 0.456).abs() < 1e-9);
    }

    #[test]
    fn median_of_even_and_odd() {
        assert_eq!(Stat::of(vec![3.0, 1.0, 2.0]).unwrap().median, 2.0);
        let stat = Stat::of(vec![4.0, 1.0, 2.0, 3.0]).unwrap();
        assert_eq!((stat.median, stat.min, stat.max), (2.5, 1.0, 4.0));
    }
}
