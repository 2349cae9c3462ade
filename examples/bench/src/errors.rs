//! The error-reporting comparison: each framework's server in its best-practice
//! configuration gets one request per failure scenario; the JSON lines it logged for that
//! request are checked against the three requirements of the reference:
//!
//! 1. a root span for the request;
//! 2. an ERROR event with `error.msg`, `error.details` and `error.source_chain` for every
//!    error;
//! 3. the fields of the error that produced the response on the root span.
//!
//! A scenario a server does not implement is reported as "not run", never as held.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use crate::client;
use crate::common::{ErrorScenario, ROOT_SPAN};
use crate::driver::{Launch, Running};
use crate::servers::Kind;

const FIELDS: [&str; 3] = ["error.msg", "error.details", "error.source_chain"];
const FETCH_MSG: &str = "the posts of user 42 could not be loaded";
const AUDIT_MSG: &str = "the audit record could not be written";

/// What a scenario must produce, as far as the harness knows it.
struct Expected {
    /// One entry per error: its `error.msg` when the harness made the error (the framework's
    /// own errors have framework-specific messages), and whether it has a source chain.
    errors: &'static [(Option<&'static str>, bool)],
    /// Index in `errors` of the error that produced the response.
    response_error: Option<usize>,
}

fn expected(scenario: ErrorScenario) -> Expected {
    match scenario {
        ErrorScenario::HandlerError => Expected {
            errors: &[(Some(FETCH_MSG), true)],
            response_error: Some(0),
        },
        // The parser's error is the cause of the extractor's.
        ErrorScenario::ExtractorError => Expected {
            errors: &[(None, true)],
            response_error: Some(0),
        },
        ErrorScenario::MiddlewareAfterHandlerError => Expected {
            errors: &[(Some(FETCH_MSG), true), (Some(AUDIT_MSG), true)],
            response_error: Some(1),
        },
        ErrorScenario::Panic => Expected {
            errors: &[(None, false)],
            response_error: Some(0),
        },
        // No error value exists: the router found nothing.
        ErrorScenario::NotFound => Expected {
            errors: &[],
            response_error: None,
        },
    }
}

/// A requirement's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Met.
    Held,
    /// Met for some errors or some fields only.
    Partly,
    /// Not met.
    NotHeld,
    /// Nothing to check (no error happened).
    NotApplicable,
    /// The server does not implement the scenario (yet).
    NotRun,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Status::Held => "held",
            Status::Partly => "**partly**",
            Status::NotHeld => "**not held**",
            Status::NotApplicable => "n/a",
            Status::NotRun => "not run",
        }
    }
}

/// A requirement's outcome and what was seen.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    status: Status,
    seen: String,
}

impl Verdict {
    fn new(status: Status, seen: impl Into<String>) -> Self {
        Self {
            status,
            seen: seen.into(),
        }
    }
}

/// One framework in one scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    framework: Kind,
    scenario: ErrorScenario,
    /// The response's status, or why there was none.
    response: String,
    /// Requirements 1, 2 and 3.
    requirements: [Verdict; 3],
    /// The JSON lines logged for the request.
    log: Vec<Value>,
}

/// The comparison's result.
#[derive(Debug, Serialize)]
pub struct Report {
    outcomes: Vec<Outcome>,
    /// The generated Markdown.
    pub markdown: String,
    /// Problems of the harness itself (a server that would not start, a log that never
    /// showed the request): they fail the run.
    pub problems: Vec<String>,
}

