//! Turns the graph into a plan per route: which values to build, in which order, into which
//! slot, and how each input receives its value (borrowed, moved or cloned).
//!
//! A route is planned twice: the first pass counts how often each request-scoped value is used,
//! the second decides, knowing the counts, whether a by-value input may move the value or must
//! clone it, and reports the conflicts. Both passes walk the graph in the same order, so they
//! number slots the same way.

use std::any::TypeId;
use std::collections::HashMap;

use http::StatusCode;

use super::graph::{Graph, Provider, Selection};
use super::report::{BuildProblem, BuildWarning, ProblemKind, not_clone};
use crate::component::{AnyComponent, Input, Lifecycle};
use crate::di::Primitive;
use crate::error::{
    InvalidPathParameter, MalformedRequest, Panic, RequestBodyTimeout, RequestTimeout,
};
use crate::extract::Rejection;
use crate::plan::{
    Access, Call, ConstructStep, Endpoint, ErrorSite, FrameworkSites, InputPlan, Layer, Opener,
    Prepared, RouteCalls, Source,
};
use crate::tower::MountedService;

/// What serves the requests of a planned route.
#[derive(Clone)]
pub(super) enum Target {
    /// A route or fallback node.
    Node(usize),
    /// A tower service, mounted on its route.
    Service(MountedService),
}

/// How often a value is used within one route.
#[derive(Debug, Default, Clone, Copy)]
struct Uses {
    total: u32,
    by_value: u32,
}

impl Uses {
    fn add(&mut self, input: &Input) {
        self.total += 1;
        self.by_value += u32::from(!input.by_ref);
    }
}

#[derive(Default)]
struct Counts {
    slots: Vec<Uses>,
    body: Uses,
}

struct Planner<'g> {
    graph: &'g Graph,
    route: String,
    /// The scope of the route (or fallback) being planned: error handlers are looked up from
    /// there.
    scope: usize,
    steps: Vec<ConstructStep>,
    /// The step of each request-scoped constructor node planned so far.
    planned: HashMap<usize, usize>,
    /// Constructor nodes being planned: a cycle (already reported) stops here.
    in_progress: Vec<usize>,
    /// The constructor node that fills each slot.
    slot_owner: Vec<usize>,
    counts: Counts,
    /// The first pass's counts; `None` during the first pass.
    final_counts: Option<Counts>,
    problems: Vec<BuildProblem>,
    /// Errors that fall back to the catch-all or the built-in handler, explained.
    fallbacks: Vec<BuildWarning>,
    /// The error types the route's components and the framework can raise on it.
    raised: Vec<TypeId>,
    /// The route's path parameter names, for the extractors' checks.
    params: Vec<&'g str>,
    /// What the OpenAPI document needs.
    #[cfg(feature = "openapi")]
    documented: Documented,
}

/// What planning a route found that its OpenAPI operation needs: the components on its path
/// and where each error that can occur there goes.
#[cfg(feature = "openapi")]
#[derive(Default)]
pub(super) struct Documented {
    /// The middleware, handler and constructors the route runs (node indices).
    pub(super) components: Vec<usize>,
    pub(super) errors: Vec<DocumentedError>,
}

/// An error that can occur on a route, and where it goes.
#[cfg(feature = "openapi")]
pub(super) struct DocumentedError {
    pub(super) error: crate::component::TypeMeta,
    /// The error handler (a node index); `None` for the built-in response.
    pub(super) handler: Option<usize>,
    /// The built-in response's status.
    pub(super) builtin: http::StatusCode,
}

/// A route's plan, and what planning it found.
pub(super) struct Planned {
    pub(super) calls: RouteCalls,
    pub(super) problems: Vec<BuildProblem>,
    /// Errors that fall back to the catch-all or the built-in handler, explained.
    pub(super) fallbacks: Vec<BuildWarning>,
    /// The error types the route's components and the framework can raise on it.
    pub(super) raised: Vec<TypeId>,
    #[cfg(feature = "openapi")]
    pub(super) documented: Documented,
}

/// Plans the route, fallback or service `target`, served on the routes of `scope`, whose path
/// has the parameters `params`.
pub(super) fn plan_route<'g>(
    graph: &'g Graph,
    target: Target,
    scope: usize,
    label: &str,
    params: &[&'g str],
) -> Planned {
    let mut first = Planner::new(graph, label, scope, params, None);
    first.plan(target.clone());
    let counts = first.counts;
    let mut second = Planner::new(graph, label, scope, params, Some(counts));
    let calls = second.plan(target);
    Planned {
        calls,
        problems: second.problems,
        fallbacks: second.fallbacks,
        raised: second.raised,
        #[cfg(feature = "openapi")]
        documented: second.documented,
    }
}

