//! The rules `Blueprint::build` enforces, one test per rule (or per case of a rule).
//!
//! Each test builds a small blueprint that breaks exactly one rule and checks the message: it
//! names every component involved as `module::path::function`, with the `file:line` where the
//! function is defined and the `file:line` where it was registered, and says what is wrong and
//! how to fix it. Rule 8 only warns unless fallbacks are denied, rule 9 fails while the
//! singletons are built, and the last test checks that several problems are reported at once.
//!
//! Expected lines are computed, never written by hand: `const F_LINE: u32 = line!() + 2;` sits
//! right above a component's attribute (the framework reports the line of the function's name),
//! and `line_of!` runs a registration and returns the line it is on.

use std::io;

use watchful::http::StatusCode;
use watchful::request::{RequestBody, RequestHead};
use watchful::testing::TestClient;
use watchful::{
    Blueprint, BuildError, error_handler, error_observer, get, post, request_scoped, route,
    singleton, transient,
};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// This file, as the framework reports it (`tests/tests/build_rules.rs`).
const FILE: &str = file!();

/// Runs a registration (`bp.route(..)`, `bp.constructor(..).error_handler(..)`, ...) and
/// returns the line it is on: the line the framework must report as `registered at`.
macro_rules! line_of {
    ($registration:expr) => {{
        $registration;
        line!()
    }};
}

/// How a message names a component of this file: its path, where its function is defined and
/// where it was registered.
fn component(name: &str, defined: u32, registered: u32) -> String {
    format!(
        "`build_rules::{name}` (defined at {FILE}:{defined}, registered at {FILE}:{registered})"
    )
}

/// The problems of a blueprint that must fail to build.
async fn problems(bp: Blueprint) -> Vec<String> {
    match bp.build().await {
        Ok(app) => panic!(
            "the blueprint built, but it breaks a rule (warnings: {:?})",
            app.warnings()
        ),
        Err(BuildError::Invalid { problems }) => problems,
        Err(other) => panic!("expected BuildError::Invalid, got: {other}"),
    }
}

/// The only problem of a blueprint that must fail to build.
async fn single_problem(bp: Blueprint) -> String {
    let mut problems = problems(bp).await;
    assert_eq!(
        problems.len(),
        1,
        "expected exactly one problem: {problems:#?}"
    );
    problems.remove(0)
}

/// Asserts that `message` contains every fragment.
#[track_caller]
fn assert_mentions(message: &str, fragments: &[&str]) {
    for fragment in fragments {
        assert!(
            message.contains(fragment),
            "the message lacks {fragment:?}:\n{message}"
        );
    }
}

/// A response, whatever it is: for components whose only purpose is to be registered.
const OK: &str = "ok";

#[derive(Debug, thiserror::Error)]
#[error("refused")]
pub struct Refused;

// ---------------------------------------------------------------------------------------------
// Rule 1: every input has a provider
// ---------------------------------------------------------------------------------------------

pub struct Unregistered;

const ORPHAN_LINE: u32 = line!() + 2;
#[get("/orphan")]
pub fn orphan(_u: &Unregistered) -> &'static str {
    OK
}

#[tokio::test]
async fn an_input_that_nothing_constructs_is_reported_with_the_way_to_provide_it() {
    let mut bp = Blueprint::new();
    let registered = line_of!(bp.route(ORPHAN));

    let problem = single_problem(bp).await;

    assert_mentions(
        &problem,
        &[
            &component("orphan", ORPHAN_LINE, registered),
            "needs `build_rules::Unregistered`, but nothing constructs it.",
            "Register a constructor that returns `build_rules::Unregistered` with `bp.constructor(..)`, or a value with `bp.prebuilt(..)`.",
        ],
    );
    // The literal path, once, so that the report's format is pinned down.
    assert!(
        problem.contains("(defined at tests/tests/build_rules.rs:"),
        "{problem}"
    );
}

// ---------------------------------------------------------------------------------------------
// Rule 2: no dependency cycles
// ---------------------------------------------------------------------------------------------

pub struct Rock;
pub struct Paper;
pub struct Scissors;

const ROCK_LINE: u32 = line!() + 2;
#[request_scoped]
pub fn rock(_s: &Scissors) -> Rock {
    Rock
}

const PAPER_LINE: u32 = line!() + 2;
#[request_scoped]
pub fn paper(_r: &Rock) -> Paper {
    Paper
}

const SCISSORS_LINE: u32 = line!() + 2;
#[request_scoped]
pub fn scissors(_p: &Paper) -> Scissors {
    Scissors
}

#[get("/play")]
pub fn play(_r: &Rock) -> &'static str {
    OK
}

#[tokio::test]
async fn a_dependency_cycle_is_printed_constructor_by_constructor() {
    let mut bp = Blueprint::new();
    let rock_at = line_of!(bp.constructor(ROCK));
    let paper_at = line_of!(bp.constructor(PAPER));
    let scissors_at = line_of!(bp.constructor(SCISSORS));
    bp.route(PLAY);

    let problem = single_problem(bp).await;

    let rock = component("rock", ROCK_LINE, rock_at);
    let paper = component("paper", PAPER_LINE, paper_at);
    let scissors = component("scissors", SCISSORS_LINE, scissors_at);
    let expected = format!(
        "dependency cycle:\n   \
         {rock} needs `build_rules::Scissors`, built by\n   \
         {scissors} needs `build_rules::Paper`, built by\n   \
         {paper} needs `build_rules::Rock`, built by\n   \
         {rock}.\n   \
         Break the cycle by removing one of these inputs."
    );
    assert_eq!(problem, expected);
}

