//! The component graph of a blueprint and its nested blueprints, and the checks that need
//! only the graph: missing inputs, conflicting providers, cycles, lifecycles, fallible
//! dependencies of error handlers and observers, and which error handler each error goes to.
//!
//! Each blueprint is a scope. A component's inputs are looked up from the scope it is
//! registered in, outwards; an error's handler from the scope of the route being served,
//! outwards, so that a nested blueprint's handler wins on its own routes.

use std::any::TypeId;
use std::collections::{HashMap, HashSet};
use std::panic::Location;
use std::time::Duration;

use super::report::{
    BuildProblem, BuildWarning, InvolvedComponent, InvolvedKind, ProblemKind, WarningKind,
};
use super::{Blueprint, Registered};
use crate::component::docs::Responses;
use crate::component::{AnyComponent, DEFAULT_FALLBACK, RouteCheck};
use crate::component::{ComponentMeta, Constructor, ErrorHandler, Lifecycle, Signature, TypeMeta};
use crate::di::Primitive;
use crate::extract::BodySizeLimit;
use crate::response::ErrorFormat;

/// A registered component, with its signature computed.
pub(super) struct Node {
    pub(super) meta: ComponentMeta,
    pub(super) at: &'static Location<'static>,
    pub(super) sig: Signature,
    pub(super) kind: AnyComponent,
    /// The error handler attached to this component (a node index).
    pub(super) handler_override: Option<usize>,
    /// The blueprint it was registered in (an index into the graph's scopes).
    pub(super) scope: usize,
    /// The body size limit set on this route, if any.
    pub(super) body_size_limit: Option<BodySizeLimit>,
    /// The body read timeout set on this route, if any; `Some(None)` disables it.
    pub(super) body_read_timeout: Option<Option<Duration>>,
    /// Provided by watchful (an extractor, its default error handler, the default fallback)
    /// rather than registered.
    builtin: bool,
    /// For an extractor: checks a route's parameter names.
    pub(super) check_route: Option<RouteCheck>,
}

impl Node {
    /// The node as problems and warnings name it.
    pub(super) fn describe(&self) -> InvolvedComponent {
        match self.builtin {
            true => InvolvedComponent::builtin(&self.meta),
            false => InvolvedComponent::component(&self.meta, self.at),
        }
    }

    pub(super) fn constructor(&self) -> Option<&Constructor> {
        match &self.kind {
            AnyComponent::Constructor(constructor) => Some(constructor),
            _ => None,
        }
    }
}

/// What provides a value of a given type.
#[derive(Clone, Copy)]
pub(super) enum Provider {
    Primitive(Primitive),
    /// A prebuilt value or a singleton constructor's output: an index into the app's singletons.
    Singleton(usize),
    /// A request-scoped or transient constructor (a node index).
    Constructor(usize),
}

/// Where a singleton comes from.
#[derive(Clone, Copy)]
pub(super) enum SingletonSource {
    /// The n-th prebuilt value, counting through the blueprints depth-first.
    Prebuilt(usize),
    /// A singleton constructor (a node index).
    Constructor(usize),
}

/// Which error handler an error goes to.
#[derive(Clone, Copy)]
pub(super) enum Selection {
    Handler { node: usize, catch_all: bool },
    Builtin,
}

/// One blueprint: what it registered, and what it inherits.
pub(super) struct BlueprintScope {
    pub(super) parent: Option<usize>,
    /// How messages name this blueprint; `None` for the root.
    nested_as: Option<InvolvedComponent>,
    /// The path prefix of its routes, its parents' included.
    pub(super) prefix: String,
    providers: HashMap<TypeId, Provider>,
    /// Its error handlers (node indices), by the type of error they handle.
    handlers_by_type: HashMap<TypeId, usize>,
    pub(super) observers: Vec<usize>,
    pub(super) middleware: Vec<usize>,
    /// Its tower layers, each with the number of middleware registered before it.
    pub(super) tower_layers: Vec<(usize, crate::tower::RegisteredLayer)>,
    pub(super) fallback: Option<usize>,
    pub(super) deny_error_fallback: bool,
    pub(super) request_timeout: Option<Duration>,
    pub(super) body_size_limit: BodySizeLimit,
    /// How the framework writes its own error responses here, inherited.
    pub(super) error_format: ErrorFormat,
    /// How long a request body may take to arrive here, inherited.
    pub(super) body_read_timeout: Option<Duration>,
    /// The OpenAPI tag of its operations, inherited.
    #[cfg(feature = "openapi")]
    pub(super) openapi_tag: Option<String>,
}

