//! The instruction-count run: every server under callgrind, serving N₁ and then (in a new
//! process) N₂ sequential keep-alive requests of one scenario; the figure is
//! (Ir(N₂) − Ir(N₁)) / (N₂ − N₁), user-space instructions per request with start-up and
//! shutdown cancelled out, which does not move with the machine's load. The allocation
//! counts the server prints on exit give allocations and bytes per request the same way.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::alloc_count::Allocations;
use crate::callgrind;
use crate::client::Connection;
use crate::driver::{Launch, Running};
use crate::gate::{self, Check};
use crate::scenario::Scenario;
use crate::servers::Kind;

/// How many requests each pair of runs serves.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Config {
    /// N₁: the requests of the shorter run (which also warms up every code path).
    pub n1: u64,
    /// N₂: the requests of the longer run.
    pub n2: u64,
}

impl Config {
    /// The full run.
    pub fn full() -> Self {
        Self { n1: 100, n2: 600 }
    }

    /// The CI gate: fewer requests, the same method.
    pub fn quick() -> Self {
        Self { n1: 50, n2: 250 }
    }
}

/// Whether the servers log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Telemetry {
    /// The benchmark's tracing setup: JSON lines to a file, INFO, a line per closed span.
    Json,
    /// Tracing off at every level: the framework's own cost, without the JSON formatter's.
    Off,
}

impl Telemetry {
    /// Both, in table order.
    pub const ALL: [Telemetry; 2] = [Telemetry::Json, Telemetry::Off];

    /// The name in file names, JSON and the thresholds file.
    pub fn name(self) -> &'static str {
        match self {
            Telemetry::Json => "json",
            Telemetry::Off => "off",
        }
    }

    /// How tables name it.
    pub fn title(self) -> &'static str {
        match self {
            Telemetry::Json => "logging on (JSON lines to a file)",
            Telemetry::Off => "logging off (tracing off at every level)",
        }
    }
}

/// One server process: how many requests it served, and what it cost in total.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    /// Requests served, one after the other on one keep-alive connection.
    pub requests: u64,
    /// Instructions of the whole process (event `Ir`), start-up and shutdown included.
    pub instructions: u64,
    /// Heap allocations of the whole process.
    pub allocations: Allocations,
}

/// One server in one scenario, with or without logging.
#[derive(Debug, Clone, Serialize)]
pub struct Measurement {
    /// Which server.
    pub server: Kind,
    /// Which scenario.
    pub scenario: Scenario,
    /// Logging on or off.
    pub telemetry: Telemetry,
    /// The N₁ and N₂ runs.
    pub runs: [Run; 2],
    /// (Ir(N₂) − Ir(N₁)) / (N₂ − N₁).
    pub instructions_per_request: f64,
    /// The same for heap allocations.
    pub allocations_per_request: f64,
    /// The same for bytes allocated.
    pub bytes_per_request: f64,
}

impl Measurement {
    fn new(server: Kind, scenario: Scenario, telemetry: Telemetry, runs: [Run; 2]) -> Self {
        let per_request = |value: fn(&Run) -> u64| {
            per_request(
                [runs[0].requests, runs[1].requests],
                [value(&runs[0]), value(&runs[1])],
            )
        };
        Self {
            server,
            scenario,
            telemetry,
            instructions_per_request: per_request(|r| r.instructions),
            allocations_per_request: per_request(|r| r.allocations.allocations),
            bytes_per_request: per_request(|r| r.allocations.bytes),
            runs,
        }
    }
}

/// (v₂ − v₁) / (n₂ − n₁): what each of the requests the longer run served in addition cost.
pub fn per_request(requests: [u64; 2], values: [u64; 2]) -> f64 {
    (values[1] as f64 - values[0] as f64) / (requests[1] as f64 - requests[0] as f64)
}

