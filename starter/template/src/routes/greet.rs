//! `GET /api/greet/{name}`: greets a valid name, and shows the error path for an invalid one.

use watchful::extract::PathParams;
use watchful::http::StatusCode;
use watchful::{error_handler, get};

use crate::config::GreetConfig;

/// The longest name [`greet`] accepts, in characters.
pub const MAX_NAME_LEN: usize = 64;

/// Answers `Hello, {name}!` (with the configured greeting) when `name` is 1 to 64 ASCII
/// letters; otherwise fails with [`InvalidName`], which [`invalid_name`] turns into a 400.
#[get("/greet/{name}")]
pub fn greet(
    PathParams(name): PathParams<String>,
    config: &GreetConfig,
) -> Result<String, InvalidName> {
    if let Err(rule) = check_name(&name) {
        return Err(InvalidName { name, rule });
    }
    Ok(format!("{}, {name}!", config.greeting))
}

/// A name that [`greet`] refuses. Its source says which rule the name broke.
#[derive(Debug, thiserror::Error)]
#[error("`{name}` is not a valid name")]
pub struct InvalidName {
    /// The name, as received.
    pub name: String,
    /// The rule it broke.
    #[source]
    pub rule: NameRule,
}

/// The rules a name must follow.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NameRule {
    /// A name has 1 to [`MAX_NAME_LEN`] characters.
    #[error("a name has 1 to {MAX_NAME_LEN} characters, not {0}")]
    Length(usize),
    /// A name has ASCII letters only.
    #[error("a name has ASCII letters only, and {0:?} is not one")]
    NotALetter(char),
}

/// Checks `name` against every [`NameRule`], and returns the first one it breaks.
pub fn check_name(name: &str) -> Result<(), NameRule> {
    let len = name.chars().count();
    if !(1..=MAX_NAME_LEN).contains(&len) {
        return Err(NameRule::Length(len));
    }
    match name.chars().find(|c| !c.is_ascii_alphabetic()) {
        Some(c) => Err(NameRule::NotALetter(c)),
        None => Ok(()),
    }
}

/// Turns an [`InvalidName`] into a 400 that tells the client what was wrong. The error is
/// borrowed: after this response exists, the error observers see it. `responses(..)` lists
/// what it answers, for the OpenAPI document; debug builds warn if it answers anything else.
#[error_handler(responses(400 = String))]
pub fn invalid_name(error: &InvalidName) -> (StatusCode, String) {
    (
        StatusCode::BAD_REQUEST,
        format!("{error}: {}\n", error.rule),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_one_to_64_ascii_letters() {
        assert_eq!(check_name("ada"), Ok(()));
        assert_eq!(check_name(&"a".repeat(64)), Ok(()));
        assert_eq!(check_name(""), Err(NameRule::Length(0)));
        assert_eq!(check_name(&"a".repeat(65)), Err(NameRule::Length(65)));
        assert_eq!(check_name("x1"), Err(NameRule::NotALetter('1')));
        assert_eq!(check_name("zoë"), Err(NameRule::NotALetter('ë')));
    }
}
