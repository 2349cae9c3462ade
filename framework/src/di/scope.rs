//! The values one request owns: the framework primitives and a slot per constructed value.
//!
//! The scope is only ever shared (`&Scope`), so that a wrapping middleware can borrow values
//! while the rest of the pipeline builds more: each slot is written once, and a value that
//! its only consumer moves out sits behind a lock.

use std::any::Any;
use std::sync::{Mutex, OnceLock};

use super::primitive::Primitive;
use crate::extract::BodySizeLimit;
use crate::request::{
    AllowedMethods, ConnectionInfo, MatchedRoute, RawPathParams, RequestBody, RequestHead,
    RequestId,
};
use crate::response::ErrorFormat;
use crate::sync::lock;
use crate::telemetry::RootSpan;

/// The primitives of one request, as the pipeline gathers them.
pub(crate) struct RequestValues {
    pub(crate) head: RequestHead,
    pub(crate) params: RawPathParams,
    pub(crate) route: MatchedRoute,
    pub(crate) allowed: AllowedMethods,
    pub(crate) connection: ConnectionInfo,
    pub(crate) request_id: RequestId,
    pub(crate) span: RootSpan,
    pub(crate) body_limit: BodySizeLimit,
    /// How the framework writes its own error responses on this route.
    pub(crate) error_format: ErrorFormat,
}

/// A constructed value, type-erased.
pub(crate) type Slot = Box<dyn Any + Send + Sync>;

/// A constructed value in its slot.
enum Stored {
    /// Borrowed or cloned by its consumers.
    Shared(Slot),
    /// Moved out by its only consumer.
    Owned(Mutex<Option<Slot>>),
}

/// Everything one request owns while it is served.
pub(crate) struct Scope {
    values: RequestValues,
    body: Mutex<Option<RequestBody>>,
    /// The request head as each tower layer of the route passed it on, outermost first: what
    /// the components inside the layer read. Set once each, so that a component outside the
    /// layer may still borrow the head it was given.
    layer_heads: Box<[OnceLock<RequestHead>]>,
    /// One per request-scoped value and per use of a transient one; numbered by the plan.
    slots: Box<[OnceLock<Stored>]>,
}

/// `n` empty cells: for none, neither an allocation nor the iterator machinery, which costs a
/// route without values or layers ~60 instructions per request.
fn cells<T>(n: usize) -> Box<[OnceLock<T>]> {
    match n {
        0 => Box::default(),
        n => (0..n).map(|_| OnceLock::new()).collect(),
    }
}

impl Scope {
    /// The scope of a request whose route has `slot_count` slots and `tower_layers` tower
    /// layers. Inlined, like `InFlight::new`, its only caller.
    #[inline]
    pub(crate) fn new(
        values: RequestValues,
        body: RequestBody,
        slot_count: usize,
        tower_layers: usize,
    ) -> Self {
        Self {
            values,
            body: Mutex::new(Some(body)),
            layer_heads: cells(tower_layers),
            slots: cells(slot_count),
        }
    }

    /// The request's root span.
    pub(crate) fn span(&self) -> &RootSpan {
        &self.values.span
    }

    /// The request's id.
    pub(crate) fn request_id(&self) -> &RequestId {
        &self.values.request_id
    }

    /// How the framework writes its own error responses on this request's route.
    pub(crate) fn error_format(&self) -> ErrorFormat {
        self.values.error_format
    }

    pub(crate) fn primitive(&self, primitive: Primitive) -> &(dyn Any + Send + Sync) {
        let values = &self.values;
        match primitive {
            Primitive::Head => self.head(),
            Primitive::Body => unreachable!("the plan never borrows the body, it only moves it"),
            Primitive::PathParams => &values.params,
            Primitive::MatchedRoute => &values.route,
            Primitive::AllowedMethods => &values.allowed,
            Primitive::Connection => &values.connection,
            Primitive::RequestId => &values.request_id,
            Primitive::RootSpan => &values.span,
            Primitive::BodySizeLimit => &values.body_limit,
            Primitive::ErrorFormat => &values.error_format,
        }
    }

    /// The request head, as the innermost tower layer entered so far passed it on.
    pub(crate) fn head(&self) -> &RequestHead {
        let passed_on = self.layer_heads.iter().rev().find_map(OnceLock::get);
        passed_on.unwrap_or(&self.values.head)
    }

    /// Gives the components inside tower layer number `layer` (of the route's) the request
    /// the layer passed on.
    pub(crate) fn pass_on(&self, layer: usize, request: http::Request<RequestBody>) {
        let (parts, body) = request.into_parts();
        let _ = self.layer_heads[layer].set(RequestHead::from(parts));
        *lock(&self.body) = Some(body);
    }

    /// The request, for a tower layer or service: the current head and the body, unless a
    /// component took it already.
    pub(crate) fn request(&self) -> http::Request<RequestBody> {
        let body = lock(&self.body)
            .take()
            .unwrap_or_else(|| RequestBody::from_bytes(bytes::Bytes::new()));
        let head = self.head();
        let mut request = http::Request::new(body);
        *request.method_mut() = head.method.clone();
        *request.uri_mut() = head.uri.clone();
        *request.version_mut() = head.version;
        *request.headers_mut() = head.headers.clone();
        *request.extensions_mut() = head.extensions.clone();
        request
    }

    /// Moves the body out of the scope; the plan lets one input at most take it.
    pub(crate) fn take_body(&self) -> RequestBody {
        lock(&self.body)
            .take()
            .expect("the plan lets one input at most take the body")
    }

    /// Whether the slot holds a value (or held one that was moved out).
    pub(crate) fn is_built(&self, slot: usize) -> bool {
        self.slots[slot].get().is_some()
    }

    /// Stores a constructed value; `owned` when its only consumer moves it out.
    pub(crate) fn fill(&self, slot: usize, value: Slot, owned: bool) {
        let stored = match owned {
            true => Stored::Owned(Mutex::new(Some(value))),
            false => Stored::Shared(value),
        };
        // A slot is built once: the injector checks `is_built` first.
        let _ = self.slots[slot].set(stored);
    }

    /// Borrows a shared value.
    pub(crate) fn shared(&self, slot: usize) -> &(dyn Any + Send + Sync) {
        match self.slots[slot].get() {
            Some(Stored::Shared(value)) => &**value,
            _ => unreachable!("the plan builds a slot before any input that reads it"),
        }
    }

    /// Moves an owned value out.
    pub(crate) fn take(&self, slot: usize) -> Slot {
        match self.slots[slot].get() {
            Some(Stored::Owned(value)) => lock(value)
                .take()
                .expect("the plan lets one input move a value"),
            _ => unreachable!("the plan builds a slot before the only input that moves it"),
        }
    }
}
