//! A capturing `tracing` subscriber, to assert on the telemetry a request produced: every event
//! with its fields and enclosing root span, and every closed span with its final fields.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::{Layer, Registry};

use crate::sync::lock;

/// The name of watchful's root span.
pub const ROOT_SPAN: &str = "HTTP request";

/// Field values as text: strings as they are, everything else as `Debug` (which is the
/// `Display` for values recorded with `%`).
pub type Fields = BTreeMap<String, String>;

/// One captured event.
#[derive(Debug, Clone)]
pub struct CapturedEvent {
    /// The event's level.
    pub level: Level,
    /// The event's fields, `message` included.
    pub fields: Fields,
    /// The fields of the enclosing root span when the event was emitted, if any.
    pub root_span: Option<u64>,
}

impl CapturedEvent {
    /// The value of `field`, if recorded.
    pub fn field(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
    }
}

/// One closed span.
#[derive(Debug, Clone)]
pub struct CapturedSpan {
    /// The span's name.
    pub name: String,
    /// A number unique within the capture.
    pub serial: u64,
    /// The span's fields when it closed.
    pub fields: Fields,
    /// The serials of the spans it follows from (`Span::follows_from`), e.g. the root span of
    /// the request that started a WebSocket session.
    pub follows_from: Vec<u64>,
}

impl CapturedSpan {
    /// The value of `field`, if recorded.
    pub fn field(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
    }
}

#[derive(Default)]
struct State {
    events: Vec<CapturedEvent>,
    closed: Vec<CapturedSpan>,
    serial: u64,
}

/// What a capture has seen so far. Cheap to clone.
#[derive(Clone, Default)]
pub struct Capture(Arc<Mutex<State>>);

impl Capture {
    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.0)
    }

    /// Every event so far.
    pub fn events(&self) -> Vec<CapturedEvent> {
        self.state().events.clone()
    }

    /// The ERROR-level events so far.
    pub fn error_events(&self) -> Vec<CapturedEvent> {
        self.events()
            .into_iter()
            .filter(|event| event.level == Level::ERROR)
            .collect()
    }

    /// Every closed span so far (root spans and the spans opened inside them), in the order
    /// they closed.
    pub fn spans(&self) -> Vec<CapturedSpan> {
        self.state().closed.clone()
    }

    /// The closed root spans so far, in the order they closed.
    ///
    /// A span closes when its last handle drops, which can be after the response: a library
    /// that carries the current span to a thread of its own (sqlx's SQLite worker does, for
    /// each query) closes it there, a little later. Events have no such delay.
    pub fn root_spans(&self) -> Vec<CapturedSpan> {
        self.spans_named(ROOT_SPAN)
    }

    /// The closed spans named `name`, in the order they closed.
    pub fn spans_named(&self, name: &str) -> Vec<CapturedSpan> {
        let state = self.state();
        state
            .closed
            .iter()
            .filter(|span| span.name == name)
            .cloned()
            .collect()
    }

    /// The only closed root span; panics if there is not exactly one.
    pub fn root_span(&self) -> CapturedSpan {
        let spans = self.root_spans();
        assert_eq!(spans.len(), 1, "expected one root span, got {spans:#?}");
        spans.into_iter().next().expect("checked above")
    }

    /// Forgets everything captured so far.
    pub fn clear(&self) {
        let mut state = self.state();
        state.events.clear();
        state.closed.clear();
    }
}

impl fmt::Debug for Capture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct("Capture")
            .field("events", &state.events)
            .field("closed", &state.closed)
            .finish()
    }
}