pub(super) struct Graph {
    pub(super) nodes: Vec<Node>,
    pub(super) scopes: Vec<BlueprintScope>,
    pub(super) routes: Vec<usize>,
    /// The tower services mounted under a prefix, with their scope.
    pub(super) services: Vec<(usize, crate::tower::RegisteredService)>,
    /// The app's singletons, in order.
    pub(super) singletons: Vec<SingletonSource>,
    prebuilt_count: usize,
    /// The fallback of a root blueprint that registers none (a node index).
    pub(super) default_fallback: usize,
    /// The default handlers of the extractors' errors (node indices), by error type.
    default_handlers: HashMap<TypeId, usize>,
    /// Who provides each type in each scope, for messages.
    owners: HashMap<(usize, TypeId), InvolvedComponent>,
}

impl Graph {
    /// Collects the components of the blueprint and of its nested blueprints, and runs every
    /// graph check.
    pub(super) fn new(bp: &Blueprint, problems: &mut Vec<BuildProblem>) -> Self {
        let mut graph = Graph {
            nodes: Vec::new(),
            scopes: Vec::new(),
            routes: Vec::new(),
            services: Vec::new(),
            singletons: Vec::new(),
            prebuilt_count: 0,
            default_fallback: 0,
            default_handlers: HashMap::new(),
            owners: HashMap::new(),
        };
        graph.collect(bp, None, String::new(), problems);
        let default = DEFAULT_FALLBACK;
        graph.default_fallback = graph.push_builtin(default.meta, AnyComponent::Fallback(default));
        graph.register_extractors();
        graph.check_inputs(problems);
        graph.check_cycles(problems);
        graph.check_singletons(problems);
        graph.check_fallible_dependencies(problems);
        graph.check_attached_handlers(problems);
        graph
    }

