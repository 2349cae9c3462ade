//! The benchmark's scenarios (shared by the CPU-time and the instruction-count runs): the
//! request each sends and the response it must get.

use serde::{Deserialize, Serialize};

use crate::client;
use crate::common::{self, HELLO, USER_POST_PATH, UserPost};

/// The benchmark's scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// 1. `GET /plaintext`.
    Plaintext,
    /// 2. `GET /users/{id}/posts/{post}`: parameters, a singleton, a request-scoped value.
    UserPost,
    /// 3. `GET /fail`: a handler error, reported.
    Fail,
    /// 4. `GET /missing`: 404.
    Missing,
    /// 5. `GET /cors`: the plaintext body through tower-http's `CorsLayer` (by hand elsewhere).
    Cors,
}

impl Scenario {
    /// Every scenario, in table order.
    pub const ALL: [Scenario; 5] = [
        Self::Plaintext,
        Self::UserPost,
        Self::Fail,
        Self::Missing,
        Self::Cors,
    ];

    /// The request's path.
    pub fn path(self) -> &'static str {
        match self {
            Self::Plaintext => "/plaintext",
            Self::UserPost => USER_POST_PATH,
            Self::Fail => "/fail",
            Self::Missing => "/missing",
            Self::Cors => "/cors",
        }
    }

    /// How tables name it.
    pub fn title(self) -> &'static str {
        match self {
            Self::Plaintext => "1. plaintext",
            Self::UserPost => "2. params + DI (JSON)",
            Self::Fail => "3. handler error → 500, reported",
            Self::Missing => "4. 404",
            Self::Cors => "5. CORS layer",
        }
    }

    /// Checks one response.
    pub fn check(self, reply: &client::Reply) -> Result<(), String> {
        let ok = match self {
            Self::Plaintext => reply.status == 200 && reply.body == HELLO.as_bytes(),
            Self::UserPost => {
                reply.status == 200
                    && serde_json::from_slice::<UserPost>(&reply.body).ok()
                        == Some(common::expected_user_post())
            }
            Self::Fail => reply.status == 500,
            Self::Missing => reply.status == 404,
            Self::Cors => {
                reply.status == 200
                    && reply.body == HELLO.as_bytes()
                    && reply.allow_origin.as_deref() == Some("*")
            }
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "GET {} answered {} {:?}",
                self.path(),
                reply.status,
                reply.text()
            ))
        }
    }
}