// ---------------------------------------------------------------------------------------------
// Rule 3: a singleton depends only on singletons
// ---------------------------------------------------------------------------------------------

pub struct Session;
pub struct Nonce;
pub struct Cache;
pub struct Counter;
pub struct Snapshot;

const SESSION_LINE: u32 = line!() + 2;
#[request_scoped]
pub fn session() -> Session {
    Session
}

const NONCE_LINE: u32 = line!() + 2;
#[transient]
pub fn nonce() -> Nonce {
    Nonce
}

const CACHE_LINE: u32 = line!() + 2;
#[singleton]
pub fn cache(_s: &Session) -> Cache {
    Cache
}

const COUNTER_LINE: u32 = line!() + 2;
#[singleton]
pub fn counter(_n: &Nonce) -> Counter {
    Counter
}

const SNAPSHOT_LINE: u32 = line!() + 2;
#[singleton]
pub fn snapshot(_h: &RequestHead) -> Snapshot {
    Snapshot
}

const HOARD_LINE: u32 = line!() + 2;
#[singleton]
pub fn hoard(_s: Session) -> Stash {
    Stash
}
pub struct Stash;

/// The advice every singleton problem ends with.
const SINGLETON_ADVICE: &str = "A singleton is built once, before any request: make that dependency a singleton too, or make this constructor request-scoped.";

#[tokio::test]
async fn a_singleton_cannot_depend_on_a_request_scoped_value() {
    let mut bp = Blueprint::new();
    let session_at = line_of!(bp.constructor(SESSION));
    let cache_at = line_of!(bp.constructor(CACHE));

    let problem = single_problem(bp).await;

    let expected = format!(
        "the singleton {} depends on `build_rules::Session`, which is request-scoped, built by {}. {SINGLETON_ADVICE}",
        component("cache", CACHE_LINE, cache_at),
        component("session", SESSION_LINE, session_at),
    );
    assert_eq!(problem, expected);
}

#[tokio::test]
async fn a_singleton_taking_a_request_scoped_value_by_value_is_one_problem() {
    let mut bp = Blueprint::new();
    let session_at = line_of!(bp.constructor(SESSION));
    let hoard_at = line_of!(bp.constructor(HOARD));

    // `Session` is not `Clone`, but it is not shared by every request either: the lifecycle
    // problem is the only one.
    let problem = single_problem(bp).await;

    let expected = format!(
        "the singleton {} depends on `build_rules::Session`, which is request-scoped, built by {}. {SINGLETON_ADVICE}",
        component("hoard", HOARD_LINE, hoard_at),
        component("session", SESSION_LINE, session_at),
    );
    assert_eq!(problem, expected);
}

#[tokio::test]
async fn a_singleton_cannot_depend_on_a_transient_value() {
    let mut bp = Blueprint::new();
    let nonce_at = line_of!(bp.constructor(NONCE));
    let counter_at = line_of!(bp.constructor(COUNTER));

    let problem = single_problem(bp).await;

    let expected = format!(
        "the singleton {} depends on `build_rules::Nonce`, which is transient, built by {}. {SINGLETON_ADVICE}",
        component("counter", COUNTER_LINE, counter_at),
        component("nonce", NONCE_LINE, nonce_at),
    );
    assert_eq!(problem, expected);
}

