//! The plan of one route or fallback: everything `build()` computed to serve it.

use std::sync::Arc;
use std::time::Duration;

use super::call::{Call, ConstructStep, ErrorSite, Prepared};
use crate::component::adapter::{HandlerFn, ObserverFn, PostFn, PreFn, WrapFn};
use crate::extract::BodySizeLimit;
use crate::request::MatchedRoute;
use crate::response::ErrorFormat;
use crate::tower::{LayerService, MountedService};

/// Everything needed to serve one route or fallback.
pub(crate) struct RoutePlan {
    /// The path template; empty for a fallback.
    route: MatchedRoute,
    /// `METHOD /template`, the root span's `otel.name`; `None` for a fallback.
    otel_name: Option<String>,
    /// The template's parameter names, shared by every request's path parameters.
    param_names: Vec<Arc<str>>,
    settings: RouteSettings,
    calls: RouteCalls,
}

/// What the blueprints (and the route's own registration) set for a route: plain values,
/// inherited down the nesting.
#[derive(Clone, Copy)]
pub(crate) struct RouteSettings {
    /// How long the middleware and components may take.
    pub(crate) timeout: Option<Duration>,
    pub(crate) body_limit: BodySizeLimit,
    /// How long the request body may take to arrive.
    pub(crate) body_timeout: Option<Duration>,
    /// How the framework writes its own error responses.
    pub(crate) error_format: ErrorFormat,
}

impl RoutePlan {
    /// The plan of the route serving `template` (`None` for a fallback), labelled
    /// `otel_name`, whose path parameters are `param_names`.
    pub(crate) fn new(
        template: Option<&str>,
        otel_name: &str,
        param_names: Vec<Arc<str>>,
        settings: RouteSettings,
        calls: RouteCalls,
    ) -> Self {
        Self {
            route: MatchedRoute(Arc::from(template.unwrap_or_default())),
            otel_name: template.map(|_| otel_name.to_owned()),
            param_names,
            settings,
            calls,
        }
    }

    pub(crate) fn route(&self) -> &MatchedRoute {
        &self.route
    }

    pub(crate) fn otel_name(&self) -> Option<&str> {
        self.otel_name.as_deref()
    }

    pub(crate) fn param_names(&self) -> &[Arc<str>] {
        &self.param_names
    }

    pub(crate) fn timeout(&self) -> Option<Duration> {
        self.settings.timeout
    }

    pub(crate) fn body_limit(&self) -> BodySizeLimit {
        self.settings.body_limit
    }

    pub(crate) fn error_format(&self) -> ErrorFormat {
        self.settings.error_format
    }

    pub(crate) fn body_timeout(&self) -> Option<Duration> {
        self.settings.body_timeout
    }

    pub(crate) fn calls(&self) -> &RouteCalls {
        &self.calls
    }
}

/// The calls of a route, with their inputs numbered by slot.
pub(crate) struct RouteCalls {
    /// Every construction step the route may run; the calls' `prepare` lists index into it.
    steps: Vec<ConstructStep>,
    /// The middleware, split at each blueprint and each wrapping middleware, outermost first.
    layers: Vec<Layer>,
    /// The route's handler, the fallback, or a mounted service.
    endpoint: Endpoint,
    /// Where the framework's own errors go.
    sites: FrameworkSites,
    /// The error observers, outermost blueprint first, each in registration order.
    observers: Vec<Prepared<ObserverFn>>,
    slot_count: usize,
    /// How many of the layers are tower layers.
    tower_layers: usize,
}

impl RouteCalls {
    pub(crate) fn new(
        steps: Vec<ConstructStep>,
        layers: Vec<Layer>,
        endpoint: Endpoint,
        sites: FrameworkSites,
        observers: Vec<Prepared<ObserverFn>>,
        slot_count: usize,
    ) -> Self {
        let tower_layers = layers
            .iter()
            .filter(|layer| matches!(layer.opener, Opener::Tower(_)))
            .count();
        Self {
            steps,
            layers,
            endpoint,
            sites,
            observers,
            slot_count,
            tower_layers,
        }
    }

    pub(crate) fn steps(&self) -> &[ConstructStep] {
        &self.steps
    }

    pub(crate) fn layers(&self) -> &[Layer] {
        &self.layers
    }

    pub(crate) fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    pub(crate) fn sites(&self) -> &FrameworkSites {
        &self.sites
    }

    pub(crate) fn observers(&self) -> &[Prepared<ObserverFn>] {
        &self.observers
    }

    /// How many slots a request's scope needs.
    pub(crate) fn slot_count(&self) -> usize {
        self.slot_count
    }

    /// How many tower layers the route has.
    pub(crate) fn tower_layers(&self) -> usize {
        self.tower_layers
    }
}

/// Where the errors the framework raises itself go, on one route.
pub(crate) struct FrameworkSites {
    /// An [`InvalidPathParameter`](crate::error::InvalidPathParameter).
    pub(crate) bad_path: ErrorSite,
    /// A [`RequestTimeout`](crate::error::RequestTimeout).
    pub(crate) timeout: ErrorSite,
    /// A [`RequestBodyTimeout`](crate::error::RequestBodyTimeout).
    pub(crate) body_timeout: ErrorSite,
    /// A [`MalformedRequest`](crate::error::MalformedRequest).
    pub(crate) malformed: ErrorSite,
    /// A [`Panic`](crate::error::Panic).
    pub(crate) panic: ErrorSite,
    /// The error of a tower layer or service: a [`watchful::Error`](crate::Error).
    pub(crate) tower: ErrorSite,
}

/// What serves the request at the end of the pipeline.
pub(crate) enum Endpoint {
    /// A route's handler or a fallback.
    Handler(Call<HandlerFn>),
    /// A tower service mounted with [`Blueprint::service`](crate::Blueprint::service).
    Service(MountedService),
}

/// A wrapping middleware, a tower layer or a nested blueprint's start, and what it encloses up
/// to the next one: the pre-processing middleware that run before the rest, and the
/// post-processing ones that run after it.
#[derive(Default)]
pub(crate) struct Layer {
    opener: Opener,
    pre: Vec<Call<PreFn>>,
    post: Vec<Call<PostFn>>,
}

/// What opens a layer.
#[derive(Default)]
pub(crate) enum Opener {
    /// A blueprint: nothing runs.
    #[default]
    Blueprint,
    /// A wrapping middleware, which runs the rest as its `Next`.
    Wrap(Call<WrapFn>),
    /// A tower layer, which runs the rest as its inner service.
    Tower(LayerService),
}

impl Layer {
    /// A layer opened by `opener`.
    pub(crate) fn opened_by(opener: Opener) -> Self {
        Self {
            opener,
            ..Self::default()
        }
    }

    pub(crate) fn push_pre(&mut self, pre: Call<PreFn>) {
        self.pre.push(pre);
    }

    pub(crate) fn push_post(&mut self, post: Call<PostFn>) {
        self.post.push(post);
    }

    pub(crate) fn opener(&self) -> &Opener {
        &self.opener
    }

    pub(crate) fn pre(&self) -> &[Call<PreFn>] {
        &self.pre
    }

    pub(crate) fn post(&self) -> &[Call<PostFn>] {
        &self.post
    }
}