    /// Adds the scope of `bp` and its components, then its nested blueprints, depth-first.
    /// `parent` is the scope `bp` is nested in, with `bp` as messages name it.
    fn collect(
        &mut self,
        bp: &Blueprint,
        parent: Option<(usize, InvolvedComponent)>,
        prefix: String,
        problems: &mut Vec<BuildProblem>,
    ) {
        let scope = self.scopes.len();
        let (parent, nested_as) = parent.unzip();
        let inherited = parent.map(|parent| {
            let parent = &self.scopes[parent];
            (
                parent.deny_error_fallback,
                parent.request_timeout,
                parent.body_size_limit,
                parent.body_read_timeout,
                parent.error_format,
            )
        });
        self.scopes.push(BlueprintScope {
            parent,
            nested_as,
            prefix,
            providers: HashMap::new(),
            handlers_by_type: HashMap::new(),
            observers: Vec::new(),
            middleware: Vec::new(),
            tower_layers: bp.tower_layers.clone(),
            fallback: None,
            deny_error_fallback: bp.deny_error_fallback || inherited.is_some_and(|(deny, ..)| deny),
            request_timeout: bp.request_timeout.unwrap_or_else(|| {
                inherited.map_or(
                    Some(Blueprint::DEFAULT_REQUEST_TIMEOUT),
                    |(_, timeout, ..)| timeout,
                )
            }),
            body_size_limit: bp.body_size_limit.unwrap_or_else(|| {
                inherited.map_or(BodySizeLimit::DEFAULT, |(_, _, limit, ..)| limit)
            }),
            body_read_timeout: bp.body_read_timeout.unwrap_or_else(|| {
                inherited.map_or(
                    Some(Blueprint::DEFAULT_BODY_READ_TIMEOUT),
                    |(.., timeout, _)| timeout,
                )
            }),
            error_format: match bp.problem_details {
                true => ErrorFormat::Problem,
                false => inherited.map_or(ErrorFormat::Text, |(.., format)| format),
            },
            #[cfg(feature = "openapi")]
            openapi_tag: bp
                .openapi
                .tag
                .clone()
                .or_else(|| parent.and_then(|parent| self.scopes[parent].openapi_tag.clone())),
        });

        for registered in &bp.routes {
            let node = self.add(registered, scope, |r| (r.meta, AnyComponent::Route(*r)));
            self.nodes[node].body_size_limit = registered.body_size_limit;
            self.nodes[node].body_read_timeout = registered.body_read_timeout;
            self.routes.push(node);
        }
        for (index, prebuilt) in bp.prebuilt.iter().enumerate() {
            let owner = InvolvedComponent::prebuilt(prebuilt.ty, prebuilt.at);
            if self.claim(scope, prebuilt.ty, owner, problems) {
                let provider = Provider::Singleton(self.singletons.len());
                self.singletons
                    .push(SingletonSource::Prebuilt(self.prebuilt_count + index));
                self.scopes[scope]
                    .providers
                    .insert(prebuilt.ty.id, provider);
            }
        }
        self.prebuilt_count += bp.prebuilt.len();
        for registered in &bp.constructors {
            let node = self.add(registered, scope, |c| {
                (c.meta, AnyComponent::Constructor(*c))
            });
            self.register_constructor(node, problems);
        }
        for registered in &bp.error_handlers {
            let node = self.add(registered, scope, |h| {
                (h.meta, AnyComponent::ErrorHandler(*h))
            });
            self.register_handler(node, problems);
        }
        for registered in &bp.observers {
            let node = self.add(registered, scope, |o| {
                (o.meta, AnyComponent::ErrorObserver(*o))
            });
            self.scopes[scope].observers.push(node);
        }
        for registered in &bp.middleware {
            let node = self.add(registered, scope, |m| (m.meta(), *m));
            self.scopes[scope].middleware.push(node);
        }
        let services = bp.services.iter().map(|service| (scope, service.clone()));
        self.services.extend(services);
        for registered in &bp.fallbacks {
            let node = self.add(registered, scope, |f| (f.meta, AnyComponent::Fallback(*f)));
            match self.scopes[scope].fallback {
                Some(first) => {
                    let (first, second) =
                        (self.nodes[first].describe(), self.nodes[node].describe());
                    problems.push(BuildProblem::new(
                        ProblemKind::DuplicateFallback,
                        [first.clone(), second.clone()],
                        format!("two fallbacks in one blueprint: {first} and {second}. Keep one."),
                    ))
                }
                None => self.scopes[scope].fallback = Some(node),
            }
        }

        for nested in &bp.nested {
            let mut prefix = self.scopes[scope].prefix.clone();
            if let Some(own) = &nested.prefix {
                let blueprint = InvolvedComponent::nested(own, nested.at);
                let trimmed = own.trim_end_matches('/');
                let message = if !own.starts_with('/') {
                    Some(format!(
                        "the prefix `{own}` of {blueprint} does not start with `/`. Write `/{trimmed}`."
                    ))
                } else if own.ends_with('/') {
                    Some(format!(
                        "the prefix `{own}` of {blueprint} ends with `/`. Write `{trimmed}`: routes start with `/` themselves."
                    ))
                } else {
                    None
                };
                if let Some(message) = message {
                    problems.push(BuildProblem::new(
                        ProblemKind::InvalidPrefix,
                        [blueprint],
                        message,
                    ));
                }
                prefix.push_str(own);
            }
            let child =
                InvolvedComponent::nested(nested.prefix.as_deref().unwrap_or(""), nested.at);
            self.collect(&nested.blueprint, Some((scope, child)), prefix, problems);
        }
    }

    fn add<C>(
        &mut self,
        registered: &Registered<C>,
        scope: usize,
        split: impl Fn(&C) -> (ComponentMeta, AnyComponent),
    ) -> usize {
        let handler_override = registered.error_handler.as_ref().map(|handler| {
            self.push(
                handler.component.meta,
                handler.at,
                AnyComponent::ErrorHandler(handler.component),
                scope,
            )
        });
        let (meta, kind) = split(&registered.component);
        let node = self.push(meta, registered.at, kind, scope);
        self.nodes[node].handler_override = handler_override;
        node
    }

    fn push(
        &mut self,
        meta: ComponentMeta,
        at: &'static Location<'static>,
        kind: AnyComponent,
        scope: usize,
    ) -> usize {
        self.nodes.push(Node {
            meta,
            at,
            sig: (meta.signature)(),
            kind,
            handler_override: None,
            scope,
            body_size_limit: None,
            body_read_timeout: None,
            builtin: false,
            check_route: None,
        });
        self.nodes.len() - 1
    }