/// Runs every scenario on every framework among `servers` (raw hyper is skipped: it is not a
/// framework); logs go to `dir`.
pub fn run(servers: &[Kind], dir: &Path) -> Result<Report, String> {
    let mut outcomes = Vec::new();
    let mut problems = Vec::new();
    let frameworks: Vec<Kind> = servers
        .iter()
        .copied()
        .filter(|kind| kind.error_scenarios().is_some())
        .collect();
    for &kind in &frameworks {
        let implemented = kind.error_scenarios().unwrap_or_default();
        let server = Running::start(kind, dir, &Launch::default())?;
        for scenario in ErrorScenario::ALL {
            let outcome = if implemented.contains(&scenario) {
                let outcome = observe(&server, scenario);
                if outcome.log.is_empty() {
                    problems.push(format!(
                        "{}: {:?}: nothing was logged for the request",
                        kind.name(),
                        scenario
                    ));
                }
                outcome
            } else {
                not_run(kind, scenario)
            };
            eprintln!(
                "{:<9} {:<46} {}",
                kind.name(),
                scenario.title(),
                outcome
                    .requirements
                    .iter()
                    .map(|v| v.status.label().trim_matches('*'))
                    .collect::<Vec<_>>()
                    .join(" / ")
            );
            outcomes.push(outcome);
        }
    }
    let markdown = markdown(&frameworks, &outcomes);
    Ok(Report {
        outcomes,
        markdown,
        problems,
    })
}

fn not_run(framework: Kind, scenario: ErrorScenario) -> Outcome {
    let verdict = || Verdict::new(Status::NotRun, "not implemented by this server yet");
    Outcome {
        framework,
        scenario,
        response: "not run".to_owned(),
        requirements: [verdict(), verdict(), verdict()],
        log: Vec::new(),
    }
}

/// Sends the scenario's request and checks what the server logged for it.
fn observe(server: &Running, scenario: ErrorScenario) -> Outcome {
    let offset = server.log_len();
    let (method, path, content_type, body) = scenario.request();
    let response = match client::send(server.port, method, path, content_type, body) {
        Ok(reply) => reply.status.to_string(),
        Err(_) => "no response (the connection was closed)".to_owned(),
    };
    let log = wait_for_root_span(&server.log, offset);
    let requirements = evaluate(scenario, &log);
    Outcome {
        framework: server.kind,
        scenario,
        response,
        requirements,
        log,
    }
}

/// The JSON lines written after `offset`, once the root span closed (or after 3 s).
fn wait_for_root_span(log: &Path, offset: u64) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let lines = read_from(log, offset);
        if lines.iter().any(is_root_close) || Instant::now() > deadline {
            // Anything logged right after the span closed belongs to the request too.
            std::thread::sleep(Duration::from_millis(50));
            return read_from(log, offset);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn read_from(log: &Path, offset: u64) -> Vec<Value> {
    let bytes = std::fs::read(log).unwrap_or_default();
    let new = bytes.get(offset as usize..).unwrap_or_default();
    String::from_utf8_lossy(new)
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

fn field<'a>(object: &'a Value, name: &str) -> Option<&'a Value> {
    object.get(name).filter(|v| !v.is_null())
}

