//! The descriptions the attribute macros attach to components, in the form the document reads.

use super::{Operation, ResponseContent};

/// Adds what an input type says to an operation.
pub type InputDocFn = fn(&mut Operation<'_>);

/// Describes a response's content (a route's success type, a declared error body).
pub type BodyDocFn = fn(&mut ResponseContent<'_>);

/// What a route says about itself: its doc comment, the success status its attribute declares
/// (`status = 201`), and its success type's description, when the type has one.
#[doc(hidden)]
pub struct RouteDoc {
    pub(crate) docs: &'static str,
    pub(crate) status: Option<u16>,
    pub(crate) response: Option<BodyDocFn>,
}

impl RouteDoc {
    /// Used by the macros.
    pub fn new(docs: &'static str, status: Option<u16>, response: Option<BodyDocFn>) -> Self {
        Self {
            docs,
            status,
            response,
        }
    }
}