#[tokio::test]
async fn a_singleton_cannot_depend_on_a_framework_primitive() {
    let mut bp = Blueprint::new();
    let snapshot_at = line_of!(bp.constructor(SNAPSHOT));

    let problem = single_problem(bp).await;

    assert_mentions(
        &problem,
        &[
            &format!(
                "the singleton {} depends on `watchful::request::RequestHead`, which is a per-request value provided by the framework.",
                component("snapshot", SNAPSHOT_LINE, snapshot_at)
            ),
            "A singleton is built once, before any request",
            "make this constructor request-scoped",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Rule 4: error handlers and observers depend on nothing that can fail
// ---------------------------------------------------------------------------------------------

pub struct Flaky;
pub struct Steady;

const FLAKY_LINE: u32 = line!() + 2;
#[request_scoped]
pub fn flaky() -> Result<Flaky, io::Error> {
    Ok(Flaky)
}

const STEADY_LINE: u32 = line!() + 2;
#[request_scoped]
pub fn steady(_f: &Flaky) -> Steady {
    Steady
}

const WATCH_FLAKY_LINE: u32 = line!() + 2;
#[error_observer]
pub fn watch_flaky(_e: &watchful::Error, _f: &Flaky) {}

const WATCH_STEADY_LINE: u32 = line!() + 2;
#[error_observer]
pub fn watch_steady(_e: &watchful::Error, _s: &Steady) {}

const REFUSED_WITH_FLAKY_LINE: u32 = line!() + 2;
#[error_handler]
pub fn refused_with_flaky(_e: &Refused, _f: &Flaky) -> StatusCode {
    StatusCode::FORBIDDEN
}

const REFUSED_WITH_STEADY_LINE: u32 = line!() + 2;
#[error_handler]
pub fn refused_with_steady(_e: &Refused, _s: &Steady) -> StatusCode {
    StatusCode::FORBIDDEN
}

#[tokio::test]
async fn an_error_observer_cannot_depend_on_a_fallible_constructor() {
    let mut bp = Blueprint::new();
    let flaky_at = line_of!(bp.constructor(FLAKY));
    let observer_at = line_of!(bp.error_observer(WATCH_FLAKY));

    let problem = single_problem(bp).await;

    let expected = format!(
        "the error observer {} depends on a constructor that can fail: {}. An error observer runs after an error and must not fail itself: take only values whose constructors return no `Result`.",
        component("watch_flaky", WATCH_FLAKY_LINE, observer_at),
        component("flaky", FLAKY_LINE, flaky_at),
    );
    assert_eq!(problem, expected);
}

#[tokio::test]
async fn an_error_observer_cannot_depend_on_a_fallible_constructor_indirectly() {
    let mut bp = Blueprint::new();
    let flaky_at = line_of!(bp.constructor(FLAKY));
    let steady_at = line_of!(bp.constructor(STEADY));
    let observer_at = line_of!(bp.error_observer(WATCH_STEADY));

    let problem = single_problem(bp).await;

    assert_mentions(
        &problem,
        &[
            &format!(
                "the error observer {} depends on a constructor that can fail: {}, which depends on {}.",
                component("watch_steady", WATCH_STEADY_LINE, observer_at),
                component("steady", STEADY_LINE, steady_at),
                component("flaky", FLAKY_LINE, flaky_at),
            ),
            "must not fail itself",
        ],
    );
}

#[tokio::test]
async fn an_error_handler_cannot_depend_on_a_fallible_constructor() {
    let mut bp = Blueprint::new();
    let flaky_at = line_of!(bp.constructor(FLAKY));
    let handler_at = line_of!(bp.error_handler(REFUSED_WITH_FLAKY));

    let problem = single_problem(bp).await;

    let expected = format!(
        "the error handler {} depends on a constructor that can fail: {}. An error handler runs after an error and must not fail itself: take only values whose constructors return no `Result`.",
        component("refused_with_flaky", REFUSED_WITH_FLAKY_LINE, handler_at),
        component("flaky", FLAKY_LINE, flaky_at),
    );
    assert_eq!(problem, expected);
}

#[tokio::test]
async fn an_error_handler_cannot_depend_on_a_fallible_constructor_indirectly() {
    let mut bp = Blueprint::new();
    let flaky_at = line_of!(bp.constructor(FLAKY));
    let steady_at = line_of!(bp.constructor(STEADY));
    let handler_at = line_of!(bp.error_handler(REFUSED_WITH_STEADY));

    let problem = single_problem(bp).await;

    assert_mentions(
        &problem,
        &[
            &format!(
                "the error handler {} depends on a constructor that can fail: {}, which depends on {}.",
                component("refused_with_steady", REFUSED_WITH_STEADY_LINE, handler_at),
                component("steady", STEADY_LINE, steady_at),
                component("flaky", FLAKY_LINE, flaky_at),
            ),
            "must not fail itself",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Rule 5: values are moved at most once
// ---------------------------------------------------------------------------------------------

/// A request-scoped value without `clone_if_necessary`.
pub struct Ticket;
/// Built from a `Ticket` taken by value.
pub struct Stamp;

const TICKET_LINE: u32 = line!() + 2;
#[request_scoped]
pub fn ticket() -> Ticket {
    Ticket
}

const STAMP_LINE: u32 = line!() + 2;
#[request_scoped]
pub fn stamp(_t: Ticket) -> Stamp {
    Stamp
}

const USE_TICKET_TWICE_LINE: u32 = line!() + 2;
#[get("/ticket/twice")]
pub fn use_ticket_twice(_t: Ticket, _s: Stamp) -> &'static str {
    OK
}

const LEND_TICKET_LINE: u32 = line!() + 2;
#[get("/ticket/lend")]
pub fn lend_ticket(_t: &Ticket, _s: Stamp) -> &'static str {
    OK
}

/// The fix every "moved" problem ends with.
const MOVE_ADVICE: &str = "Take `&build_rules::Ticket` instead, or let it be cloned with `#[request_scoped(clone_if_necessary)]`.";

#[tokio::test]
async fn a_request_scoped_value_cannot_be_moved_twice() {
    let mut bp = Blueprint::new();
    let ticket_at = line_of!(bp.constructor(TICKET));
    let stamp_at = line_of!(bp.constructor(STAMP));
    let route_at = line_of!(bp.route(USE_TICKET_TWICE));

    let problems = problems(bp).await;

    // One problem per consumer that takes it by value.
    assert_eq!(problems.len(), 2, "{problems:#?}");
    let ticket = component("ticket", TICKET_LINE, ticket_at);
    for consumer in [
        component("stamp", STAMP_LINE, stamp_at),
        component("use_ticket_twice", USE_TICKET_TWICE_LINE, route_at),
    ] {
        let expected = format!(
            "in route `GET /ticket/twice`, the request-scoped `build_rules::Ticket` (built by {ticket}) is moved 2 times: {consumer} takes it by value, and it has 2 uses in all. {MOVE_ADVICE}"
        );
        assert!(
            problems.contains(&expected),
            "{expected}\nnot in {problems:#?}"
        );
    }
}

#[tokio::test]
async fn a_request_scoped_value_cannot_be_moved_and_borrowed() {
    let mut bp = Blueprint::new();
    let ticket_at = line_of!(bp.constructor(TICKET));
    let stamp_at = line_of!(bp.constructor(STAMP));
    let route_at = line_of!(bp.route(LEND_TICKET));

    let problem = single_problem(bp).await;

    let expected = format!(
        "in route `GET /ticket/lend`, the request-scoped `build_rules::Ticket` (built by {}) is moved and also borrowed: {} takes it by value, and it has 2 uses in all. {MOVE_ADVICE}",
        component("ticket", TICKET_LINE, ticket_at),
        component("stamp", STAMP_LINE, stamp_at),
    );
    assert_eq!(problem, expected);
    // The route only borrows it: it is not blamed.
    assert!(
        !problem.contains(&component("lend_ticket", LEND_TICKET_LINE, route_at)),
        "{problem}"
    );
}

/// The same shape as `Ticket`, with `clone_if_necessary`.
#[derive(Clone)]
pub struct Pass(String);
pub struct PassStamp(String);

#[request_scoped(clone_if_necessary)]
pub fn pass() -> Pass {
    Pass("pass".to_owned())
}

#[request_scoped]
pub fn pass_stamp(pass: Pass) -> PassStamp {
    PassStamp(format!("stamped {}", pass.0))
}

#[get("/pass/twice")]
pub fn use_pass_twice(pass: Pass, stamp: PassStamp) -> String {
    format!("{} + {}", pass.0, stamp.0)
}

#[get("/pass/lend")]
pub fn lend_pass(pass: &Pass, stamp: PassStamp) -> String {
    format!("{} + {}", pass.0, stamp.0)
}

#[tokio::test]
async fn clone_if_necessary_lets_a_clone_value_be_moved_twice_and_borrowed() {
    let mut bp = Blueprint::new();
    bp.constructor(PASS);
    bp.constructor(PASS_STAMP);
    bp.route(USE_PASS_TWICE);
    bp.route(LEND_PASS);

    let app = bp.build().await.expect("cloning makes every use possible");
    assert!(app.warnings().is_empty(), "{:?}", app.warnings());
    let client = TestClient::new(app);

    let response = client.get("/pass/twice").send().await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text(), "pass + stamped pass");
    let response = client.get("/pass/lend").send().await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text(), "pass + stamped pass");
}

/// Shared values that cannot be cloned.
pub struct Pool;
pub struct Settings;
pub struct Mailer;

#[singleton]
pub fn pool() -> Pool {
    Pool
}

const TAKE_POOL_LINE: u32 = line!() + 2;
#[get("/pool")]
pub fn take_pool(_p: Pool) -> &'static str {
    OK
}

const MAILER_LINE: u32 = line!() + 2;
#[singleton]
pub fn mailer(_s: Settings) -> Mailer {
    Mailer
}

#[tokio::test]
async fn a_singleton_taken_by_value_must_be_clone() {
    let mut bp = Blueprint::new();
    bp.constructor(POOL);
    let route_at = line_of!(bp.route(TAKE_POOL));

    let problem = single_problem(bp).await;

    let expected = format!(
        "{} takes `build_rules::Pool` by value, but `build_rules::Pool` is shared by every request and does not implement `Clone`. Take `&build_rules::Pool` instead, or implement `Clone` for it.",
        component("take_pool", TAKE_POOL_LINE, route_at)
    );
    assert_eq!(problem, expected);
    // The singleton's own constructor is not what is wrong.
    assert!(!problem.contains("build_rules::pool`"), "{problem}");
}

#[tokio::test]
async fn a_prebuilt_value_taken_by_value_must_be_clone() {
    let mut bp = Blueprint::new();
    bp.prebuilt(Settings);
    let mailer_at = line_of!(bp.constructor(MAILER));

    let problem = single_problem(bp).await;

    assert_mentions(
        &problem,
        &[
            &component("mailer", MAILER_LINE, mailer_at),
            "takes `build_rules::Settings` by value, but `build_rules::Settings` is shared by every request and does not implement `Clone`.",
            "Take `&build_rules::Settings` instead, or implement `Clone` for it.",
        ],
    );
}

pub struct Parsed;

const PARSED_LINE: u32 = line!() + 2;
#[request_scoped]
pub fn parsed(_body: RequestBody) -> Parsed {
    Parsed
}

const UPLOAD_LINE: u32 = line!() + 2;
#[post("/upload")]
pub fn upload(_body: RequestBody, _p: &Parsed) -> &'static str {
    OK
}