fn text(value: Option<&Value>) -> Option<String> {
    value.map(|v| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

/// A span-close line of a span without parent named like the root span.
fn is_root_close(line: &Value) -> bool {
    line.pointer("/fields/message").and_then(Value::as_str) == Some("close")
        && line.pointer("/span/name").and_then(Value::as_str) == Some(ROOT_SPAN)
        && line
            .get("spans")
            .and_then(Value::as_array)
            .is_none_or(|spans| spans.is_empty())
}

fn is_error_event(line: &Value) -> bool {
    line.get("level").and_then(Value::as_str) == Some("ERROR")
}

/// The outermost span an event was emitted in.
fn root_of(line: &Value) -> Option<&str> {
    line.get("spans")?
        .as_array()?
        .first()?
        .get("name")?
        .as_str()
}

fn short(text: &str) -> String {
    let one_line = text.replace('\n', " ⏎ ");
    if one_line.chars().count() > 70 {
        format!("{}…", one_line.chars().take(70).collect::<String>())
    } else {
        one_line
    }
}

fn evaluate(scenario: ErrorScenario, log: &[Value]) -> [Verdict; 3] {
    let expected = expected(scenario);
    let roots: Vec<&Value> = log.iter().filter(|line| is_root_close(line)).collect();
    let root_fields = roots.first().and_then(|root| root.get("span"));

    // 1. A root span.
    let r1 = match roots.len() {
        0 => Verdict::new(Status::NotHeld, "no root span closed for the request"),
        1 => {
            let status = root_fields.and_then(|span| {
                text(
                    field(span, "http.response.status_code")
                        .or_else(|| field(span, "http.status_code")),
                )
            });
            let status = match status {
                Some(status) => format!("status {status}"),
                None => "no status recorded".to_owned(),
            };
            Verdict::new(Status::Held, format!("`{ROOT_SPAN}` span closed, {status}"))
        }
        n => Verdict::new(Status::Partly, format!("{n} root spans for one request")),
    };

    // 2. An ERROR event with the three fields, inside the root span, for every error.
    let events: Vec<&Value> = log.iter().filter(|line| is_error_event(line)).collect();
    let r2 = if expected.errors.is_empty() {
        let seen = if events.is_empty() {
            "no error value; no ERROR event".to_owned()
        } else {
            format!("no error value; {} ERROR event(s)", events.len())
        };
        Verdict::new(Status::NotApplicable, seen)
    } else {
        let mut used = vec![false; events.len()];
        let mut complete = 0;
        let mut notes = Vec::new();
        for (msg, has_chain) in expected.errors {
            // The event for this error: by message when the harness knows it.
            let found = events.iter().enumerate().position(|(i, event)| {
                !used[i]
                    && match msg {
                        Some(msg) => {
                            text(event.pointer("/fields/error.msg")).as_deref() == Some(*msg)
                        }
                        None => true,
                    }
            });
            let Some(index) = found else {
                notes.push(match msg {
                    Some(msg) => format!("no ERROR event for `{msg}`"),
                    None => "no ERROR event".to_owned(),
                });
                continue;
            };
            used[index] = true;
            let event = events[index];
            let fields = event.get("fields").unwrap_or(&Value::Null);
            let missing: Vec<&str> = FIELDS
                .iter()
                .copied()
                .filter(|name| field(fields, name).is_none())
                .collect();
            let chain = text(field(fields, "error.source_chain")).unwrap_or_default();
            if !missing.is_empty() {
                let message = text(field(fields, "message")).unwrap_or_default();
                notes.push(format!(
                    "ERROR event without {} (message: `{}`)",
                    missing.join(", "),
                    short(&message)
                ));
            } else if *has_chain && chain.is_empty() {
                notes.push("ERROR event with an empty source chain".to_owned());
            } else if root_of(event) != Some(ROOT_SPAN) {
                notes.push("ERROR event outside the root span".to_owned());
            } else {
                complete += 1;
                notes.push(format!(
                    "`{}`",
                    short(&text(field(fields, "error.msg")).unwrap_or_default())
                ));
            }
        }
        let total = expected.errors.len();
        let status = if complete == total {
            Status::Held
        } else if complete == 0 && events.is_empty() {
            Status::NotHeld
        } else {
            Status::Partly
        };
        Verdict::new(
            status,
            format!(
                "{complete} of {total} error(s) reported: {}",
                notes.join("; ")
            ),
        )
    };

    // 3. The response's error on the root span.
    let present: Vec<(&str, String)> = FIELDS
        .iter()
        .filter_map(|name| Some((*name, text(root_fields.and_then(|s| field(s, name)))?)))
        .collect();
    let r3 = match expected.response_error {
        None if present.is_empty() => Verdict::new(
            Status::NotApplicable,
            "no error; no error fields on the root span",
        ),
        None => Verdict::new(
            Status::NotApplicable,
            format!(
                "no error, yet the root span has {} error field(s)",
                present.len()
            ),
        ),
        Some(_) if roots.is_empty() => Verdict::new(Status::NotHeld, "no root span"),
        Some(_) if present.is_empty() => {
            Verdict::new(Status::NotHeld, "no error fields on the root span")
        }
        Some(index) => {
            let (expected_msg, has_chain) = expected.errors[index];
            let msg = present
                .iter()
                .find(|(name, _)| *name == "error.msg")
                .map(|(_, v)| v.clone());
            let chain = present
                .iter()
                .find(|(name, _)| *name == "error.source_chain")
                .map(|(_, v)| v.clone());
            let mut problems = Vec::new();
            if present.len() < FIELDS.len() {
                let missing: Vec<&str> = FIELDS
                    .iter()
                    .copied()
                    .filter(|name| !present.iter().any(|(p, _)| p == name))
                    .collect();
                problems.push(format!("missing {}", missing.join(", ")));
            }
            if let (Some(expected_msg), Some(msg)) = (expected_msg, &msg)
                && msg != expected_msg
            {
                problems.push(format!(
                    "error.msg is `{}`, not the response's error `{expected_msg}`",
                    short(msg)
                ));
            }
            if has_chain && chain.as_deref().is_some_and(str::is_empty) {
                problems.push("empty source chain".to_owned());
            }
            let msg = msg.map_or("–".to_owned(), |m| short(&m));
            if problems.is_empty() {
                Verdict::new(Status::Held, format!("error.msg = `{msg}`"))
            } else {
                Verdict::new(Status::Partly, problems.join("; "))
            }
        }
    };
    [r1, r2, r3]
}

const REQUIREMENTS: [&str; 3] = [
    "1. root span",
    "2. ERROR event with the three fields, for every error",
    "3. the response's error on the root span",
];

fn markdown(frameworks: &[Kind], outcomes: &[Outcome]) -> String {
    let find = |kind: Kind, scenario: ErrorScenario| {
        outcomes
            .iter()
            .find(|o| o.framework == kind && o.scenario == scenario)
    };
    let mut md = String::new();
    md.push_str(
        "# Error-reporting comparison\n\n\
         Generated by `examples/bench/run.sh` (`watchful-bench run`): do not edit by hand.\n\n\
         Each framework runs in its best-practice configuration (see `examples/bench/src/servers/`), \
         logging JSON lines to a file; one request per scenario, and the lines logged for it are \
         checked against the three requirements of the reference: (1) a root span for the \
         request; (2) an ERROR event with `error.msg`, `error.details` and `error.source_chain` \
         for every error; (3) the fields of the error that produced the response on the root \
         span. \"not run\" means the server does not implement the scenario yet.\n\n\
         - **axum 0.8**: errors wrapped in one type whose `IntoResponse` stores it in the \
         response's extensions; a middleware inside tower-http's `TraceLayer` reports it; the \
         JSON extractor wrapped so that its rejection is that type; `CatchPanicLayer` with a \
         handler that makes the same response.\n\
         - **actix-web 4**: `tracing-actix-web`'s `TracingLogger` with a `RootSpanBuilder` that \
         reports the error a response carries; errors are one type that keeps its source chain; \
         `JsonConfig::error_handler` wraps the extractor's errors in it.\n\
         - **watchful**: `LOG_ERROR` as the error observer; the framework records the root \
         span's error fields.\n\n\
         In axum, \"held\" holds only as long as every error and every extractor is wrapped in \
         the application's error type: nothing enforces it. In actix-web, an error of another \
         type is still reported, but without its source chain (`ResponseError` has no \
         `source()`).\n\n## Summary\n\nRequirements 1 / 2 / 3 per scenario.\n\n| scenario |",
    );
    for kind in frameworks {
        let _ = write!(md, " {} |", kind.title());
    }
    md.push_str("\n|---|");
    for _ in frameworks {
        md.push_str("---|");
    }
    md.push('\n');
    for scenario in ErrorScenario::ALL {
        let _ = write!(md, "| {} |", scenario.title());
        for &kind in frameworks {
            match find(kind, scenario) {
                Some(outcome) => {
                    let labels: Vec<&str> = outcome
                        .requirements
                        .iter()
                        .map(|v| v.status.label())
                        .collect();
                    let _ = write!(md, " {} |", labels.join(" / "));
                }
                None => md.push_str(" – |"),
            }
        }
        md.push('\n');
    }
    md.push_str("\n## What was seen\n");
    for scenario in ErrorScenario::ALL {
        let (method, path, _, body) = scenario.request();
        let body = if body.is_empty() {
            String::new()
        } else {
            format!(" with the body `{body}`")
        };
        let _ = write!(
            md,
            "\n### {} (`{method} {path}`{body})\n\n| requirement |",
            scenario.title()
        );
        for kind in frameworks {
            let _ = write!(md, " {} |", kind.title());
        }
        md.push_str("\n|---|");
        for _ in frameworks {
            md.push_str("---|");
        }
        md.push_str("\n| response |");
        for &kind in frameworks {
            let response = find(kind, scenario).map_or("–".to_owned(), |o| short(&o.response));
            let _ = write!(md, " {} |", response.replace('|', "\\|"));
        }
        md.push('\n');
        for (index, requirement) in REQUIREMENTS.iter().enumerate() {
            let _ = write!(md, "| {requirement} |");
            for &kind in frameworks {
                match find(kind, scenario) {
                    Some(outcome) => {
                        let verdict = &outcome.requirements[index];
                        let _ = write!(
                            md,
                            " {} — {} |",
                            verdict.status.label(),
                            verdict.seen.replace('|', "\\|")
                        );
                    }
                    None => md.push_str(" – |"),
                }
            }
            md.push('\n');
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn root_close(fields: Value) -> Value {
        let mut span = json!({"name": ROOT_SPAN, "http.response.status_code": 500});
        if let (Some(span), Some(fields)) = (span.as_object_mut(), fields.as_object()) {
            span.extend(fields.clone());
        }
        json!({"level": "INFO", "fields": {"message": "close"}, "span": span, "spans": []})
    }

    fn error_event(fields: Value) -> Value {
        json!({"level": "ERROR", "fields": fields, "spans": [{"name": ROOT_SPAN}]})
    }

    fn statuses(verdicts: &[Verdict; 3]) -> [Status; 3] {
        [verdicts[0].status, verdicts[1].status, verdicts[2].status]
    }

    #[test]
    fn a_fully_reported_handler_error_holds() {
        let fields = json!({
            "error.msg": FETCH_MSG,
            "error.details": "FetchError { .. }",
            "error.source_chain": "the posts database is unreachable\nconnection refused",
        });
        let log = [error_event(fields.clone()), root_close(fields)];
        let verdicts = evaluate(ErrorScenario::HandlerError, &log);
        assert_eq!(statuses(&verdicts), [Status::Held; 3], "{verdicts:?}");
    }

    #[test]
    fn missing_fields_and_lost_errors_are_not_held() {
        // An event without the source chain, nothing on the root span.
        let log = [
            error_event(json!({"error.msg": AUDIT_MSG, "error.details": "AuditError"})),
            root_close(json!({})),
        ];
        let verdicts = evaluate(ErrorScenario::MiddlewareAfterHandlerError, &log);
        assert_eq!(
            statuses(&verdicts),
            [Status::Held, Status::Partly, Status::NotHeld],
            "{verdicts:?}"
        );
        assert!(
            verdicts[1].seen.contains("no ERROR event for"),
            "{verdicts:?}"
        );

        let verdicts = evaluate(ErrorScenario::Panic, &[]);
        assert_eq!(statuses(&verdicts), [Status::NotHeld; 3], "{verdicts:?}");
    }

    #[test]
    fn a_404_has_nothing_to_report() {
        let verdicts = evaluate(ErrorScenario::NotFound, &[root_close(json!({}))]);
        assert_eq!(
            statuses(&verdicts),
            [Status::Held, Status::NotApplicable, Status::NotApplicable]
        );
    }
}
