//! The calls of a route: the components it runs, the construction steps that build their
//! inputs, and the error handler each failure goes to.

use super::input::InputPlan;
use crate::component::ComponentMeta;
use crate::component::adapter::{ConstructorFn, ErrorHandlerFn};
use crate::component::docs::Responses;

/// A component call and the steps that build what it needs.
pub(crate) struct Prepared<F> {
    meta: ComponentMeta,
    /// Steps to run first (indices into the route's steps); values already built are not
    /// built again.
    prepare: Vec<usize>,
    call: F,
    inputs: Vec<InputPlan>,
}

impl<F> Prepared<F> {
    pub(crate) fn new(
        meta: ComponentMeta,
        prepare: Vec<usize>,
        call: F,
        inputs: Vec<InputPlan>,
    ) -> Self {
        Self {
            meta,
            prepare,
            call,
            inputs,
        }
    }

    /// The component, to name it when it panics.
    pub(crate) fn name(&self) -> &'static str {
        self.meta.name()
    }

    pub(crate) fn prepare(&self) -> &[usize] {
        &self.prepare
    }

    pub(crate) fn call(&self) -> &F {
        &self.call
    }

    pub(crate) fn inputs(&self) -> &[InputPlan] {
        &self.inputs
    }
}

/// A middleware or handler call, and where its errors go.
pub(crate) struct Call<F> {
    prepared: Prepared<F>,
    /// `None` if it cannot fail.
    on_error: Option<ErrorSite>,
}

impl<F> Call<F> {
    pub(crate) fn new(prepared: Prepared<F>, on_error: Option<ErrorSite>) -> Self {
        Self { prepared, on_error }
    }

    pub(crate) fn prepared(&self) -> &Prepared<F> {
        &self.prepared
    }

    /// Where its errors go.
    pub(crate) fn on_error(&self) -> &ErrorSite {
        self.on_error.as_ref().unwrap_or(&BUILTIN)
    }
}

/// The error handler chosen by `build()` for one fallible component in one route.
pub(crate) enum ErrorSite {
    Handler {
        handler: Prepared<ErrorHandlerFn>,
        /// The handler takes `&watchful::Error`: convert before calling it.
        catch_all: bool,
        /// The responses it declares, which debug builds check its responses against.
        declared: Responses,
    },
    /// No handler: the built-in response.
    Builtin,
}

impl ErrorSite {
    /// In debug builds, logs a WARN when the handler answered a status it does not declare:
    /// the OpenAPI document, which lists the declared ones, would be wrong. Tests run in debug
    /// builds, so a test that triggers the error catches it.
    pub(crate) fn check_declared(&self, status: http::StatusCode) {
        if !cfg!(debug_assertions) {
            return;
        }
        if let ErrorSite::Handler {
            handler, declared, ..
        } = self
            && declared.allows(status) == Some(false)
        {
            tracing::warn!(
                error_handler = handler.name(),
                status = status.as_u16(),
                "the error handler `{}` answered {status}, which it does not declare: add it to `#[error_handler(responses(..))]`, or the OpenAPI document misses it",
                handler.name(),
            );
        }
    }
}

/// The site of errors that no handler takes.
pub(crate) static BUILTIN: ErrorSite = ErrorSite::Builtin;

/// Builds one value into one slot.
pub(crate) struct ConstructStep {
    constructor: Prepared<ConstructorFn>,
    slot: usize,
    /// How to turn this constructor's error into a response; `None` when it cannot fail.
    on_error: Option<ErrorSite>,
    /// The value's only consumer moves it out (else it is borrowed or cloned).
    owned: bool,
}

impl ConstructStep {
    /// `constructor.prepare()` lists the steps that build this step's inputs.
    pub(crate) fn new(
        constructor: Prepared<ConstructorFn>,
        slot: usize,
        on_error: Option<ErrorSite>,
        owned: bool,
    ) -> Self {
        Self {
            constructor,
            slot,
            on_error,
            owned,
        }
    }

    pub(crate) fn constructor(&self) -> &Prepared<ConstructorFn> {
        &self.constructor
    }

    pub(crate) fn slot(&self) -> usize {
        self.slot
    }

    /// Where its errors go.
    pub(crate) fn on_error(&self) -> &ErrorSite {
        self.on_error.as_ref().unwrap_or(&BUILTIN)
    }

    pub(crate) fn owned(&self) -> bool {
        self.owned
    }
}
