//! The application's [`Blueprint`]: every route under `/api`, the services they share, the
//! request-scoped constructors (who is asking, validated input) and one error handler per
//! error type. `build()` checks the graph at start-up; `deny_error_fallback` makes an error
//! type without a handler of its own a build failure rather than a generic 500.

use watchful::Blueprint;
use watchful::telemetry::LOG_ERROR;

use crate::db::Db;
use crate::http::{articles, auth, comments, errors, profiles, tags, users};
use crate::password::Passwords;
use crate::token::Tokens;

/// What the routes share, built once at start-up: the database pool, the token keys and the
/// password hasher. Each is a singleton of the blueprint (a prebuilt value), taken as `&T`.
#[derive(Debug)]
pub struct Services {
    /// The connection pool.
    pub db: Db,
    /// Signs and verifies tokens.
    pub tokens: Tokens,
    /// Hashes and verifies passwords.
    pub passwords: Passwords,
}

/// The application: the API under `/api`.
pub fn blueprint(services: Services) -> Blueprint {
    let mut bp = Blueprint::new();
    // One ERROR event per error, with `error.msg`, `error.details` and `error.source_chain`.
    bp.error_observer(LOG_ERROR);
    bp.deny_error_fallback();
    bp.prefix("/api").nest(api(services));
    bp
}

fn api(services: Services) -> Blueprint {
    let mut api = Blueprint::new();
    api.prebuilt(services.db);
    api.prebuilt(services.tokens);
    api.prebuilt(services.passwords);

    api.constructor(auth::CURRENT_USER);
    api.constructor(auth::MAYBE_USER);
    api.constructor(users::REGISTRATION);
    api.constructor(users::CREDENTIALS);
    api.constructor(users::USER_UPDATE);
    api.constructor(articles::PAGINATION);
    api.constructor(articles::ARTICLE_DRAFT);
    api.constructor(articles::ARTICLE_UPDATE);
    api.constructor(comments::COMMENT_BODY);

    api.error_handler(auth::AUTH_ERROR);
    api.error_handler(errors::VALIDATION_ERROR);
    api.error_handler(errors::JSON_BODY_ERROR);
    api.error_handler(errors::QUERY_PARAMS_ERROR);
    api.error_handler(errors::PATH_PARAMS_ERROR);
    api.error_handler(errors::USER_ERROR);
    api.error_handler(errors::PROFILE_ERROR);
    api.error_handler(errors::ARTICLE_ERROR);
    api.error_handler(errors::COMMENT_ERROR);
    api.error_handler(errors::DB_ERROR);
    api.error_handler(users::ACCOUNT_ERROR);

    api.route(users::REGISTER);
    api.route(users::LOGIN);
    api.route(users::CURRENT);
    api.route(users::UPDATE);
    api.route(profiles::GET_PROFILE);
    api.route(profiles::FOLLOW);
    api.route(profiles::UNFOLLOW);
    api.route(articles::LIST);
    api.route(articles::FEED);
    api.route(articles::GET_ARTICLE);
    api.route(articles::CREATE);
    api.route(articles::UPDATE);
    api.route(articles::DELETE_ARTICLE);
    api.route(articles::FAVORITE);
    api.route(articles::UNFAVORITE);
    api.route(comments::LIST);
    api.route(comments::ADD);
    api.route(comments::DELETE_COMMENT);
    api.route(tags::LIST);
    api.fallback(errors::NO_SUCH_ENDPOINT);
    api
}