impl<'g> Planner<'g> {
    fn new(
        graph: &'g Graph,
        route: &str,
        scope: usize,
        params: &[&'g str],
        final_counts: Option<Counts>,
    ) -> Self {
        Self {
            params: params.to_vec(),
            graph,
            route: route.to_owned(),
            scope,
            steps: Vec::new(),
            planned: HashMap::new(),
            in_progress: Vec::new(),
            slot_owner: Vec::new(),
            counts: Counts::default(),
            final_counts,
            problems: Vec::new(),
            fallbacks: Vec::new(),
            raised: Vec::new(),
            #[cfg(feature = "openapi")]
            documented: Documented::default(),
        }
    }

    fn plan(&mut self, target: Target) -> RouteCalls {
        let graph = self.graph;
        // Outermost blueprint first.
        let mut scopes: Vec<usize> = graph.ancestry(self.scope).collect();
        scopes.reverse();

        // A nested blueprint's middleware run inside its parent's: each blueprint opens a
        // layer, and so does each wrap.
        // A tower layer opens one too, between the middleware registered before and after it.
        let mut layers: Vec<Layer> = Vec::new();
        let mut tower_layers = 0;
        for &scope in &scopes {
            layers.push(Layer::default());
            let middleware = &graph.scopes[scope].middleware;
            let mut towers = graph.scopes[scope].tower_layers.iter().peekable();
            for position in 0..=middleware.len() {
                while let Some((_, tower)) = towers.next_if(|(at, _)| *at == position) {
                    layers.push(Layer::opened_by(Opener::Tower(tower.apply(tower_layers))));
                    tower_layers += 1;
                }
                let Some(&node) = middleware.get(position) else {
                    break;
                };
                match graph.nodes[node].kind {
                    AnyComponent::Wrap(wrap) => {
                        let wrap = self.call(node, wrap.call);
                        layers.push(Layer::opened_by(Opener::Wrap(wrap)));
                    }
                    AnyComponent::PreProcess(pre) => {
                        let pre = self.call(node, pre.call);
                        layers.last_mut().expect("never empty").push_pre(pre);
                    }
                    AnyComponent::PostProcess(post) => {
                        let post = self.call(node, post.call);
                        layers.last_mut().expect("never empty").push_post(post);
                    }
                    _ => {}
                }
            }
        }
        let has_tower = tower_layers > 0 || matches!(target, Target::Service(_));
        let endpoint = match target {
            Target::Service(service) => Endpoint::Service(service),
            Target::Node(node) => match &graph.nodes[node].kind {
                AnyComponent::Route(route) => Endpoint::Handler(self.call(node, route.call)),
                AnyComponent::Fallback(fallback) => {
                    Endpoint::Handler(self.call(node, fallback.call))
                }
                _ => unreachable!("only routes and fallbacks are planned"),
            },
        };
        let internal = StatusCode::INTERNAL_SERVER_ERROR;
        let sites = FrameworkSites {
            bad_path: self.framework_site::<InvalidPathParameter>(false),
            timeout: self.framework_site::<RequestTimeout>(false),
            body_timeout: self.framework_site::<RequestBodyTimeout>(false),
            malformed: self.framework_site::<MalformedRequest>(false),
            panic: self.framework_site_with::<Panic>(true, internal),
            // Tower errors are `watchful::Error`s, for its handler; none without tower.
            tower: match has_tower {
                true => self.framework_site_with::<crate::Error>(false, internal),
                false => ErrorSite::Builtin,
            },
        };
        let observers = scopes
            .iter()
            .flat_map(|&s| &graph.scopes[s].observers)
            .filter_map(|&node| match &graph.nodes[node].kind {
                AnyComponent::ErrorObserver(observer) => Some(self.prepared(node, observer.call)),
                _ => None,
            })
            .collect();
        RouteCalls::new(
            std::mem::take(&mut self.steps),
            layers,
            endpoint,
            sites,
            observers,
            self.slot_owner.len(),
        )
    }

    /// Plans a middleware or handler call: its inputs and where its errors go.
    fn call<F>(&mut self, node: usize, call: F) -> Call<F> {
        #[cfg(feature = "openapi")]
        self.documented.components.push(node);
        let prepared = self.prepared(node, call);
        Call::new(prepared, self.error_site(node))
    }

    /// Plans the inputs of `consumer`, adding the steps that build them to `order`.
    fn inputs(&mut self, consumer: usize, order: &mut Vec<usize>) -> Vec<InputPlan> {
        let graph = self.graph;
        graph.nodes[consumer]
            .sig
            .inputs
            .iter()
            .map(|input| {
                let scope = graph.nodes[consumer].scope;
                let source = match graph.provider(scope, input.ty.id) {
                    Some(Provider::Primitive(primitive)) => {
                        if primitive == Primitive::Body {
                            self.counts.body.add(input);
                        }
                        Source::Primitive(primitive)
                    }
                    Some(Provider::Singleton(index)) => Source::Singleton(index),
                    Some(Provider::Constructor(node)) => match self.step_for(node) {
                        Some(step) => {
                            push_with_deps(&self.steps, step, order);
                            let slot = self.steps[step].slot();
                            self.counts.slots[slot].add(input);
                            Source::Slot(slot)
                        }
                        None => return placeholder(),
                    },
                    // Reported by the graph checks; the build fails anyway.
                    None => return placeholder(),
                };
                InputPlan::new(source, self.access(consumer, input, source))
            })
            .collect()
    }

    /// The step that builds `node`'s value: the route's one for a request-scoped value, a new
    /// one for a transient value.
    fn step_for(&mut self, node: usize) -> Option<usize> {
        if let Some(step) = self.planned.get(&node) {
            return Some(*step);
        }
        if self.in_progress.contains(&node) {
            return None;
        }
        let constructor = *self.graph.nodes[node].constructor()?;
        #[cfg(feature = "openapi")]
        self.documented.components.push(node);
        if let Some(check) = self.graph.nodes[node].check_route
            && self.final_counts.is_some()
            && let Err(reason) = check(&self.params)
        {
            let extractor = self.graph.nodes[node].describe();
            self.problems.push(BuildProblem::new(
                ProblemKind::ExtractorRejectsRoute,
                [extractor.clone()],
                format!(
                    "route `{}` takes `{}`, which cannot be read from its path: {reason}.",
                    self.route,
                    extractor.name()
                ),
            ));
        }
        self.in_progress.push(node);
        let mut deps = Vec::new();
        let inputs = self.inputs(node, &mut deps);
        let on_error = self.error_site(node);
        self.in_progress.pop();

        let slot = self.slot_owner.len();
        self.slot_owner.push(node);
        self.counts.slots.push(Uses::default());
        // Moved out by its only consumer; known once the first pass has counted.
        let owned = self.final_counts.as_ref().is_some_and(|counts| {
            let uses = counts.slots[slot];
            uses.total == 1 && uses.by_value == 1
        });
        let prepared = Prepared::new(self.graph.nodes[node].meta, deps, constructor.call, inputs);
        self.steps
            .push(ConstructStep::new(prepared, slot, on_error, owned));
        let step = self.steps.len() - 1;
        if constructor.lifecycle == Lifecycle::RequestScoped {
            self.planned.insert(node, step);
        }
        Some(step)
    }

    /// Where the errors of the fallible component `node` go; `None` if it cannot fail.
    fn error_site(&mut self, node: usize) -> Option<ErrorSite> {
        let (selection, fallback) = self.graph.select(node, self.scope)?;
        self.raised
            .extend(self.graph.nodes[node].sig.error.map(|error| error.id));
        self.fallbacks.extend(fallback);
        #[cfg(feature = "openapi")]
        if let Some(error) = self.graph.nodes[node].sig.error {
            self.documented.errors.push(DocumentedError {
                error,
                handler: match selection {
                    Selection::Handler { node, .. } => Some(node),
                    Selection::Builtin => None,
                },
                builtin: StatusCode::INTERNAL_SERVER_ERROR,
            });
        }
        Some(match selection {
            Selection::Builtin => ErrorSite::Builtin,
            Selection::Handler { node, catch_all } => self.handler_site(node, catch_all),
        })
    }

    /// Where the framework's own errors of type `E` go: the nearest blueprint handler for `E`,
    /// else the catch-all when `catch_all` says so, else the built-in response, which suits
    /// each of them.
    fn framework_site<E: Rejection>(&mut self, catch_all: bool) -> ErrorSite {
        // Each of the framework's own errors answers one status by default.
        let builtin = E::statuses()
            .first()
            .copied()
            .unwrap_or(StatusCode::BAD_REQUEST);
        self.framework_site_with::<E>(catch_all, builtin)
    }

    /// [`framework_site`](Self::framework_site) for an error whose built-in response has the
    /// status `builtin`.
    fn framework_site_with<E: 'static>(
        &mut self,
        catch_all: bool,
        builtin: StatusCode,
    ) -> ErrorSite {
        let graph = self.graph;
        self.raised.push(TypeId::of::<E>());
        let handler = graph
            .handler_for(self.scope, TypeId::of::<E>())
            .map(|handler| (handler, false))
            .or_else(|| {
                graph
                    .handler_for(self.scope, TypeId::of::<crate::Error>())
                    .filter(|_| catch_all)
                    .map(|handler| (handler, true))
            });
        #[cfg(feature = "openapi")]
        self.documented.errors.push(DocumentedError {
            error: crate::component::TypeMeta::of::<E>(),
            handler: handler.map(|(handler, _)| handler),
            builtin,
        });
        #[cfg(not(feature = "openapi"))]
        let _ = builtin;
        match handler {
            Some((handler, catch_all)) => self.handler_site(handler, catch_all),
            None => ErrorSite::Builtin,
        }
    }