const PEEK_LINE: u32 = line!() + 2;
#[post("/peek")]
pub fn peek(_body: &RequestBody) -> &'static str {
    OK
}

#[tokio::test]
async fn the_request_body_can_be_taken_by_value_once() {
    let mut bp = Blueprint::new();
    let parsed_at = line_of!(bp.constructor(PARSED));
    let route_at = line_of!(bp.route(UPLOAD));

    let problems = problems(bp).await;

    // One problem per consumer that takes it.
    assert_eq!(problems.len(), 2, "{problems:#?}");
    for consumer in [
        component("upload", UPLOAD_LINE, route_at),
        component("parsed", PARSED_LINE, parsed_at),
    ] {
        let expected = format!(
            "route `POST /upload` takes the request body by value 2 times (one of them in {consumer}); the body can be consumed once."
        );
        assert!(
            problems.contains(&expected),
            "{expected}\nnot in {problems:#?}"
        );
    }
}

#[tokio::test]
async fn the_request_body_cannot_be_borrowed() {
    let mut bp = Blueprint::new();
    let route_at = line_of!(bp.route(PEEK));

    let problem = single_problem(bp).await;

    let expected = format!(
        "{} takes `&watchful::request::RequestBody`, but the request body is a stream that can only be taken by value: write `body: watchful::request::RequestBody`.",
        component("peek", PEEK_LINE, route_at)
    );
    assert_eq!(problem, expected);
}

// ---------------------------------------------------------------------------------------------
// Rule 6: an attached error handler matches its component
// ---------------------------------------------------------------------------------------------

pub struct Calm;

const CALM_ROUTE_LINE: u32 = line!() + 2;
#[get("/calm")]
pub fn calm_route() -> &'static str {
    OK
}

const CALM_LINE: u32 = line!() + 2;
#[request_scoped]
pub fn calm() -> Calm {
    Calm
}

#[derive(Debug, thiserror::Error)]
#[error("jammed")]
pub struct Jammed;