    /// Adds a component of watchful's own to the root blueprint.
    fn push_builtin(&mut self, meta: ComponentMeta, kind: AnyComponent) -> usize {
        let node = self.push(meta, Location::caller(), kind, 0);
        self.nodes[node].builtin = true;
        node
    }

    /// Registers in the root blueprint each extractor that a component takes and that nothing
    /// provides, with its default error handler.
    fn register_extractors(&mut self) {
        // The extractors' own inputs are primitives: the nodes added here need nothing more.
        for node in 0..self.nodes.len() {
            let scope = self.nodes[node].scope;
            for index in 0..self.nodes[node].sig.inputs.len() {
                let input = self.nodes[node].sig.inputs[index];
                let Some(extractor) = input.extractor else {
                    continue;
                };
                if self.provider(scope, input.ty.id).is_some() {
                    continue;
                }
                let constructor = Constructor::new(
                    Lifecycle::RequestScoped,
                    false,
                    extractor.meta,
                    extractor.construct,
                );
                let built =
                    self.push_builtin(constructor.meta, AnyComponent::Constructor(constructor));
                self.nodes[built].check_route = Some(extractor.check_route);
                self.scopes[0]
                    .providers
                    .insert(input.ty.id, Provider::Constructor(built));
                if let Some((meta, call, statuses)) = extractor.rejection_handler {
                    let handler = ErrorHandler {
                        responses: Responses::Framework(statuses),
                        ..ErrorHandler::new(meta, call)
                    };
                    let handler =
                        self.push_builtin(handler.meta, AnyComponent::ErrorHandler(handler));
                    if let Some(error) = self.nodes[handler].sig.error {
                        self.default_handlers.insert(error.id, handler);
                    }
                }
            }
        }
    }

    /// The scope and its parents, innermost first.
    pub(super) fn ancestry(&self, scope: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(Some(scope), |&scope| self.scopes[scope].parent)
    }

    /// Records that `owner` provides `ty` in `scope`, unless a primitive, the scope or a
    /// parent already provides it.
    fn claim(
        &mut self,
        scope: usize,
        ty: TypeMeta,
        owner: InvolvedComponent,
        problems: &mut Vec<BuildProblem>,
    ) -> bool {
        let name = ty;
        if Primitive::of(ty.id).is_some() {
            problems.push(BuildProblem::new(
                ProblemKind::ProvidesFrameworkValue,
                [owner.clone()],
                format!(
                    "{owner} provides `{name}`, which the framework already provides to every request. Remove it."
                ),
            ));
            return false;
        }
        let first = self
            .ancestry(scope)
            .find_map(|scope| self.owners.get(&(scope, ty.id)));
        if let Some(first) = first {
            problems.push(BuildProblem::new(
                ProblemKind::ProvidedTwice,
                [first.clone(), owner.clone()],
                format!("`{name}` is provided twice: by {first} and by {owner}. Keep one of them."),
            ));
            return false;
        }
        self.owners.insert((scope, ty.id), owner);
        true
    }

    fn register_constructor(&mut self, node: usize, problems: &mut Vec<BuildProblem>) {
        let (Some(output), Some(constructor)) =
            (self.nodes[node].sig.output, self.nodes[node].constructor())
        else {
            return;
        };
        let lifecycle = constructor.lifecycle;
        let scope = self.nodes[node].scope;
        if !self.claim(scope, output, self.nodes[node].describe(), problems) {
            return;
        }
        let provider = if lifecycle == Lifecycle::Singleton {
            self.singletons.push(SingletonSource::Constructor(node));
            Provider::Singleton(self.singletons.len() - 1)
        } else {
            Provider::Constructor(node)
        };
        self.scopes[scope].providers.insert(output.id, provider);
    }

    fn register_handler(&mut self, node: usize, problems: &mut Vec<BuildProblem>) {
        let Some(error) = self.nodes[node].sig.error else {
            return;
        };
        let scope = self.nodes[node].scope;
        match self.scopes[scope].handlers_by_type.get(&error.id) {
            Some(first) => {
                let (first, second) = (self.nodes[*first].describe(), self.nodes[node].describe());
                problems.push(BuildProblem::new(
                    ProblemKind::DuplicateErrorHandler,
                    [first.clone(), second.clone()],
                    format!(
                        "two error handlers for `{}`: {first} and {second}. Keep one, or attach one to a specific component with `.error_handler(..)`.",
                        error
                    ),
                ))
            }
            None => {
                self.scopes[scope].handlers_by_type.insert(error.id, node);
            }
        }
    }