/// Everything a run produced (written as JSON).
#[derive(Debug, Serialize)]
pub struct Report {
    config: Config,
    quick: bool,
    valgrind: String,
    /// Every server, scenario and telemetry measured.
    pub measurements: Vec<Measurement>,
    /// The regression gate's checks.
    pub gate: Vec<Check>,
    /// The Markdown tables.
    pub markdown: String,
}

/// Measures `servers` in every scenario with each of `telemetries`; profiles, logs and
/// stderr of the servers go to `dir`. The gate's checks are made against `thresholds`.
pub fn run(
    config: Config,
    quick: bool,
    servers: &[Kind],
    telemetries: &[Telemetry],
    thresholds: &gate::Thresholds,
    dir: &Path,
) -> Result<Report, String> {
    let valgrind = callgrind::version()?;
    if config.n2 <= config.n1 || config.n1 == 0 {
        return Err(format!(
            "N₂ ({}) must be larger than N₁ ({}), and N₁ at least 1",
            config.n2, config.n1
        ));
    }
    let mut measurements = Vec::new();
    for &telemetry in telemetries {
        for scenario in Scenario::ALL {
            for &server in servers {
                measurements.push(measure_pair(
                    config, server, scenario, telemetry, None, dir,
                )?);
            }
        }
    }
    let mut gate = gate::check(thresholds, &measurements);
    // A check that fails is measured once more before it counts: a run now and then differs
    // by a percent or two (the kernel's timing), while a real regression fails again.
    let failing: Vec<Check> = gate
        .iter()
        .filter(|c| c.failure().is_some())
        .cloned()
        .collect();
    for check in &failing {
        let (scenario, telemetry) = (check.scenario(), check.telemetry());
        for server in [Kind::Hyper, Kind::Watchful] {
            if let Some(old) = measurements
                .iter_mut()
                .find(|m| m.server == server && m.scenario == scenario && m.telemetry == telemetry)
            {
                eprintln!("instructions: the gate failed: measuring again");
                *old = measure_pair(config, server, scenario, telemetry, None, dir)?;
            }
        }
    }
    if !failing.is_empty() {
        gate = gate::check(thresholds, &measurements);
    }
    let markdown = markdown(
        config,
        quick,
        &valgrind,
        servers,
        telemetries,
        &measurements,
    ) + "\n"
        + &gate::markdown(&gate);
    Ok(Report {
        config,
        quick,
        valgrind,
        measurements,
        gate,
        markdown,
    })
}

/// The OpenTelemetry scenario: watchful and axum from `program` (`watchful-bench-otel`),
/// both exporting their spans to a sink that discards them, in the plaintext scenario; the
/// Markdown table.
pub fn otel(config: Config, program: &Path, dir: &Path) -> Result<String, String> {
    let [watchful, axum] = [Kind::Watchful, Kind::Axum].map(|server| {
        measure_pair(
            config,
            server,
            Scenario::Plaintext,
            // Telemetry on: the servers' subscriber is the exporting layer (no JSON lines).
            Telemetry::Json,
            Some(program),
            dir,
        )
    });
    Ok(otel_table(&watchful?, &axum?))
}

/// The OpenTelemetry table: watchful's and axum's instructions per request, and the ratio.
fn otel_table(watchful: &Measurement, axum: &Measurement) -> String {
    let (w, a) = (
        watchful.instructions_per_request,
        axum.instructions_per_request,
    );
    format!(
        "### OpenTelemetry export\n\n\
         The plaintext scenario, measured as above, with every span exported through a default \
         `tracing-opentelemetry` layer to an `opentelemetry_sdk` tracer provider whose simple \
         processor hands it to an exporter that discards it, and the propagator \
         `watchful::otel::init()` installs (`examples/bench-otel`): watchful with its `otel` \
         feature (which also records the request duration histogram, through the no-op meter \
         provider) against axum with tower-http's `TraceLayer`, request id layers and the \
         global propagator, making the same span: the same name, kind, status and attributes, \
         the continued trace, `trace_id` and `request_id` included (a test of \
         `examples/bench-otel` checks it). Target: watchful / axum ≤ 1.0×.\n\n\
         | scenario | watchful | axum | watchful / axum |\n\
         |---|---:|---:|---:|\n\
         | {} | {} | {} | {:.3}× |\n",
        Scenario::Plaintext.title(),
        grouped(w),
        grouped(a),
        w / a
    )
}

