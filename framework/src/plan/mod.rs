//! The plan: what [`Blueprint::build`](crate::Blueprint::build) writes and the request path
//! reads. Per route, an ordered list of construction steps over numbered slots, the middleware
//! layers, the handler, and where each error goes, so that serving a request looks nothing up.
//!
//! The planner (`blueprint`) writes it through constructors; `di` and `pipeline` read it.

mod call;
mod input;
mod route;

pub(crate) use call::{BUILTIN, Call, ConstructStep, ErrorSite, Prepared};
pub use input::Cloner;
pub(crate) use input::{Access, InputPlan, Source};
pub(crate) use route::{
    Endpoint, FrameworkSites, Layer, Opener, RouteCalls, RoutePlan, RouteSettings,
};