const STRICT_LINE: u32 = line!() + 2;
#[get("/strict")]
pub fn strict() -> Result<&'static str, Jammed> {
    Ok(OK)
}

const ON_IO_LINE: u32 = line!() + 2;
#[error_handler]
pub fn on_io(_e: &io::Error) -> StatusCode {
    StatusCode::SERVICE_UNAVAILABLE
}

const ON_REFUSED_LINE: u32 = line!() + 2;
#[error_handler]
pub fn on_refused(_e: &Refused) -> StatusCode {
    StatusCode::FORBIDDEN
}

#[tokio::test]
async fn an_error_handler_cannot_be_attached_to_a_route_that_cannot_fail() {
    let mut bp = Blueprint::new();
    // The route and its handler are registered by the same statement.
    let at = line_of!(bp.route(CALM_ROUTE).error_handler(ON_IO));

    let problem = single_problem(bp).await;

    let expected = format!(
        "the error handler {} is attached to {}, which cannot fail (it does not return a `Result`). Remove the error handler.",
        component("on_io", ON_IO_LINE, at),
        component("calm_route", CALM_ROUTE_LINE, at),
    );
    assert_eq!(problem, expected);
}

#[tokio::test]
async fn an_error_handler_cannot_be_attached_to_a_constructor_that_cannot_fail() {
    let mut bp = Blueprint::new();
    let at = line_of!(bp.constructor(CALM).error_handler(ON_IO));

    let problem = single_problem(bp).await;

    assert_mentions(
        &problem,
        &[
            &format!(
                "the error handler {} is attached to {}, which cannot fail",
                component("on_io", ON_IO_LINE, at),
                component("calm", CALM_LINE, at),
            ),
            "Remove the error handler.",
        ],
    );
}

#[tokio::test]
async fn an_attached_error_handler_must_handle_the_components_error_type() {
    let mut bp = Blueprint::new();
    let at = line_of!(bp.route(STRICT).error_handler(ON_REFUSED));

    let problem = single_problem(bp).await;

    let expected = format!(
        "the error handler {} takes `&build_rules::Refused`, but {} fails with `build_rules::Jammed`. Attach a handler whose first input is `&build_rules::Jammed`.",
        component("on_refused", ON_REFUSED_LINE, at),
        component("strict", STRICT_LINE, at),
    );
    assert_eq!(problem, expected);
}

// ---------------------------------------------------------------------------------------------
// Rule 7: no conflicts
// ---------------------------------------------------------------------------------------------

const SAME_FIRST_LINE: u32 = line!() + 2;
#[get("/same")]
pub fn same_first() -> &'static str {
    OK
}

const SAME_SECOND_LINE: u32 = line!() + 2;
#[route(method = "GET", path = "/same")]
pub fn same_second() -> &'static str {
    OK
}

#[post("/same")]
pub fn same_but_post() -> &'static str {
    OK
}

const UNCLOSED_LINE: u32 = line!() + 2;
#[get("/a/{b")]
pub fn unclosed() -> &'static str {
    OK
}

const BY_ID_LINE: u32 = line!() + 2;
#[get("/items/{id}")]
pub fn by_id() -> &'static str {
    OK
}

const BY_NAME_LINE: u32 = line!() + 2;
#[get("/items/{name}")]
pub fn by_name() -> &'static str {
    OK
}

pub struct Clock;

const CLOCK_LINE: u32 = line!() + 2;
#[request_scoped]
pub fn clock() -> Clock {
    Clock
}

const OTHER_CLOCK_LINE: u32 = line!() + 2;
#[singleton]
pub fn other_clock() -> Clock {
    Clock
}

const ALSO_ON_REFUSED_LINE: u32 = line!() + 2;
#[error_handler]
pub fn also_on_refused(_e: &Refused) -> StatusCode {
    StatusCode::CONFLICT
}

const FAKE_HEAD_LINE: u32 = line!() + 2;
#[request_scoped]
pub fn fake_head() -> RequestHead {
    RequestHead::from(watchful::http::Request::new(()).into_parts().0)
}

#[tokio::test]
async fn two_routes_cannot_have_the_same_method_and_path() {
    let mut bp = Blueprint::new();
    let first_at = line_of!(bp.route(SAME_FIRST));
    let second_at = line_of!(bp.route(SAME_SECOND));
    // Another method on the same path is fine.
    bp.route(SAME_BUT_POST);

    let problem = single_problem(bp).await;

    let expected = format!(
        "two routes for `GET /same`: {} and {}. Remove one, or change its method or path.",
        component("same_first", SAME_FIRST_LINE, first_at),
        component("same_second", SAME_SECOND_LINE, second_at),
    );
    assert_eq!(problem, expected);
}

#[tokio::test]
async fn a_path_the_router_rejects_is_reported() {
    let mut bp = Blueprint::new();
    let route_at = line_of!(bp.route(UNCLOSED));

    let problem = single_problem(bp).await;

    assert_mentions(
        &problem,
        &[
            &format!(
                "{} has the path `/a/{{b`, and the router rejects it (",
                component("unclosed", UNCLOSED_LINE, route_at)
            ),
            "Paths start with `/` and use `{name}` or `{*rest}` segments",
        ],
    );
}

#[tokio::test]
async fn paths_the_router_finds_ambiguous_are_reported() {
    let mut bp = Blueprint::new();
    let by_id_at = line_of!(bp.route(BY_ID));
    let by_name_at = line_of!(bp.route(BY_NAME));

    let problem = single_problem(bp).await;

    assert_mentions(
        &problem,
        &[&format!(
            "{} has the path `/items/{{name}}`, and it conflicts with `/items/{{id}}`, the path of {}.",
            component("by_name", BY_NAME_LINE, by_name_at),
            component("by_id", BY_ID_LINE, by_id_at)
        )],
    );
}

