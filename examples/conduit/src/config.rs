//! Configuration from the environment: where the database is, the JWT signing secret and the port.
//!
//! Every setting has a default so that `cargo run -p conduit` works with no set-up; the one
//! default that is unsafe in production (the JWT secret) is flagged so that start-up can warn.

use std::num::ParseIntError;

/// The database used when `DATABASE_URL` is not set: a SQLite file in the working directory,
/// created on first start (`mode=rwc`).
pub const DEFAULT_DATABASE_URL: &str = "sqlite://conduit.db?mode=rwc";

/// The port used when `PORT` is not set.
pub const DEFAULT_PORT: u16 = 8080;

/// The JWT secret used when `JWT_SECRET` is not set. Anyone who reads this source can forge
/// tokens for a server that uses it, hence [`Config::jwt_secret_is_default`].
pub const DEVELOPMENT_JWT_SECRET: &str = "conduit-development-secret-do-not-use-in-production";

/// The application's settings.
#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    /// `DATABASE_URL`: `sqlite://…` (the default) or `postgres://…`.
    pub database_url: String,
    /// `JWT_SECRET`: the HMAC key that signs and verifies tokens.
    pub jwt_secret: String,
    /// True when `JWT_SECRET` was not set and [`DEVELOPMENT_JWT_SECRET`] is in use: start-up
    /// should log a WARN.
    pub jwt_secret_is_default: bool,
    /// `PORT`: the TCP port to listen on.
    pub port: u16,
}

/// A setting is present but unusable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `PORT` is not a number between 0 and 65535.
    #[error("PORT must be a number between 0 and 65535, got {value:?}")]
    InvalidPort {
        /// The value as found in the environment.
        value: String,
        /// Why it did not parse.
        #[source]
        source: ParseIntError,
    },
    /// A variable is set to the empty string, which is more likely a mistake than a wish for
    /// the default.
    #[error("{name} is set but empty")]
    Empty {
        /// The variable's name.
        name: &'static str,
    },
}

impl Config {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`, which maps a variable name to its value. Tests use
    /// it to avoid mutating the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let non_empty = |name: &'static str| match lookup(name) {
            Some(value) if value.is_empty() => Err(ConfigError::Empty { name }),
            other => Ok(other),
        };
        let database_url =
            non_empty("DATABASE_URL")?.unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let (jwt_secret, jwt_secret_is_default) = match non_empty("JWT_SECRET")? {
            Some(secret) => (secret, false),
            None => (DEVELOPMENT_JWT_SECRET.to_owned(), true),
        };
        let port = match non_empty("PORT")? {
            Some(value) => value
                .parse()
                .map_err(|source| ConfigError::InvalidPort { value, source })?,
            None => DEFAULT_PORT,
        };
        Ok(Self {
            database_url,
            jwt_secret,
            jwt_secret_is_default,
            port,
        })
    }
}

/// Shows every setting but the secret, so that a `Config` can be logged at start-up.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &self.database_url)
            .field("jwt_secret", &"<redacted>")
            .field("jwt_secret_is_default", &self.jwt_secret_is_default)
            .field("port", &self.port)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let config = config(&[]).expect("defaults are valid");
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(config.jwt_secret, DEVELOPMENT_JWT_SECRET);
        assert!(config.jwt_secret_is_default);
        assert_eq!(config.port, 8080);
    }

    #[test]
    fn variables_override_the_defaults() {
        let config = config(&[
            ("DATABASE_URL", "postgres://localhost/conduit"),
            ("JWT_SECRET", "s3cret"),
            ("PORT", "9000"),
        ])
        .expect("valid settings");
        assert_eq!(config.database_url, "postgres://localhost/conduit");
        assert_eq!(config.jwt_secret, "s3cret");
        assert!(!config.jwt_secret_is_default);
        assert_eq!(config.port, 9000);
    }

    #[test]
    fn a_port_that_is_not_a_number_is_an_error_with_its_cause() {
        let err = config(&[("PORT", "80a")]).expect_err("not a port");
        assert!(matches!(&err, ConfigError::InvalidPort { value, .. } if value == "80a"));
        assert!(std::error::Error::source(&err).is_some());
        let err = config(&[("PORT", "70000")]).expect_err("out of range");
        assert!(matches!(err, ConfigError::InvalidPort { .. }));
    }

    #[test]
    fn an_empty_variable_is_an_error() {
        for name in ["DATABASE_URL", "JWT_SECRET", "PORT"] {
            let err = config(&[(name, "")]).expect_err("empty");
            assert!(matches!(err, ConfigError::Empty { name: n } if n == name));
        }
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let config = config(&[("JWT_SECRET", "s3cret")]).expect("valid");
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }
}