    fn handler_site(&mut self, handler: usize, catch_all: bool) -> ErrorSite {
        match &self.graph.nodes[handler].kind {
            AnyComponent::ErrorHandler(component) => ErrorSite::Handler {
                handler: self.prepared(handler, component.call),
                catch_all,
                declared: component.responses,
            },
            _ => ErrorSite::Builtin,
        }
    }

    /// Plans an error handler or observer: the steps it may need to run first, and its inputs.
    fn prepared<F>(&mut self, node: usize, call: F) -> Prepared<F> {
        let mut prepare = Vec::new();
        let inputs = self.inputs(node, &mut prepare);
        Prepared::new(self.graph.nodes[node].meta, prepare, call, inputs)
    }

    /// How `input` receives its value. During the first pass, counts are unknown: the answer
    /// is provisional and no problem is reported.
    fn access(&mut self, consumer: usize, input: &Input, source: Source) -> Access {
        let Some(counts) = &self.final_counts else {
            return if input.by_ref {
                Access::Borrow
            } else {
                Access::Take
            };
        };
        let consumer = self.graph.nodes[consumer].describe();
        let ty = input.ty;
        match source {
            Source::Primitive(Primitive::Body) if input.by_ref => {
                self.problems.push(BuildProblem::new(
                    ProblemKind::BodyBorrowed,
                    [consumer.clone()],
                    format!(
                        "{consumer} takes `&{ty}`, but the request body is a stream that can only be taken by value: write `body: {ty}`."
                    ),
                ));
                Access::Borrow
            }
            Source::Primitive(Primitive::Body) => {
                if counts.body.by_value > 1 {
                    self.problems.push(BuildProblem::new(
                        ProblemKind::BodyConsumedTwice,
                        [consumer.clone()],
                        format!(
                            "route `{}` takes the request body by value {} times (one of them in {consumer}); the body can be consumed once.",
                            self.route, counts.body.by_value
                        ),
                    ));
                }
                Access::Take
            }
            _ if input.by_ref => Access::Borrow,
            Source::Singleton(_) | Source::Primitive(_) => match input.cloner {
                Some(cloner) => Access::Clone(cloner),
                None => {
                    self.problems.push(not_clone(&consumer, input.ty));
                    Access::Borrow
                }
            },
            Source::Slot(slot) => {
                let owner = &self.graph.nodes[self.slot_owner[slot]];
                let uses = counts.slots[slot];
                match owner.constructor() {
                    Some(c) if c.lifecycle == Lifecycle::Transient || uses.total <= 1 => {
                        Access::Take
                    }
                    Some(c) if c.clone_if_necessary && input.cloner.is_some() => {
                        input.cloner.map_or(Access::Take, Access::Clone)
                    }
                    _ => {
                        let how = match uses.by_value {
                            1 => "moved and also borrowed".to_owned(),
                            moves => format!("moved {moves} times"),
                        };
                        let owner = owner.describe();
                        self.problems.push(BuildProblem::new(
                            ProblemKind::MovedTwice,
                            [consumer.clone(), owner.clone()],
                            format!(
                                "in route `{}`, the request-scoped `{ty}` (built by {owner}) is {how}: {consumer} takes it by value, and it has {} uses in all. Take `&{ty}` instead, or let it be cloned with `#[request_scoped(clone_if_necessary)]`.",
                                self.route, uses.total
                            ),
                        ));
                        Access::Take
                    }
                }
            }
        }
    }
}

/// Adds `step` to `order` after the steps it depends on, unless it is there already.
fn push_with_deps(steps: &[ConstructStep], step: usize, order: &mut Vec<usize>) {
    if order.contains(&step) {
        return;
    }
    for &dep in steps[step].constructor().prepare() {
        push_with_deps(steps, dep, order);
    }
    order.push(step);
}

/// Stands in for an input whose problem is already reported; the plan is never run.
fn placeholder() -> InputPlan {
    InputPlan::new(Source::Primitive(Primitive::Head), Access::Borrow)
}