/// The N₁ and N₂ runs of one server in one scenario, from `program` (`None`: this binary).
fn measure_pair(
    config: Config,
    server: Kind,
    scenario: Scenario,
    telemetry: Telemetry,
    program: Option<&Path>,
    dir: &Path,
) -> Result<Measurement, String> {
    let runs = [
        measure(server, scenario, telemetry, config.n1, program, dir)?,
        measure(server, scenario, telemetry, config.n2, program, dir)?,
    ];
    let measurement = Measurement::new(server, scenario, telemetry, runs);
    eprintln!(
        "instructions: {:<8} {:<18} {:<4} {:>10.0} Ir/req  {:>6.1} allocs/req  {:>7.0} B/req",
        server.name(),
        scenario.path(),
        telemetry.name(),
        measurement.instructions_per_request,
        measurement.allocations_per_request,
        measurement.bytes_per_request,
    );
    Ok(measurement)
}

/// One server process under callgrind serving `requests` requests of `scenario`.
fn measure(
    server: Kind,
    scenario: Scenario,
    telemetry: Telemetry,
    requests: u64,
    program: Option<&Path>,
    dir: &Path,
) -> Result<Run, String> {
    let name = format!(
        "{}{}-{:?}-{}-{requests}",
        if program.is_some() { "otel-" } else { "" },
        server.name(),
        scenario,
        telemetry.name()
    )
    .to_lowercase();
    let profile = dir.join(format!("{name}.callgrind"));
    let launch = Launch {
        pin: false,
        quiet_telemetry: telemetry == Telemetry::Off,
        callgrind: Some(profile.clone()),
        program: program.map(Path::to_path_buf),
    };
    let context = |e: String| format!("{} {} ({name}): {e}", server.name(), scenario.path());
    let mut running = Running::start(server, dir, &launch).map_err(context)?;
    // Under callgrind the first requests run ~100 times slower than natively.
    let mut connection = Connection::open(running.port, Duration::from_secs(120))
        .map_err(|e| context(e.to_string()))?;
    for _ in 0..requests {
        running.wait_idle().map_err(context)?;
        let reply = connection
            .get(scenario.path())
            .map_err(|e| context(e.to_string()))?;
        scenario.check(&reply).map_err(context)?;
    }
    // The server stops idle with the connection still open, the same in every run: had it
    // been closed first, the server could exit before or after handling that.
    running.wait_idle().map_err(context)?;
    let allocations = running.stop().map_err(context)?;
    drop(connection);
    let text = std::fs::read_to_string(&profile)
        .map_err(|e| context(format!("{}: {e}", profile.display())))?;
    let instructions = callgrind::instructions(&text)
        .ok_or_else(|| context(format!("no instruction total in {}", profile.display())))?;
    Ok(Run {
        requests,
        instructions,
        allocations,
    })
}

/// The figure of `server` in `scenario`, if measured.
pub fn find(
    measurements: &[Measurement],
    server: Kind,
    scenario: Scenario,
    telemetry: Telemetry,
) -> Option<&Measurement> {
    measurements
        .iter()
        .find(|m| m.server == server && m.scenario == scenario && m.telemetry == telemetry)
}

/// watchful's instructions per request over `base`'s.
pub fn ratio(
    measurements: &[Measurement],
    scenario: Scenario,
    telemetry: Telemetry,
    base: Kind,
) -> Option<f64> {
    let of = |server| find(measurements, server, scenario, telemetry);
    Some(of(Kind::Watchful)?.instructions_per_request / of(base)?.instructions_per_request)
}

