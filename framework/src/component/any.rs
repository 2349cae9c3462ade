//! Any component, by kind: the one list of kinds the runtime knows.

use super::constructor::Constructor;
use super::error_handler::ErrorHandler;
use super::error_observer::ErrorObserver;
use super::fallback::Fallback;
use super::meta::ComponentMeta;
use super::post_process::PostProcess;
use super::pre_process::PreProcess;
use super::route::Route;
use super::wrap::Wrap;

/// A component of any kind, as a blueprint keeps it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum AnyComponent {
    Route(Route),
    Constructor(Constructor),
    ErrorHandler(ErrorHandler),
    ErrorObserver(ErrorObserver),
    Wrap(Wrap),
    PreProcess(PreProcess),
    PostProcess(PostProcess),
    Fallback(Fallback),
}

impl AnyComponent {
    /// Its name, location and signature.
    pub(crate) fn meta(&self) -> ComponentMeta {
        match self {
            AnyComponent::Route(c) => c.meta,
            AnyComponent::Constructor(c) => c.meta,
            AnyComponent::ErrorHandler(c) => c.meta,
            AnyComponent::ErrorObserver(c) => c.meta,
            AnyComponent::Wrap(c) => c.meta,
            AnyComponent::PreProcess(c) => c.meta,
            AnyComponent::PostProcess(c) => c.meta,
            AnyComponent::Fallback(c) => c.meta,
        }
    }
}
