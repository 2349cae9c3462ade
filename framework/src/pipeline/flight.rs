//! One request in flight: its scope, its errors so far, and the walk through the route's
//! middleware layers to the handler.

use std::sync::{Arc, Mutex};

use super::errors::{BUILTIN, ErrorSite};
use super::guard::guard;
use super::{Call, RoutePlan};
use crate::Error;
use crate::app::AppInner;
use crate::di::{Args, BoxFuture, InputPlan, RequestValues, Scope, Step};
use crate::error::{ErasedError, InvalidPathParameter, RequestTimeout};
use crate::middleware::{Next, Processing};
use crate::request::RequestBody;
use crate::response::Response;

/// A request being served, shared by the pipeline and by the [`Next`] of each wrapping
/// middleware.
pub(super) struct InFlight {
    pub(super) app: Arc<AppInner>,
    /// The index of the route's (or fallback's) plan.
    route: usize,
    pub(super) scope: Scope,
    /// A path parameter that did not decode: raised where the handler would run, so that the
    /// middleware run first.
    bad_path: Mutex<Option<InvalidPathParameter>>,
    /// Every error so far, in the order they happened.
    pub(super) errors: Mutex<Vec<Error>>,
}

impl InFlight {
    pub(super) fn new(
        app: Arc<AppInner>,
        route: usize,
        values: RequestValues,
        body: RequestBody,
        bad_path: Option<InvalidPathParameter>,
    ) -> Arc<Self> {
        let slot_count = app.routes[route].calls.slot_count;
        Arc::new(Self {
            app,
            route,
            scope: Scope::new(values, body, slot_count),
            bad_path: Mutex::new(bad_path),
            errors: Mutex::new(Vec::new()),
        })
    }

    pub(super) fn plan(&self) -> &RoutePlan {
        &self.app.routes[self.route]
    }

    /// Runs the whole pipeline, within the route's time limit.
    pub(super) async fn run(self: &Arc<Self>) -> Response {
        let plan = self.plan();
        let pipeline = self.layer(0);
        match plan.timeout {
            Some(limit) => match tokio::time::timeout(limit, pipeline).await {
                Ok(response) => response,
                Err(_) => {
                    let error = ErasedError::new(RequestTimeout { limit });
                    self.fail(error, &plan.calls.on_timeout).await
                }
            },
            None => pipeline.await,
        }
    }

    /// Runs layer `k`: its pre-processing middleware, then the next layer (through its
    /// wrapping middleware, if it has one) or the handler, then its post-processing middleware.
    fn layer(self: &Arc<Self>, k: usize) -> BoxFuture<'_, Response> {
        Box::pin(async move {
            let calls = &self.plan().calls;
            let layer = &calls.layers[k];
            let mut early = None;
            for pre in &layer.pre {
                match self.invoke(pre, |args| (pre.prepared.call)(args)).await {
                    Ok(Processing::Continue) => {}
                    Ok(Processing::EarlyReturn(response)) | Err(response) => {
                        early = Some(response);
                        break;
                    }
                }
            }
            let response = match early {
                Some(response) => response,
                None => match calls.layers.get(k + 1).map(|inner| &inner.wrap) {
                    Some(None) => self.layer(k + 1).await,
                    Some(Some(wrap)) => {
                        let inner = Arc::clone(self);
                        let next = Next {
                            inner: Box::pin(async move { inner.layer(k + 1).await }),
                        };
                        let wrapped = self.invoke(wrap, |args| (wrap.prepared.call)(args, next));
                        wrapped.await.unwrap_or_else(|response| response)
                    }
                    None => self.handler().await,
                },
            };
            let mut response = self.settle(response).await;
            for post in &layer.post {
                let processed = self.invoke(post, |args| (post.prepared.call)(args, response));
                response = self.settle(processed.await.unwrap_or_else(|r| r)).await;
            }
            response
        })
    }

    async fn handler(&self) -> Response {
        let calls = &self.plan().calls;
        let bad_path = super::errors::lock(&self.bad_path).take();
        if let Some(error) = bad_path {
            return self.fail(ErasedError::new(error), &calls.on_bad_path).await;
        }
        let handler = &calls.handler;
        let outcome = self.invoke(handler, |args| (handler.prepared.call)(args));
        outcome.await.unwrap_or_else(|response| response)
    }

    /// Builds what `call` needs, then calls it through `f`. An error (or a panic) in either is
    /// handled and observed; its response is the `Err`.
    async fn invoke<'s, F, T>(
        &'s self,
        call: &'s Call<F>,
        f: impl FnOnce(Args<'s>) -> Step<'s, Result<T, ErasedError>>,
    ) -> Result<T, Response> {
        for &step in &call.prepared.prepare {
            if let Err((error, site)) = self.build(step).await {
                return Err(self.fail(error, site).await);
            }
        }
        let args = self.args(&call.prepared.inputs);
        match guard(call.prepared.meta.name, || f(args)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => {
                let site = call.on_error.as_ref().unwrap_or(&BUILTIN);
                Err(self.fail(error, site).await)
            }
            Err(panic) => Err(self
                .fail(ErasedError::new(panic), &self.plan().calls.on_panic)
                .await),
        }
    }

    /// Builds the value of step `index`, unless it is built already. On failure, returns the
    /// error and where it goes.
    pub(super) async fn build(&self, index: usize) -> Result<(), (ErasedError, &ErrorSite)> {
        let calls = &self.plan().calls;
        let step = &calls.steps[index];
        if self.scope.is_built(step.slot) {
            return Ok(());
        }
        let singletons = &self.app.singletons[..];
        match guard(step.meta.name, || step.call(singletons, &self.scope)).await {
            Ok(Ok(value)) => {
                self.scope.fill(step.slot, value, step.owned);
                Ok(())
            }
            Ok(Err(error)) => Err((error, step.on_error.as_ref().unwrap_or(&BUILTIN))),
            Err(panic) => Err((ErasedError::new(panic), &calls.on_panic)),
        }
    }

    /// The inputs of a call, fetched from this request's scope.
    pub(super) fn args<'s>(&'s self, inputs: &'s [InputPlan]) -> Args<'s> {
        Args {
            singletons: &self.app.singletons,
            scope: Some(&self.scope),
            inputs,
        }
    }
}