/// `1234567.4` → `1,234,567`.
pub fn grouped(value: f64) -> String {
    let digits = format!("{:.0}", value.abs());
    let mut text = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            text.push(',');
        }
        text.push(digit);
    }
    if value.round() < 0.0 {
        text.insert(0, '−');
    }
    text
}

fn markdown(
    config: Config,
    quick: bool,
    valgrind: &str,
    servers: &[Kind],
    telemetries: &[Telemetry],
    measurements: &[Measurement],
) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "### Instructions per request{}\n",
        if quick {
            " (quick mode: fewer requests)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        md,
        "Each server runs under callgrind ({valgrind}) twice per scenario, serving N₁ = {} and N₂ = {} \
         sequential requests on one keep-alive connection; the figure is (Ir(N₂) − Ir(N₁)) / (N₂ − N₁): \
         the user-space instructions of the whole server process per request, start-up and shutdown \
         cancelled out. Lower is better.\n",
        config.n1, config.n2
    );
    let vs_hyper = servers.contains(&Kind::Watchful) && servers.contains(&Kind::Hyper);
    let vs_axum = servers.contains(&Kind::Watchful) && servers.contains(&Kind::Axum);
    for &telemetry in telemetries {
        let mut ratios = Vec::new();
        if vs_hyper {
            ratios.extend(["watchful / hyper", "watchful − hyper"]);
        }
        if vs_axum {
            ratios.push("watchful / axum");
        }
        table_head(&mut md, telemetry, servers, &ratios);
        for scenario in Scenario::ALL {
            let _ = write!(md, "| {} |", scenario.title());
            for &server in servers {
                match find(measurements, server, scenario, telemetry) {
                    Some(m) => {
                        let _ = write!(md, " {} |", grouped(m.instructions_per_request));
                    }
                    None => md.push_str(" – |"),
                }
            }
            let watchful = find(measurements, Kind::Watchful, scenario, telemetry);
            if vs_hyper {
                let hyper = find(measurements, Kind::Hyper, scenario, telemetry);
                match (watchful, hyper) {
                    (Some(w), Some(h)) => {
                        let _ = write!(
                            md,
                            " {:.3}× | {} |",
                            w.instructions_per_request / h.instructions_per_request,
                            grouped(w.instructions_per_request - h.instructions_per_request)
                        );
                    }
                    _ => md.push_str(" – | – |"),
                }
            }
            if vs_axum {
                match ratio(measurements, scenario, telemetry, Kind::Axum) {
                    Some(r) => {
                        let _ = write!(md, " {r:.3}× |");
                    }
                    None => md.push_str(" – |"),
                }
            }
            md.push('\n');
        }
        md.push('\n');
    }

    md.push_str(
        "### Heap allocations per request\n\n\
         Counted by the bench binary's global allocator (`alloc`, `alloc_zeroed` and `realloc`; \
         a reallocation counts as an allocation of its new size), in the same runs, by the same \
         (N₂ − N₁) method. Each cell: allocations (bytes).\n\n",
    );
    for &telemetry in telemetries {
        table_head(&mut md, telemetry, servers, &[]);
        for scenario in Scenario::ALL {
            let _ = write!(md, "| {} |", scenario.title());
            for &server in servers {
                match find(measurements, server, scenario, telemetry) {
                    Some(m) => {
                        let _ = write!(
                            md,
                            " {:.1} ({} B) |",
                            m.allocations_per_request,
                            grouped(m.bytes_per_request)
                        );
                    }
                    None => md.push_str(" – |"),
                }
            }
            md.push('\n');
        }
        md.push('\n');
    }
    md
}

