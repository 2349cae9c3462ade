//! Which description a type has, found at compile time for the concrete types a component
//! mentions (autoref specialisation, as [`crate::__private::ExtractProbe`] does for
//! extractors): `(&&&DocProbe::<T>::new()).input_doc()` is `T`'s [`OperationInput`]
//! description when it has one, else its description without a schema (watchful's extractors
//! of a type that does not derive `JsonSchema`), else `None`. The same for responses, with
//! `response_doc()`, and for the body a handler declares, with `body_doc()`, where a type that
//! only derives `JsonSchema` is described as JSON.

use std::marker::PhantomData;

use schemars::JsonSchema;

use super::component_docs::{BodyDocFn, InputDocFn};
use super::describe::{UntypedInput, UntypedResponse};
use super::{OperationInput, OperationResponse, ResponseContent};

/// The probe: a type to ask about.
pub struct DocProbe<T: ?Sized>(PhantomData<T>);

impl<T: ?Sized> DocProbe<T> {
    /// A probe for `T`.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

/// `T: OperationInput`.
pub trait ViaInputDoc {
    /// Its description.
    fn input_doc(&self) -> Option<InputDocFn>;
}

impl<T: OperationInput> ViaInputDoc for &&DocProbe<T> {
    fn input_doc(&self) -> Option<InputDocFn> {
        Some(T::describe)
    }
}

/// One of watchful's extractors of a type without a schema.
pub trait ViaUntypedInput {
    /// Its description without a schema.
    fn input_doc(&self) -> Option<InputDocFn>;
}

impl<T: UntypedInput> ViaUntypedInput for &DocProbe<T> {
    fn input_doc(&self) -> Option<InputDocFn> {
        Some(T::describe_untyped)
    }
}

/// Any other input: it adds nothing to the operation.
pub trait ViaNoInputDoc {
    /// Nothing.
    fn input_doc(&self) -> Option<InputDocFn>;
}

impl<T: ?Sized> ViaNoInputDoc for DocProbe<T> {
    fn input_doc(&self) -> Option<InputDocFn> {
        None
    }
}

/// `T: OperationResponse`.
pub trait ViaResponseDoc {
    /// Its description.
    fn response_doc(&self) -> Option<BodyDocFn>;
    /// Describes it as a declared error body.
    fn body_doc(&self, content: &mut ResponseContent<'_>);
}

impl<T: OperationResponse> ViaResponseDoc for &&DocProbe<T> {
    fn response_doc(&self) -> Option<BodyDocFn> {
        Some(T::describe)
    }

    fn body_doc(&self, content: &mut ResponseContent<'_>) {
        T::describe(content);
    }
}

/// One of watchful's response types around a type without a schema.
pub trait ViaUntypedResponse {
    /// Its description without a schema.
    fn response_doc(&self) -> Option<BodyDocFn>;
}

impl<T: UntypedResponse> ViaUntypedResponse for &DocProbe<T> {
    fn response_doc(&self) -> Option<BodyDocFn> {
        Some(T::describe_untyped)
    }
}

/// A declared error body whose type derives `JsonSchema`: JSON of that schema.
pub trait ViaJsonSchema {
    /// Describes it as JSON.
    fn body_doc(&self, content: &mut ResponseContent<'_>);
}

impl<T: JsonSchema> ViaJsonSchema for &DocProbe<T> {
    fn body_doc(&self, content: &mut ResponseContent<'_>) {
        content.json::<T>();
    }
}

/// Any other type: nothing known.
pub trait ViaNoResponseDoc {
    /// No description.
    fn response_doc(&self) -> Option<BodyDocFn>;
    /// Records that the body has no schema.
    fn body_doc(&self, content: &mut ResponseContent<'_>);
}

impl<T: ?Sized> ViaNoResponseDoc for DocProbe<T> {
    fn response_doc(&self) -> Option<BodyDocFn> {
        None
    }

    fn body_doc(&self, content: &mut ResponseContent<'_>) {
        content.without_schema(std::any::type_name::<T>());
    }
}