#[tokio::test]
async fn two_constructors_cannot_build_the_same_type() {
    let mut bp = Blueprint::new();
    let first_at = line_of!(bp.constructor(CLOCK));
    let second_at = line_of!(bp.constructor(OTHER_CLOCK));

    let problem = single_problem(bp).await;

    let expected = format!(
        "`build_rules::Clock` is provided twice: by {} and by {}. Keep one of them.",
        component("clock", CLOCK_LINE, first_at),
        component("other_clock", OTHER_CLOCK_LINE, second_at),
    );
    assert_eq!(problem, expected);
}

#[tokio::test]
async fn a_constructor_and_a_prebuilt_value_cannot_provide_the_same_type() {
    let mut bp = Blueprint::new();
    let prebuilt_at = line_of!(bp.prebuilt(Clock));
    let constructor_at = line_of!(bp.constructor(CLOCK));

    let problem = single_problem(bp).await;

    let expected = format!(
        "`build_rules::Clock` is provided twice: by the prebuilt value registered at {FILE}:{prebuilt_at} and by {}. Keep one of them.",
        component("clock", CLOCK_LINE, constructor_at),
    );
    assert_eq!(problem, expected);
}

#[tokio::test]
async fn two_blueprint_error_handlers_cannot_handle_the_same_error_type() {
    let mut bp = Blueprint::new();
    let first_at = line_of!(bp.error_handler(ON_REFUSED));
    let second_at = line_of!(bp.error_handler(ALSO_ON_REFUSED));

    let problem = single_problem(bp).await;

    let expected = format!(
        "two error handlers for `build_rules::Refused`: {} and {}. Keep one, or attach one to a specific component with `.error_handler(..)`.",
        component("on_refused", ON_REFUSED_LINE, first_at),
        component("also_on_refused", ALSO_ON_REFUSED_LINE, second_at),
    );
    assert_eq!(problem, expected);
}

#[tokio::test]
async fn a_constructor_cannot_provide_a_framework_primitive() {
    let mut bp = Blueprint::new();
    let constructor_at = line_of!(bp.constructor(FAKE_HEAD));

    let problem = single_problem(bp).await;

    let expected = format!(
        "{} provides `watchful::request::RequestHead`, which the framework already provides to every request. Remove it.",
        component("fake_head", FAKE_HEAD_LINE, constructor_at),
    );
    assert_eq!(problem, expected);
}

#[tokio::test]
async fn a_prebuilt_value_cannot_be_a_framework_primitive() {
    let mut bp = Blueprint::new();
    let head = RequestHead::from(watchful::http::Request::new(()).into_parts().0);
    let prebuilt_at = line_of!(bp.prebuilt(head));

    let problem = single_problem(bp).await;

    let expected = format!(
        "the prebuilt value registered at {FILE}:{prebuilt_at} provides `watchful::request::RequestHead`, which the framework already provides to every request. Remove it."
    );
    assert_eq!(problem, expected);
}

// ---------------------------------------------------------------------------------------------
// Rule 8: every error type has a handler (a warning unless fallbacks are denied)
// ---------------------------------------------------------------------------------------------

/// An error whose message must never reach a client.
#[derive(Debug, thiserror::Error)]
#[error("the database password is hunter2")]
pub struct Leak;

const LEAKY_LINE: u32 = line!() + 2;
#[get("/leaky")]
pub fn leaky() -> Result<&'static str, Leak> {
    Err(Leak)
}

const ANY_LINE: u32 = line!() + 2;
#[error_handler]
pub fn any(_e: &watchful::Error) -> StatusCode {
    StatusCode::IM_A_TEAPOT
}

/// The fix every fallback message ends with.
const FALLBACK_ADVICE: &str =
    "Register one with `bp.error_handler(..)`, or attach one with `.error_handler(..)`.";

#[tokio::test]
async fn an_unhandled_error_type_is_a_warning_and_falls_back_to_an_opaque_500() {
    let mut bp = Blueprint::new();
    let route_at = line_of!(bp.route(LEAKY));

    let app = bp.build().await.expect("a fallback is only a warning");

    let warnings: Vec<&str> = app.warnings().iter().map(|w| w.message()).collect();
    let expected = format!(
        "{} can fail with `build_rules::Leak`, which has no error handler, so its errors fall back to the built-in handler (500 Internal Server Error). {FALLBACK_ADVICE}",
        component("leaky", LEAKY_LINE, route_at)
    );
    assert_eq!(warnings, [expected.as_str()]);

    let client = TestClient::new(app);
    let response = client.get("/leaky").send().await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let request_id = response.header("x-request-id").expect("x-request-id");
    assert!(!request_id.is_empty());
    let body = response.text();
    assert!(!body.contains("hunter2"), "the error leaked: {body}");
    assert!(body.contains(request_id), "{body} lacks {request_id}");

    // A well-formed incoming id is the one the body points to.
    let response = client
        .get("/leaky")
        .header("x-request-id", "support-ticket-7")
        .send()
        .await;
    assert_eq!(response.header("x-request-id"), Some("support-ticket-7"));
    assert!(
        response.text().contains("support-ticket-7"),
        "{}",
        response.text()
    );
    assert!(!response.text().contains("hunter2"));
}