/// A table's title (the telemetry) and head: the scenario, a column per server, then `extra`.
fn table_head(md: &mut String, telemetry: Telemetry, servers: &[Kind], extra: &[&str]) {
    let _ = write!(md, "**{}**\n\n| scenario |", telemetry.title());
    for server in servers {
        let _ = write!(md, " {} |", server.title());
    }
    for column in extra {
        let _ = write!(md, " {column} |");
    }
    md.push_str("\n|---|");
    for _ in 0..servers.len() + extra.len() {
        md.push_str("---:|");
    }
    md.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(requests: u64, instructions: u64, allocations: u64, bytes: u64) -> Run {
        Run {
            requests,
            instructions,
            allocations: Allocations { allocations, bytes },
        }
    }

    #[test]
    fn start_up_and_shutdown_cancel_out() {
        // 1,000,000 instructions of start-up and shutdown, 150,000 per request.
        let runs = [
            run(
                200,
                1_000_000 + 200 * 150_000,
                500 + 200 * 12,
                9_000 + 200 * 1_000,
            ),
            run(
                1000,
                1_000_000 + 1000 * 150_000,
                500 + 1000 * 12,
                9_000 + 1000 * 1_000,
            ),
        ];
        let m = Measurement::new(Kind::Hyper, Scenario::Plaintext, Telemetry::Json, runs);
        assert_eq!(m.instructions_per_request, 150_000.0);
        assert_eq!(m.allocations_per_request, 12.0);
        assert_eq!(m.bytes_per_request, 1_000.0);
    }

    #[test]
    fn per_request_keeps_fractions_and_signs() {
        assert_eq!(per_request([100, 300], [1_000, 1_101]), 0.505);
        assert_eq!(per_request([100, 300], [1_000, 900]), -0.5);
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(grouped(0.4), "0");
        assert_eq!(grouped(999.0), "999");
        assert_eq!(grouped(1000.0), "1,000");
        assert_eq!(grouped(156_060.49), "156,060");
        assert_eq!(grouped(1_234_567.0), "1,234,567");
        assert_eq!(grouped(-1_933.0), "−1,933");
    }

    #[test]
    fn the_otel_table_compares_watchful_with_axum() {
        let m = |server, ir: f64| Measurement {
            server,
            scenario: Scenario::Plaintext,
            telemetry: Telemetry::Json,
            runs: [run(1, 0, 0, 0), run(2, 0, 0, 0)],
            instructions_per_request: ir,
            allocations_per_request: 0.0,
            bytes_per_request: 0.0,
        };
        let md = otel_table(&m(Kind::Watchful, 41_849.0), &m(Kind::Axum, 36_101.0));
        assert!(md.starts_with("### OpenTelemetry export"));
        assert!(md.contains("| 1. plaintext | 41,849 | 36,101 | 1.159× |"));
    }

    #[test]
    fn tables_show_ratios_and_differences() {
        let m = |server, ir: f64| Measurement {
            server,
            scenario: Scenario::Fail,
            telemetry: Telemetry::Off,
            runs: [run(1, 0, 0, 0), run(2, 0, 0, 0)],
            instructions_per_request: ir,
            allocations_per_request: 3.0,
            bytes_per_request: 2048.0,
        };
        let measurements = [
            m(Kind::Hyper, 100_000.0),
            m(Kind::Axum, 125_000.0),
            m(Kind::Watchful, 110_000.0),
        ];
        let md = markdown(
            Config::quick(),
            true,
            "valgrind-3.19.0",
            &[Kind::Hyper, Kind::Axum, Kind::Watchful],
            &[Telemetry::Off],
            &measurements,
        );
        assert!(md.contains(
            "| 3. handler error → 500, reported | 100,000 | 125,000 | 110,000 | 1.100× | 10,000 | 0.880× |"
        ));
        assert!(md.contains("| 3. handler error → 500, reported | 3.0 (2,048 B) |"));
        assert!(md.contains("| 1. plaintext | – | – | – | – | – | – |"));
        // Header and separator have as many cells.
        let table: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).take(2).collect();
        assert_eq!(table[0].matches('|').count(), table[1].matches('|').count());
    }
}