    /// What provides `ty` to a component registered in `scope`.
    pub(super) fn provider(&self, scope: usize, ty: TypeId) -> Option<Provider> {
        if let Some(primitive) = Primitive::of(ty) {
            return Some(Provider::Primitive(primitive));
        }
        self.ancestry(scope)
            .find_map(|scope| self.scopes[scope].providers.get(&ty).copied())
    }

    /// The constructor node that provides `ty` in `scope`, if a constructor does.
    pub(super) fn constructor_of(&self, scope: usize, ty: TypeId) -> Option<usize> {
        match self.provider(scope, ty)? {
            Provider::Constructor(node) => Some(node),
            Provider::Singleton(index) => match self.singletons[index] {
                SingletonSource::Constructor(node) => Some(node),
                SingletonSource::Prebuilt(_) => None,
            },
            Provider::Primitive(_) => None,
        }
    }

    fn check_inputs(&self, problems: &mut Vec<BuildProblem>) {
        for node in &self.nodes {
            for input in &node.sig.inputs {
                if self.provider(node.scope, input.ty.id).is_none() {
                    problems.push(self.missing_input(node, input.ty));
                }
            }
        }
    }

    /// The problem of `consumer` needing `ty` that nothing in its reach provides: out of scope
    /// when a nested blueprint provides it, else missing.
    fn missing_input(&self, consumer: &Node, ty: TypeMeta) -> BuildProblem {
        let consumer = consumer.describe();
        let name = ty;
        let elsewhere = self.scopes.iter().enumerate().find_map(|(scope, bp)| {
            let owner = self.owners.get(&(scope, ty.id))?;
            Some((owner.clone(), bp.nested_as.clone()?))
        });
        let Some((owner, nested)) = elsewhere else {
            return BuildProblem::new(
                ProblemKind::MissingInput,
                [consumer.clone()],
                format!(
                    "{consumer} needs `{name}`, but nothing constructs it. Register a constructor that returns `{name}` with `bp.constructor(..)`, or a value with `bp.prebuilt(..)`."
                ),
            );
        };
        let provides = match owner.kind() {
            InvolvedKind::Prebuilt => format!("{owner} provides it"),
            _ => format!("{owner} constructs it"),
        };
        BuildProblem::new(
            ProblemKind::MissingInput,
            [consumer.clone(), owner, nested.clone()],
            format!(
                "{consumer} needs `{name}`, and {provides}, but out of its reach: it is registered in {nested}, and a nested blueprint provides values only to its own components and to those of the blueprints nested in it. Register it in a blueprint that contains both, such as the root, or register the consumer in that nested blueprint."
            ),
        )
    }