#[tokio::test]
async fn an_unhandled_error_type_falling_back_to_the_catch_all_names_it() {
    let mut bp = Blueprint::new();
    let any_at = line_of!(bp.error_handler(ANY));
    let route_at = line_of!(bp.route(LEAKY));

    let app = bp.build().await.expect("a fallback is only a warning");

    let warnings: Vec<&str> = app.warnings().iter().map(|w| w.message()).collect();
    let expected = format!(
        "{} can fail with `build_rules::Leak`, which has no error handler, so its errors fall back to the catch-all error handler {}. {FALLBACK_ADVICE}",
        component("leaky", LEAKY_LINE, route_at),
        component("any", ANY_LINE, any_at),
    );
    assert_eq!(warnings, [expected.as_str()]);

    let response = TestClient::new(app).get("/leaky").send().await;
    assert_eq!(response.status(), StatusCode::IM_A_TEAPOT);
}

#[tokio::test]
async fn deny_error_fallback_turns_the_warning_into_a_problem() {
    let mut bp = Blueprint::new();
    bp.deny_error_fallback();
    let route_at = line_of!(bp.route(LEAKY));

    let problem = single_problem(bp).await;

    let expected = format!(
        "{} can fail with `build_rules::Leak`, which has no error handler, so its errors fall back to the built-in handler (500 Internal Server Error). {FALLBACK_ADVICE} (Fallbacks are denied by `deny_error_fallback`.)",
        component("leaky", LEAKY_LINE, route_at)
    );
    assert_eq!(problem, expected);
}

