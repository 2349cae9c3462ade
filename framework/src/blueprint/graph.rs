//! The component graph of a blueprint and its nested blueprints, and the checks that need
//! only the graph: missing inputs, conflicting providers, cycles, lifecycles, fallible
//! dependencies of error handlers and observers, and which error handler each error goes to.
//!
//! Each blueprint is a scope. A component's inputs are looked up from the scope it is
//! registered in, outwards; an error's handler from the scope of the route being served,
//! outwards, so that a nested blueprint's handler wins on its own routes.

use std::any::TypeId;
use std::collections::HashMap;
use std::panic::Location;
use std::time::Duration;

use super::report::describe;
use super::{Blueprint, Middleware, Registered};
use crate::component::{
    ComponentMeta, Constructor, ErrorHandler, ErrorObserver, Lifecycle, Route, Signature, TypeMeta,
};
use crate::component::{DEFAULT_FALLBACK, Fallback, RouteCheck};
use crate::di::Primitive;
use crate::extract::BodySizeLimit;

/// A registered component, with its signature computed.
pub(super) struct Node {
    pub(super) meta: ComponentMeta,
    pub(super) at: &'static Location<'static>,
    pub(super) sig: Signature,
    pub(super) kind: Kind,
    /// The error handler attached to this component (a node index).
    pub(super) handler_override: Option<usize>,
    /// The blueprint it was registered in (an index into the graph's scopes).
    pub(super) scope: usize,
    /// The body size limit set on this route, if any.
    pub(super) body_size_limit: Option<BodySizeLimit>,
    /// Provided by watchful (an extractor, its default error handler, the default fallback)
    /// rather than registered.
    builtin: bool,
    /// For an extractor: checks a route's parameter names.
    pub(super) check_route: Option<RouteCheck>,
}

pub(super) enum Kind {
    Route(Route),
    Constructor(Constructor),
    ErrorHandler(ErrorHandler),
    Observer(ErrorObserver),
    Middleware(Middleware),
    Fallback(Fallback),
}

impl Node {
    pub(super) fn describe(&self) -> String {
        match self.builtin {
            true => format!("`{}` (provided by watchful)", self.meta.name),
            false => describe(&self.meta, self.at),
        }
    }