    /// The constructor nodes a node's inputs come from.
    fn dependencies(&self, node: usize) -> impl Iterator<Item = (TypeMeta, usize)> + '_ {
        self.nodes[node].sig.inputs.iter().filter_map(move |input| {
            let scope = self.nodes[node].scope;
            Some((input.ty, self.constructor_of(scope, input.ty.id)?))
        })
    }

    fn check_cycles(&self, problems: &mut Vec<BuildProblem>) {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Open,
            Done,
        }
        fn visit(
            graph: &Graph,
            node: usize,
            marks: &mut [Mark],
            stack: &mut Vec<(usize, TypeMeta)>,
            problems: &mut Vec<BuildProblem>,
        ) {
            marks[node] = Mark::Open;
            for (ty, dependency) in graph.dependencies(node) {
                stack.push((node, ty));
                match marks[dependency] {
                    Mark::New => visit(graph, dependency, marks, stack, problems),
                    Mark::Open => {
                        let start = stack
                            .iter()
                            .position(|(n, _)| *n == dependency)
                            .unwrap_or(0);
                        let cycle = &stack[start..];
                        let mut message = String::from("dependency cycle:");
                        for (n, ty) in cycle {
                            message.push_str(&format!(
                                "\n   {} needs `{}`, built by",
                                graph.nodes[*n].describe(),
                                ty
                            ));
                        }
                        message.push_str(&format!(
                            "\n   {}.\n   Break the cycle by removing one of these inputs.",
                            graph.nodes[dependency].describe()
                        ));
                        let components = cycle.iter().map(|(n, _)| graph.nodes[*n].describe());
                        problems.push(BuildProblem::new(ProblemKind::Cycle, components, message));
                    }
                    Mark::Done => {}
                }
                stack.pop();
            }
            marks[node] = Mark::Done;
        }
        let mut marks = vec![Mark::New; self.nodes.len()];
        for node in 0..self.nodes.len() {
            if marks[node] == Mark::New && self.nodes[node].constructor().is_some() {
                visit(self, node, &mut marks, &mut Vec::new(), problems);
            }
        }
    }

    fn check_singletons(&self, problems: &mut Vec<BuildProblem>) {
        for &source in &self.singletons {
            let SingletonSource::Constructor(node) = source else {
                continue;
            };
            let singleton = self.nodes[node].describe();
            for input in &self.nodes[node].sig.inputs {
                let (what, advice, dependency) = match self
                    .provider(self.nodes[node].scope, input.ty.id)
                {
                    Some(Provider::Primitive(_)) => (
                        "a per-request value provided by the framework".to_owned(),
                        "make this constructor request-scoped",
                        None,
                    ),
                    Some(Provider::Constructor(dependency)) => {
                        let dependency = &self.nodes[dependency];
                        let lifecycle = dependency
                            .constructor()
                            .map_or(Lifecycle::RequestScoped, |c| c.lifecycle);
                        (
                            format!("{lifecycle}, built by {}", dependency.describe()),
                            "make that dependency a singleton too, or make this constructor request-scoped",
                            Some(dependency.describe()),
                        )
                    }
                    _ => continue,
                };
                problems.push(BuildProblem::new(
                    ProblemKind::SingletonDependsOnRequestScope,
                    std::iter::once(singleton.clone()).chain(dependency),
                    format!(
                        "the singleton {singleton} depends on `{}`, which is {what}. A singleton is built once, before any request: {advice}.",
                        input.ty
                    ),
                ));
            }
        }
    }

    /// A chain of constructors from `node` to one that can fail, if there is one.
    fn fallible_path(&self, node: usize, seen: &mut Vec<usize>) -> Option<Vec<usize>> {
        for (_, dependency) in self.dependencies(node) {
            if seen.contains(&dependency) {
                continue;
            }
            seen.push(dependency);
            let dep = &self.nodes[dependency];
            let per_request = dep
                .constructor()
                .is_some_and(|c| c.lifecycle != Lifecycle::Singleton);
            if per_request && dep.sig.error.is_some() {
                return Some(vec![dependency]);
            }
            if let Some(mut path) = self.fallible_path(dependency, seen) {
                path.insert(0, dependency);
                return Some(path);
            }
        }
        None
    }

    fn check_fallible_dependencies(&self, problems: &mut Vec<BuildProblem>) {
        for (index, node) in self.nodes.iter().enumerate() {
            let (what, kind) = match node.kind {
                AnyComponent::ErrorObserver(_) => {
                    ("error observer", ProblemKind::FallibleObserverInput)
                }
                AnyComponent::ErrorHandler(_) => {
                    ("error handler", ProblemKind::FallibleErrorHandlerInput)
                }
                _ => continue,
            };
            if let Some(path) = self.fallible_path(index, &mut Vec::new()) {
                let chain: Vec<InvolvedComponent> =
                    path.iter().map(|n| self.nodes[*n].describe()).collect();
                let names: Vec<String> = chain.iter().map(ToString::to_string).collect();
                let component = node.describe();
                problems.push(BuildProblem::new(
                    kind,
                    std::iter::once(component.clone()).chain(chain),
                    format!(
                        "the {what} {component} depends on a constructor that can fail: {}. An {what} runs after an error and must not fail itself: take only values whose constructors return no `Result`.",
                        names.join(", which depends on ")
                    ),
                ));
            }
        }
    }

    fn check_attached_handlers(&self, problems: &mut Vec<BuildProblem>) {
        for node in &self.nodes {
            let Some(handler) = node.handler_override.map(|h| &self.nodes[h]) else {
                continue;
            };
            let handled = handler.sig.error;
            let (handler, component) = (handler.describe(), node.describe());
            let message = match node.sig.error {
                None => format!(
                    "the error handler {handler} is attached to {component}, which cannot fail (it does not return a `Result`). Remove the error handler."
                ),
                Some(error)
                    if handled.map(|t| t.id) != Some(error.id)
                        && handled.map(|t| t.id) != Some(TypeId::of::<crate::Error>()) =>
                {
                    let takes = handled.map_or_else(|| "?".to_owned(), |t| t.to_string());
                    format!(
                        "the error handler {handler} takes `&{takes}`, but {component} fails with `{error}`. Attach a handler whose first input is `&{error}`."
                    )
                }
                Some(_) => continue,
            };
            problems.push(BuildProblem::new(
                ProblemKind::MisattachedErrorHandler,
                [handler, component],
                message,
            ));
        }
    }

    /// Warns about each blueprint-wide error handler that never runs: no component on the
    /// routes and fallbacks of its blueprint, or of the blueprints nested in it, can fail with
    /// its error type. `raised` holds the error types each route or fallback can fail with,
    /// framework errors included, by the route's scope. A catch-all is never unused.
    pub(super) fn unused_handlers(&self, raised: &HashSet<(usize, TypeId)>) -> Vec<BuildWarning> {
        let mut warnings = Vec::new();
        for (index, node) in self.nodes.iter().enumerate() {
            let Some(error) = node
                .sig
                .error
                .filter(|_| matches!(node.kind, AnyComponent::ErrorHandler(_)))
            else {
                continue;
            };
            let blueprint_wide =
                self.scopes[node.scope].handlers_by_type.get(&error.id) == Some(&index);
            let is_raised = raised.iter().any(|&(scope, ty)| {
                ty == error.id && self.ancestry(scope).any(|s| s == node.scope)
            });
            if !blueprint_wide || error.id == TypeId::of::<crate::Error>() || is_raised {
                continue;
            }
            let (handler, error) = (node.describe(), error);
            warnings.push(BuildWarning::new(
                WarningKind::UnusedErrorHandler,
                [handler.clone()],
                format!(
                    "the error handler {handler} handles `{error}`, but no component on the routes and fallbacks of its blueprint, or of the blueprints nested in it, can fail with `{error}`: it never runs. Remove it, or register it in the blueprint whose components fail with `{error}`."
                ),
            ));
        }
        warnings
    }

    /// The handler for errors of type `error` on the routes of `scope`: the nearest
    /// blueprint's handler for that type.
    pub(super) fn handler_for(&self, scope: usize, error: TypeId) -> Option<usize> {
        self.ancestry(scope)
            .find_map(|scope| self.scopes[scope].handlers_by_type.get(&error).copied())
    }

    /// Where the errors of the fallible component `node` go on a route of `route_scope`: the
    /// handler attached to it, the nearest handler for its error type, watchful's default
    /// handler for an extractor's error, the nearest catch-all, or the built-in 500. The second
    /// value is the warning about a fallback to the last two (a problem, when denied). `None`
    /// if it cannot fail.
    pub(super) fn select(
        &self,
        node: usize,
        route_scope: usize,
    ) -> Option<(Selection, Option<BuildWarning>)> {
        let component = &self.nodes[node];
        let error = component.sig.error?;
        let is_catch_all = |handler: usize| {
            self.nodes[handler].sig.error.map(|t| t.id) == Some(TypeId::of::<crate::Error>())
        };
        if let Some(handler) = component
            .handler_override
            .or_else(|| self.handler_for(route_scope, error.id))
            .or_else(|| self.default_handlers.get(&error.id).copied())
        {
            let selection = Selection::Handler {
                node: handler,
                catch_all: is_catch_all(handler),
            };
            return Some((selection, None));
        }
        let catch_all = self.handler_for(route_scope, TypeId::of::<crate::Error>());
        let catch_all_named = catch_all.map(|handler| self.nodes[handler].describe());
        let fallback = match &catch_all_named {
            Some(handler) => format!("the catch-all error handler {handler}"),
            None => "the built-in handler (500 Internal Server Error)".to_owned(),
        };
        let described = component.describe();
        let message = format!(
            "{described} can fail with `{}`, which has no error handler, so its errors fall back to {fallback}. Register one with `bp.error_handler(..)`, or attach one with `.error_handler(..)`.",
            error
        );
        let warning = BuildWarning::new(
            WarningKind::MissingErrorHandler,
            std::iter::once(described).chain(catch_all_named),
            message,
        );
        let selection = match catch_all {
            Some(handler) => Selection::Handler {
                node: handler,
                catch_all: true,
            },
            None => Selection::Builtin,
        };
        Some((selection, Some(warning)))
    }
}
