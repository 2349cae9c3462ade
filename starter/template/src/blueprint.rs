//! The application's [`Blueprint`]: every route, constructor, error handler and error observer
//! in one place. `Blueprint::build()` checks the whole graph at start-up, and
//! `tests/api/blueprint.rs` runs the same checks with `Blueprint::check()`, which builds
//! nothing, so that a broken graph fails the tests too.

use watchful::Blueprint;
use watchful::telemetry::LOG_ERROR;

use crate::config::Config;
use crate::middleware::SECURITY_HEADERS;
use crate::routes::{greet, ping};

/// The application, configured by `config`.
pub fn blueprint(config: &Config) -> Blueprint {
    let mut bp = Blueprint::new();
    // One ERROR event per error, with `error.msg`, `error.details` and `error.source_chain`.
    bp.error_observer(LOG_ERROR);
    // Every error type needs a handler of its own: `build()` fails otherwise.
    bp.deny_error_fallback();
    // Components take it as `&GreetConfig`.
    bp.prebuilt(config.greet.clone());
    // Runs on every response, error responses and 404s included.
    bp.post_process(SECURITY_HEADERS);

    bp.prefix("/api").nest(api());
    bp
}

/// The routes under `/api`. A nested blueprint can have middleware, constructors, error
/// handlers and observers of its own, which apply to its routes only.
fn api() -> Blueprint {
    let mut api = Blueprint::new();
    api.route(ping::PING);
    api.route(greet::GREET).error_handler(greet::INVALID_NAME);
    api
}