#[tokio::test]
async fn deny_error_fallback_also_denies_falling_back_to_the_catch_all() {
    let mut bp = Blueprint::new();
    bp.deny_error_fallback();
    let any_at = line_of!(bp.error_handler(ANY));
    let route_at = line_of!(bp.route(LEAKY));

    let problem = single_problem(bp).await;

    assert_mentions(
        &problem,
        &[
            &component("leaky", LEAKY_LINE, route_at),
            "can fail with `build_rules::Leak`, which has no error handler",
            &format!(
                "fall back to the catch-all error handler {}",
                component("any", ANY_LINE, any_at)
            ),
            "(Fallbacks are denied by `deny_error_fallback`.)",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Rule 9: a failing singleton fails the build
// ---------------------------------------------------------------------------------------------

pub struct Connection;

const CONNECT_LINE: u32 = line!() + 2;
#[singleton]
pub fn connect() -> Result<Connection, io::Error> {
    Err(io::Error::new(
        io::ErrorKind::ConnectionRefused,
        "db.internal:5432 refused the connection",
    ))
}

#[tokio::test]
async fn a_failing_singleton_fails_the_build_with_its_error_as_source() {
    let mut bp = Blueprint::new();
    let connect_at = line_of!(bp.constructor(CONNECT));

    let error = bp.build().await.expect_err("the singleton fails");

    let BuildError::Singleton { constructor, .. } = &error else {
        panic!("expected BuildError::Singleton, got: {error}");
    };
    let connect = component("connect", CONNECT_LINE, connect_at);
    assert_eq!(constructor, &connect);
    assert_eq!(
        error.to_string(),
        format!("the singleton constructor {connect} failed")
    );
    assert!(error.problems().is_empty());

    let source = std::error::Error::source(&error).expect("the constructor's error");
    assert_eq!(
        source.to_string(),
        "db.internal:5432 refused the connection"
    );
    let io = source
        .downcast_ref::<io::Error>()
        .expect("the original io::Error, not a wrapper");
    assert_eq!(io.kind(), io::ErrorKind::ConnectionRefused);
}

// ---------------------------------------------------------------------------------------------
// All problems at once
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn every_problem_is_reported_at_once() {
    let mut bp = Blueprint::new();
    let orphan_at = line_of!(bp.route(ORPHAN)); // rule 1
    let session_at = line_of!(bp.constructor(SESSION));
    let cache_at = line_of!(bp.constructor(CACHE)); // rule 3
    let first_at = line_of!(bp.route(SAME_FIRST));
    let second_at = line_of!(bp.route(SAME_SECOND)); // rule 7

    let error = bp.build().await.expect_err("three rules are broken");

    let problems = error.problems();
    assert_eq!(problems.len(), 3, "{problems:#?}");
    let find = |fragment: &str| {
        problems
            .iter()
            .position(|p| p.contains(fragment))
            .unwrap_or_else(|| panic!("no problem mentions {fragment:?}: {problems:#?}"))
    };
    let missing = find(&format!(
        "{} needs `build_rules::Unregistered`, but nothing constructs it.",
        component("orphan", ORPHAN_LINE, orphan_at)
    ));
    let lifecycle = find(&format!(
        "the singleton {} depends on `build_rules::Session`, which is request-scoped, built by {}.",
        component("cache", CACHE_LINE, cache_at),
        component("session", SESSION_LINE, session_at),
    ));
    let conflict = find(&format!(
        "two routes for `GET /same`: {} and {}.",
        component("same_first", SAME_FIRST_LINE, first_at),
        component("same_second", SAME_SECOND_LINE, second_at),
    ));
    let mut indices = [missing, lifecycle, conflict];
    indices.sort_unstable();
    assert_eq!(indices, [0, 1, 2], "three distinct problems");

    let report = error.to_string();
    assert!(
        report.starts_with("the blueprint has 3 problems:\n\n1. "),
        "{report}"
    );
    for (index, problem) in problems.iter().enumerate() {
        let numbered = format!("{}. {problem}", index + 1);
        assert!(report.contains(&numbered), "{report}");
    }
}

// ---------------------------------------------------------------------------------------------
// Nested blueprints, middleware and fallbacks
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_prefix_starts_with_a_slash_and_does_not_end_with_one() {
    let mut bp = Blueprint::new();
    let unslashed_at = line_of!(bp.prefix("api").nest(Blueprint::new()));
    let trailing_at = line_of!(bp.prefix("/v1/").nest(Blueprint::new()));
    let problems = problems(bp).await;
    assert_eq!(
        problems,
        [
            format!(
                "the prefix `api` of the blueprint nested at {FILE}:{unslashed_at} does not start with `/`. Write `/api`."
            ),
            format!(
                "the prefix `/v1/` of the blueprint nested at {FILE}:{trailing_at} ends with `/`. Write `/v1`: routes start with `/` themselves."
            ),
        ]
    );
}

const NESTED_SAME_LINE: u32 = line!() + 2;
#[get("/same")]
pub fn nested_same() -> &'static str {
    OK
}

#[tokio::test]
async fn routes_of_different_blueprints_conflict_like_any_others() {
    let mut first = Blueprint::new();
    let first_at = line_of!(first.route(SAME_FIRST));
    let mut second = Blueprint::new();
    let second_at = line_of!(second.route(NESTED_SAME));
    let mut bp = Blueprint::new();
    bp.prefix("/v1").nest(first);
    bp.prefix("/v1").nest(second);
    assert_eq!(
        single_problem(bp).await,
        format!(
            "two routes for `GET /v1/same`: {} and {}. Remove one, or change its method or path.",
            component("same_first", SAME_FIRST_LINE, first_at),
            component("nested_same", NESTED_SAME_LINE, second_at),
        )
    );
}

pub struct ChildOnly;

const CHILD_ONLY_LINE: u32 = line!() + 2;
#[request_scoped]
pub fn child_only() -> ChildOnly {
    ChildOnly
}

const NEEDS_CHILD_ONLY_LINE: u32 = line!() + 2;
#[get("/needs-child-only")]
pub fn needs_child_only(_value: &ChildOnly) -> &'static str {
    OK
}

#[tokio::test]
async fn a_child_constructor_is_not_visible_to_the_parent() {
    let mut child = Blueprint::new();
    child.constructor(CHILD_ONLY);
    let mut bp = Blueprint::new();
    bp.nest(child);
    let route_at = line_of!(bp.route(NEEDS_CHILD_ONLY));
    let problem = single_problem(bp).await;
    assert!(
        problem.starts_with(&format!(
            "{} needs `build_rules::ChildOnly`, but nothing constructs it.",
            component("needs_child_only", NEEDS_CHILD_ONLY_LINE, route_at)
        )),
        "{problem}"
    );
}

#[tokio::test]
async fn a_child_cannot_provide_what_its_parent_provides() {
    let mut child = Blueprint::new();
    let child_at = line_of!(child.constructor(CHILD_ONLY));
    let mut bp = Blueprint::new();
    let parent_at = line_of!(bp.prebuilt(ChildOnly));
    bp.nest(child);
    assert_eq!(
        single_problem(bp).await,
        format!(
            "`build_rules::ChildOnly` is provided twice: by the prebuilt value registered at {FILE}:{parent_at} and by {}. Keep one of them.",
            component("child_only", CHILD_ONLY_LINE, child_at)
        )
    );
}

const FIRST_FALLBACK_LINE: u32 = line!() + 2;
#[watchful::fallback]
pub fn first_fallback() -> StatusCode {
    StatusCode::NOT_FOUND
}

const SECOND_FALLBACK_LINE: u32 = line!() + 2;
#[watchful::fallback]
pub fn second_fallback() -> StatusCode {
    StatusCode::GONE
}

#[tokio::test]
async fn a_blueprint_has_one_fallback() {
    let mut bp = Blueprint::new();
    let first_at = line_of!(bp.fallback(FIRST_FALLBACK));
    let second_at = line_of!(bp.fallback(SECOND_FALLBACK));
    assert_eq!(
        single_problem(bp).await,
        format!(
            "two fallbacks in one blueprint: {} and {}. Keep one.",
            component("first_fallback", FIRST_FALLBACK_LINE, first_at),
            component("second_fallback", SECOND_FALLBACK_LINE, second_at),
        )
    );
}

#[tokio::test]
async fn a_nested_fallback_needs_a_prefix_of_its_own() {
    let mut child = Blueprint::new();
    let child_at = line_of!(child.fallback(SECOND_FALLBACK));
    let mut bp = Blueprint::new();
    let root_at = line_of!(bp.fallback(FIRST_FALLBACK));
    bp.nest(child);
    assert_eq!(
        single_problem(bp).await,
        format!(
            "two fallbacks serve every path: {} and {}. Give the nested blueprint a prefix, or keep one fallback.",
            component("first_fallback", FIRST_FALLBACK_LINE, root_at),
            component("second_fallback", SECOND_FALLBACK_LINE, child_at),
        )
    );
}

const GUARD_LINE: u32 = line!() + 2;
#[watchful::pre_process]
pub fn guard() -> Result<watchful::middleware::Processing, Refused> {
    Err(Refused)
}

#[tokio::test]
async fn a_middleware_error_without_a_handler_is_a_warning_like_any_other() {
    let mut bp = Blueprint::new();
    let guard_at = line_of!(bp.pre_process(GUARD));
    bp.route(SAME_FIRST);
    let app = bp.build().await.expect("a warning only");
    let warnings: Vec<_> = app.warnings().iter().map(|w| w.message()).collect();
    assert_eq!(
        warnings,
        [format!(
            "{} can fail with `build_rules::Refused`, which has no error handler, so its errors fall back to the built-in handler (500 Internal Server Error). Register one with `bp.error_handler(..)`, or attach one with `.error_handler(..)`.",
            component("guard", GUARD_LINE, guard_at)
        )]
    );
    let response = TestClient::new(app).get("/same").send().await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
}
