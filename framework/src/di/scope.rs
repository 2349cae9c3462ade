//! The values one request owns: the framework primitives and a slot per constructed value.

use std::any::{Any, TypeId};

use super::Slot;
use crate::request::{
    ConnectionInfo, MatchedRoute, RawPathParams, RequestBody, RequestHead, RequestId,
};
use crate::telemetry::RootSpan;

/// A value the framework provides to every request, with no constructor registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Primitive {
    Head,
    Body,
    PathParams,
    MatchedRoute,
    Connection,
    RequestId,
    RootSpan,
}

impl Primitive {
    pub(crate) const ALL: [Primitive; 7] = [
        Primitive::Head,
        Primitive::Body,
        Primitive::PathParams,
        Primitive::MatchedRoute,
        Primitive::Connection,
        Primitive::RequestId,
        Primitive::RootSpan,
    ];

    /// The type of the value the framework provides.
    pub(crate) fn value_type(self) -> TypeId {
        match self {
            Primitive::Head => TypeId::of::<RequestHead>(),
            Primitive::Body => TypeId::of::<RequestBody>(),
            Primitive::PathParams => TypeId::of::<RawPathParams>(),
            Primitive::MatchedRoute => TypeId::of::<MatchedRoute>(),
            Primitive::Connection => TypeId::of::<ConnectionInfo>(),
            Primitive::RequestId => TypeId::of::<RequestId>(),
            Primitive::RootSpan => TypeId::of::<RootSpan>(),
        }
    }

    /// The primitive of type `id`, if it is one.
    pub(crate) fn of(id: TypeId) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|primitive| primitive.value_type() == id)
    }
}

/// Everything one request owns while it is served.
pub(crate) struct Scope {
    pub(crate) head: RequestHead,
    pub(crate) body: Option<RequestBody>,
    pub(crate) params: RawPathParams,
    pub(crate) route: MatchedRoute,
    pub(crate) connection: ConnectionInfo,
    pub(crate) request_id: RequestId,
    pub(crate) span: RootSpan,
    /// One per request-scoped value and per use of a transient one; numbered by the plan.
    pub(crate) slots: Vec<Option<Slot>>,
}

impl Scope {
    pub(crate) fn primitive(&self, primitive: Primitive) -> &(dyn Any + Send + Sync) {
        match primitive {
            Primitive::Head => &self.head,
            Primitive::Body => unreachable!("the plan never borrows the body, it only moves it"),
            Primitive::PathParams => &self.params,
            Primitive::MatchedRoute => &self.route,
            Primitive::Connection => &self.connection,
            Primitive::RequestId => &self.request_id,
            Primitive::RootSpan => &self.span,
        }
    }

    /// Moves a primitive that cannot be cloned (the body) out of the scope.
    pub(crate) fn take_primitive<T: 'static>(&mut self, primitive: Primitive) -> T {
        assert_eq!(
            primitive,
            Primitive::Body,
            "only the body is moved out of the scope"
        );
        let mut body = Some(
            self.body
                .take()
                .expect("the plan lets one input at most take the body"),
        );
        match (&mut body as &mut dyn Any).downcast_mut::<Option<T>>() {
            Some(body) => body.take().expect("the body was just put there"),
            None => unreachable!("the plan takes the body only as a `RequestBody`"),
        }
    }
}