/// Captures what the current thread emits until the guard drops. Use it from `#[tokio::test]`
/// (a current-thread runtime), so that every task runs on that thread.
///
/// The first call installs a global subscriber that hands each event and span to the capture
/// of the thread it happens on, so that tests running in parallel each see their own. (A
/// subscriber per thread, with `set_default`, loses spans now and then: `tracing` caches
/// whether a callsite is enabled across threads.) When another global subscriber is already
/// installed, it falls back to one per thread.
///
/// ```
/// use watchful::testing::{TestClient, capture};
/// use watchful::{Blueprint, get, telemetry::LOG_ERROR};
///
/// #[get("/fail")]
/// pub fn fail() -> Result<&'static str, std::io::Error> {
///     Err(std::io::Error::other("disk on fire"))
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (telemetry, _guard) = capture();
/// let mut bp = Blueprint::new();
/// bp.error_observer(LOG_ERROR);
/// bp.route(FAIL);
/// let client = TestClient::new(bp.build().await.unwrap());
/// client.get("/fail").send().await;
///
/// let errors = telemetry.error_events();
/// assert_eq!(errors[0].field("error.msg"), Some("disk on fire"));
/// assert_eq!(telemetry.root_span().field("error.msg"), Some("disk on fire"));
/// # }
/// ```
pub fn capture() -> (Capture, CaptureGuard) {
    static GLOBAL: OnceLock<bool> = OnceLock::new();
    let global = *GLOBAL.get_or_init(|| {
        tracing::subscriber::set_global_default(Registry::default().with(CaptureLayer)).is_ok()
    });
    let capture = Capture::default();
    let previous = CURRENT.with(|current| current.replace(Some(capture.clone())));
    let scoped =
        (!global).then(|| tracing::subscriber::set_default(Registry::default().with(CaptureLayer)));
    let guard = CaptureGuard {
        previous,
        _scoped: scoped,
    };
    (capture, guard)
}

thread_local! {
    /// The capture of this thread, if one is active.
    static CURRENT: RefCell<Option<Capture>> = const { RefCell::new(None) };
}

/// Ends a capture when dropped, restoring the thread's previous one.
#[must_use = "the capture ends when the guard is dropped"]
pub struct CaptureGuard {
    previous: Option<Capture>,
    _scoped: Option<tracing::subscriber::DefaultGuard>,
}

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|current| *current.borrow_mut() = previous);
    }
}

impl fmt::Debug for CaptureGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaptureGuard").finish_non_exhaustive()
    }
}

fn current() -> Option<Capture> {
    CURRENT.with(|current| current.borrow().clone())
}

/// Hands events and spans to the capture of the thread they happen on.
struct CaptureLayer;

/// What a span carries while open: its capture, fields and serial number.
struct OpenSpan {
    capture: Capture,
    serial: u64,
    fields: Fields,
    follows_from: Vec<u64>,
}
struct Visitor<'a>(&'a mut Fields);

impl Visit for Visitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl<S> Layer<S> for CaptureLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(capture) = current() else {
            return;
        };
        let mut fields = Fields::new();
        attrs.record(&mut Visitor(&mut fields));
        let serial = {
            let mut state = capture.state();
            state.serial += 1;
            state.serial
        };
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(OpenSpan {
                capture,
                serial,
                fields,
                follows_from: Vec::new(),
            });
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(open) = span.extensions_mut().get_mut::<OpenSpan>()
        {
            values.record(&mut Visitor(&mut open.fields));
        }
    }

    fn on_follows_from(&self, id: &Id, follows: &Id, ctx: Context<'_, S>) {
        let serial = |id| {
            ctx.span(id)?
                .extensions()
                .get::<OpenSpan>()
                .map(|o| o.serial)
        };
        if let Some(follows) = serial(follows)
            && let Some(span) = ctx.span(id)
            && let Some(open) = span.extensions_mut().get_mut::<OpenSpan>()
        {
            open.follows_from.push(follows);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let Some(capture) = current() else {
            return;
        };
        let mut fields = Fields::new();
        event.record(&mut Visitor(&mut fields));
        let root_span = ctx.event_scope(event).and_then(|scope| {
            scope
                .filter(|span| span.name() == ROOT_SPAN)
                .find_map(|span| span.extensions().get::<OpenSpan>().map(|open| open.serial))
        });
        capture.state().events.push(CapturedEvent {
            level: *event.metadata().level(),
            fields,
            root_span,
        });
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(&id)
            && let Some(open) = span.extensions_mut().remove::<OpenSpan>()
        {
            open.capture.state().closed.push(CapturedSpan {
                name: span.name().to_owned(),
                serial: open.serial,
                fields: open.fields,
                follows_from: open.follows_from,
            });
        }
    }
}
