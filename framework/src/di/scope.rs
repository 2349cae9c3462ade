//! The values one request owns: the framework primitives and a slot per constructed value.
//!
//! The scope is only ever shared (`&Scope`), so that a wrapping middleware can borrow values
//! while the rest of the pipeline builds more: each slot is written once, and a value that
//! its only consumer moves out sits behind a lock.

use std::any::{Any, TypeId};
use std::sync::{Mutex, OnceLock};

use super::Slot;
use crate::extract::BodySizeLimit;
use crate::request::{
    AllowedMethods, ConnectionInfo, MatchedRoute, RawPathParams, RequestBody, RequestHead,
    RequestId,
};
use crate::telemetry::RootSpan;

/// A value the framework provides to every request, with no constructor registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Primitive {
    Head,
    Body,
    PathParams,
    MatchedRoute,
    AllowedMethods,
    Connection,
    RequestId,
    RootSpan,
    BodySizeLimit,
}

impl Primitive {
    pub(crate) const ALL: [Primitive; 9] = [
        Primitive::Head,
        Primitive::Body,
        Primitive::PathParams,
        Primitive::MatchedRoute,
        Primitive::AllowedMethods,
        Primitive::Connection,
        Primitive::RequestId,
        Primitive::RootSpan,
        Primitive::BodySizeLimit,
    ];

    /// The type of the value the framework provides.
    pub(crate) fn value_type(self) -> TypeId {
        match self {
            Primitive::Head => TypeId::of::<RequestHead>(),
            Primitive::Body => TypeId::of::<RequestBody>(),
            Primitive::PathParams => TypeId::of::<RawPathParams>(),
            Primitive::MatchedRoute => TypeId::of::<MatchedRoute>(),
            Primitive::AllowedMethods => TypeId::of::<AllowedMethods>(),
            Primitive::Connection => TypeId::of::<ConnectionInfo>(),
            Primitive::RequestId => TypeId::of::<RequestId>(),
            Primitive::RootSpan => TypeId::of::<RootSpan>(),
            Primitive::BodySizeLimit => TypeId::of::<BodySizeLimit>(),
        }
    }

    /// The primitive of type `id`, if it is one.
    pub(crate) fn of(id: TypeId) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|primitive| primitive.value_type() == id)
    }
}

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
}

/// A constructed value in its slot.
enum Stored {
    /// Borrowed or cloned by its consumers.
    Shared(Slot),
    /// Moved out by its only consumer.
    Owned(Mutex<Option<Slot>>),
}

/// Everything one request owns while it is served.
pub(crate) struct Scope {
    pub(crate) values: RequestValues,
    body: Mutex<Option<RequestBody>>,
    /// One per request-scoped value and per use of a transient one; numbered by the plan.
    slots: Box<[OnceLock<Stored>]>,
}

impl Scope {
    pub(crate) fn new(values: RequestValues, body: RequestBody, slot_count: usize) -> Self {
        Self {
            values,
            body: Mutex::new(Some(body)),
            slots: (0..slot_count).map(|_| OnceLock::new()).collect(),
        }
    }

    pub(crate) fn primitive(&self, primitive: Primitive) -> &(dyn Any + Send + Sync) {
        let values = &self.values;
        match primitive {
            Primitive::Head => &values.head,
            Primitive::Body => unreachable!("the plan never borrows the body, it only moves it"),
            Primitive::PathParams => &values.params,
            Primitive::MatchedRoute => &values.route,
            Primitive::AllowedMethods => &values.allowed,
            Primitive::Connection => &values.connection,
            Primitive::RequestId => &values.request_id,
            Primitive::RootSpan => &values.span,
            Primitive::BodySizeLimit => &values.body_limit,
        }
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
        // A slot is built once: `ConstructStep::run` checks `is_built` first.
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

/// Locks a mutex that no panic can leave inconsistent: its critical sections only move an
/// `Option` in or out.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