    pub(super) fn constructor(&self) -> Option<&Constructor> {
        match &self.kind {
            Kind::Constructor(constructor) => Some(constructor),
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
    /// The path prefix of its routes, its parents' included.
    pub(super) prefix: String,
    providers: HashMap<TypeId, Provider>,
    /// Its error handlers (node indices), by the type of error they handle.
    handlers_by_type: HashMap<TypeId, usize>,
    pub(super) observers: Vec<usize>,
    pub(super) middleware: Vec<usize>,
    pub(super) fallback: Option<usize>,
    pub(super) deny_error_fallback: bool,
    pub(super) request_timeout: Option<Duration>,
    pub(super) body_size_limit: BodySizeLimit,
}

pub(super) struct Graph {
    pub(super) nodes: Vec<Node>,
    pub(super) scopes: Vec<BlueprintScope>,
    pub(super) routes: Vec<usize>,
    /// The app's singletons, in order.
    pub(super) singletons: Vec<SingletonSource>,
    prebuilt_count: usize,
    /// The fallback of a root blueprint that registers none (a node index).
    pub(super) default_fallback: usize,
    /// The default handlers of the extractors' errors (node indices), by error type.
    default_handlers: HashMap<TypeId, usize>,
    /// Who provides each type in each scope, for messages.
    owners: HashMap<(usize, TypeId), String>,
}

impl Graph {
    /// Collects the components of the blueprint and of its nested blueprints, and runs every
    /// graph check.
    pub(super) fn new(bp: &Blueprint, problems: &mut Vec<String>) -> Self {
        let mut graph = Graph {
            nodes: Vec::new(),
            scopes: Vec::new(),
            routes: Vec::new(),
            singletons: Vec::new(),
            prebuilt_count: 0,
            default_fallback: 0,
            default_handlers: HashMap::new(),
            owners: HashMap::new(),
        };
        graph.collect(bp, None, String::new(), problems);
        let default = DEFAULT_FALLBACK;
        graph.default_fallback = graph.push_builtin(default.meta, Kind::Fallback(default));
        graph.register_extractors();
        graph.check_inputs(problems);
        graph.check_cycles(problems);
        graph.check_singletons(problems);
        graph.check_fallible_dependencies(problems);
        graph.check_attached_handlers(problems);
        graph
    }

    /// Adds the scope of `bp` and its components, then its nested blueprints, depth-first.
    fn collect(
        &mut self,
        bp: &Blueprint,
        parent: Option<usize>,
        prefix: String,
        problems: &mut Vec<String>,
    ) {
        let scope = self.scopes.len();
        let inherited = parent.map(|parent| {
            let parent = &self.scopes[parent];
            (
                parent.deny_error_fallback,
                parent.request_timeout,
                parent.body_size_limit,
            )
        });
        self.scopes.push(BlueprintScope {
            parent,
            prefix,
            providers: HashMap::new(),
            handlers_by_type: HashMap::new(),
            observers: Vec::new(),
            middleware: Vec::new(),
            fallback: None,
            deny_error_fallback: bp.deny_error_fallback || inherited.is_some_and(|(deny, ..)| deny),
            request_timeout: bp.request_timeout.unwrap_or_else(|| {
                inherited.map_or(
                    Some(Blueprint::DEFAULT_REQUEST_TIMEOUT),
                    |(_, timeout, _)| timeout,
                )
            }),
            body_size_limit: bp
                .body_size_limit
                .unwrap_or_else(|| inherited.map_or(BodySizeLimit::DEFAULT, |(.., limit)| limit)),
        });

        for registered in &bp.routes {
            let node = self.add(registered, scope, |r| (r.meta, Kind::Route(*r)));
            self.nodes[node].body_size_limit = registered.body_size_limit;
            self.routes.push(node);
        }
        for (index, prebuilt) in bp.prebuilt.iter().enumerate() {
            let owner = format!(
                "the prebuilt value registered at {}:{}",
                prebuilt.at.file(),
                prebuilt.at.line()
            );
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
            let node = self.add(registered, scope, |c| (c.meta, Kind::Constructor(*c)));
            self.register_constructor(node, problems);
        }
        for registered in &bp.error_handlers {
            let node = self.add(registered, scope, |h| (h.meta, Kind::ErrorHandler(*h)));
            self.register_handler(node, problems);
        }
        for registered in &bp.observers {
            let node = self.add(registered, scope, |o| (o.meta, Kind::Observer(*o)));
            self.scopes[scope].observers.push(node);
        }
        for registered in &bp.middleware {
            let node = self.add(registered, scope, |m| {
                let meta = match m {
                    Middleware::Wrap(w) => w.meta,
                    Middleware::Pre(p) => p.meta,
                    Middleware::Post(p) => p.meta,
                };
                (meta, Kind::Middleware(*m))
            });
            self.scopes[scope].middleware.push(node);
        }
        for registered in &bp.fallbacks {
            let node = self.add(registered, scope, |f| (f.meta, Kind::Fallback(*f)));
            match self.scopes[scope].fallback {
                Some(first) => problems.push(format!(
                    "two fallbacks in one blueprint: {} and {}. Keep one.",
                    self.nodes[first].describe(),
                    self.nodes[node].describe()
                )),
                None => self.scopes[scope].fallback = Some(node),
            }
        }

        for nested in &bp.nested {
            let mut prefix = self.scopes[scope].prefix.clone();
            if let Some(own) = &nested.prefix {
                let at = format!("{}:{}", nested.at.file(), nested.at.line());
                if !own.starts_with('/') {
                    problems.push(format!(
                        "the prefix `{own}` of the blueprint nested at {at} does not start with `/`. Write `/{}`.",
                        own.trim_end_matches('/')
                    ));
                } else if own.ends_with('/') {
                    problems.push(format!(
                        "the prefix `{own}` of the blueprint nested at {at} ends with `/`. Write `{}`: routes start with `/` themselves.",
                        own.trim_end_matches('/')
                    ));
                }
                prefix.push_str(own);
            }
            self.collect(&nested.blueprint, Some(scope), prefix, problems);
        }
    }

    fn add<C>(
        &mut self,
        registered: &Registered<C>,
        scope: usize,
        split: impl Fn(&C) -> (ComponentMeta, Kind),
    ) -> usize {
        let handler_override = registered.error_handler.as_ref().map(|handler| {
            self.push(
                handler.component.meta,
                handler.at,
                Kind::ErrorHandler(handler.component),
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
        kind: Kind,
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
            builtin: false,
            check_route: None,
        });
        self.nodes.len() - 1
    }

    /// Adds a component of watchful's own to the root blueprint.
    fn push_builtin(&mut self, meta: ComponentMeta, kind: Kind) -> usize {
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
                let built = self.push_builtin(constructor.meta, Kind::Constructor(constructor));
                self.nodes[built].check_route = Some(extractor.check_route);
                self.scopes[0]
                    .providers
                    .insert(input.ty.id, Provider::Constructor(built));
                if let Some((meta, call)) = extractor.rejection_handler {
                    let handler = ErrorHandler::new(meta, call);
                    let handler = self.push_builtin(handler.meta, Kind::ErrorHandler(handler));
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
        owner: String,
        problems: &mut Vec<String>,
    ) -> bool {
        if Primitive::of(ty.id).is_some() {
            problems.push(format!(
                "{owner} provides `{ty}`, which the framework already provides to every request. Remove it."
            ));
            return false;
        }
        let first = self
            .ancestry(scope)
            .find_map(|scope| self.owners.get(&(scope, ty.id)));
        if let Some(first) = first {
            problems.push(format!(
                "`{ty}` is provided twice: by {first} and by {owner}. Keep one of them."
            ));
            return false;
        }
        self.owners.insert((scope, ty.id), owner);
        true
    }

    fn register_constructor(&mut self, node: usize, problems: &mut Vec<String>) {
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

    fn register_handler(&mut self, node: usize, problems: &mut Vec<String>) {
        let Some(error) = self.nodes[node].sig.error else {
            return;
        };
        let scope = self.nodes[node].scope;
        match self.scopes[scope].handlers_by_type.get(&error.id) {
            Some(first) => problems.push(format!(
                "two error handlers for `{error}`: {} and {}. Keep one, or attach one to a specific component with `.error_handler(..)`.",
                self.nodes[*first].describe(),
                self.nodes[node].describe()
            )),
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

    fn check_inputs(&self, problems: &mut Vec<String>) {
        for node in &self.nodes {
            for input in &node.sig.inputs {
                if self.provider(node.scope, input.ty.id).is_none() {
                    let ty = input.ty;
                    problems.push(format!(
                        "{} needs `{ty}`, but nothing constructs it. Register a constructor that returns `{ty}` with `bp.constructor(..)`, or a value with `bp.prebuilt(..)`.",
                        node.describe()
                    ));
                }
            }
        }
    }

    /// The constructor nodes a node's inputs come from.
    fn dependencies(&self, node: usize) -> impl Iterator<Item = (TypeMeta, usize)> + '_ {
        self.nodes[node].sig.inputs.iter().filter_map(move |input| {
            let scope = self.nodes[node].scope;
            Some((input.ty, self.constructor_of(scope, input.ty.id)?))
        })
    }

    fn check_cycles(&self, problems: &mut Vec<String>) {
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
            problems: &mut Vec<String>,
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
                        let mut message = String::from("dependency cycle:");
                        for (n, ty) in &stack[start..] {
                            message.push_str(&format!(
                                "\n   {} needs `{ty}`, built by",
                                graph.nodes[*n].describe()
                            ));
                        }
                        message.push_str(&format!(
                            "\n   {}.\n   Break the cycle by removing one of these inputs.",
                            graph.nodes[dependency].describe()
                        ));
                        problems.push(message);
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

    fn check_singletons(&self, problems: &mut Vec<String>) {
        for &source in &self.singletons {
            let SingletonSource::Constructor(node) = source else {
                continue;
            };
            for input in &self.nodes[node].sig.inputs {
                let (what, advice) = match self.provider(self.nodes[node].scope, input.ty.id) {
                    Some(Provider::Primitive(_)) => (
                        "a per-request value provided by the framework".to_owned(),
                        "make this constructor request-scoped",
                    ),
                    Some(Provider::Constructor(dependency)) => {
                        let dependency = &self.nodes[dependency];
                        let lifecycle = dependency
                            .constructor()
                            .map_or(Lifecycle::RequestScoped, |c| c.lifecycle);
                        (
                            format!("{lifecycle}, built by {}", dependency.describe()),
                            "make that dependency a singleton too, or make this constructor request-scoped",
                        )
                    }
                    _ => continue,
                };
                problems.push(format!(
                    "the singleton {} depends on `{}`, which is {what}. A singleton is built once, before any request: {advice}.",
                    self.nodes[node].describe(),
                    input.ty
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

    fn check_fallible_dependencies(&self, problems: &mut Vec<String>) {
        for (index, node) in self.nodes.iter().enumerate() {
            let what = match node.kind {
                Kind::Observer(_) => "error observer",
                Kind::ErrorHandler(_) => "error handler",
                _ => continue,
            };
            if let Some(path) = self.fallible_path(index, &mut Vec::new()) {
                let chain: Vec<String> = path.iter().map(|n| self.nodes[*n].describe()).collect();
                problems.push(format!(
                    "the {what} {} depends on a constructor that can fail: {}. An {what} runs after an error and must not fail itself: take only values whose constructors return no `Result`.",
                    node.describe(),
                    chain.join(", which depends on ")
                ));
            }
        }
    }

    fn check_attached_handlers(&self, problems: &mut Vec<String>) {
        for node in &self.nodes {
            let Some(handler) = node.handler_override.map(|h| &self.nodes[h]) else {
                continue;
            };
            let handled = handler.sig.error.map(|t| t.id);
            match node.sig.error {
                None => problems.push(format!(
                    "the error handler {} is attached to {}, which cannot fail (it does not return a `Result`). Remove the error handler.",
                    handler.describe(),
                    node.describe()
                )),
                Some(error) if handled != Some(error.id) && handled != Some(TypeId::of::<crate::Error>()) => {
                    problems.push(format!(
                        "the error handler {} takes `&{}`, but {} fails with `{error}`. Attach a handler whose first input is `&{error}`.",
                        handler.describe(),
                        handler.sig.error.map_or("?", |t| t.name),
                        node.describe()
                    ))
                }
                Some(_) => {}
            }
        }
    }

    /// The handler for errors of type `error` on the routes of `scope`: the nearest
    /// blueprint's handler for that type.
    pub(super) fn handler_for(&self, scope: usize, error: TypeId) -> Option<usize> {
        self.ancestry(scope)
            .find_map(|scope| self.scopes[scope].handlers_by_type.get(&error).copied())
    }

    /// Where the errors of the fallible component `node` go on a route of `route_scope`: the
    /// handler attached to it, the nearest handler for its error type, watchful's default
    /// handler for an extractor's error, the nearest catch-all, or the built-in 500. The second value explains a fallback to the last two, which
    /// `build()` reports as a warning (or a problem, when denied). `None` if it cannot fail.
    pub(super) fn select(
        &self,
        node: usize,
        route_scope: usize,
    ) -> Option<(Selection, Option<String>)> {
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
        let fallback = match catch_all {
            Some(handler) => format!(
                "the catch-all error handler {}",
                self.nodes[handler].describe()
            ),
            None => "the built-in handler (500 Internal Server Error)".to_owned(),
        };
        let message = format!(
            "{} can fail with `{error}`, which has no error handler, so its errors fall back to {fallback}. Register one with `bp.error_handler(..)`, or attach one with `.error_handler(..)`.",
            component.describe()
        );
        let selection = match catch_all {
            Some(handler) => Selection::Handler {
                node: handler,
                catch_all: true,
            },
            None => Selection::Builtin,
        };
        Some((selection, Some(message)))
    }
}
