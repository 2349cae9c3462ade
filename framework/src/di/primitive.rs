//! The values the framework provides to every request, with no constructor registered.

use std::any::TypeId;

use crate::extract::BodySizeLimit;
use crate::request::{
    AllowedMethods, ConnectionInfo, MatchedRoute, RawPathParams, RequestBody, RequestHead,
    RequestId,
};
use crate::response::ErrorFormat;
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
    ErrorFormat,
}

impl Primitive {
    pub(crate) const ALL: [Primitive; 10] = [
        Primitive::Head,
        Primitive::Body,
        Primitive::PathParams,
        Primitive::MatchedRoute,
        Primitive::AllowedMethods,
        Primitive::Connection,
        Primitive::RequestId,
        Primitive::RootSpan,
        Primitive::BodySizeLimit,
        Primitive::ErrorFormat,
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
            Primitive::ErrorFormat => TypeId::of::<ErrorFormat>(),
        }
    }

    /// The primitive of type `id`, if it is one.
    pub(crate) fn of(id: TypeId) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|primitive| primitive.value_type() == id)
    }
}
