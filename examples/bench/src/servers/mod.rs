//! The four servers. Each serves the benchmark's scenarios on a listener the process was
//! given; the frameworks also serve the error-reporting comparison's routes.

pub mod actix_app;
pub mod axum_app;
pub mod hyper_raw;
pub mod watchful_app;

use crate::common::ErrorScenario;

/// One of the servers under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Raw hyper 1: the practical limit.
    Hyper,
    /// axum 0.8.
    Axum,
    /// actix-web 4.
    Actix,
    /// watchful.
    Watchful,
}

impl Kind {
    /// Every server, in the order runs alternate.
    pub const ALL: [Kind; 4] = [Kind::Hyper, Kind::Axum, Kind::Actix, Kind::Watchful];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Hyper => "hyper",
            Kind::Axum => "axum",
            Kind::Actix => "actix",
            Kind::Watchful => "watchful",
        }
    }

    /// The name in tables.
    pub fn title(self) -> &'static str {
        match self {
            Kind::Hyper => "raw hyper",
            Kind::Axum => "axum",
            Kind::Actix => "actix-web",
            Kind::Watchful => "watchful",
        }
    }

    /// Parses [`Kind::name`].
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// The error-reporting scenarios the server implements; `None` for raw hyper, which is
    /// not a framework and not in that comparison.
    pub fn error_scenarios(self) -> Option<&'static [ErrorScenario]> {
        match self {
            Kind::Hyper => None,
            Kind::Axum => Some(axum_app::ERROR_SCENARIOS),
            Kind::Actix => Some(actix_app::ERROR_SCENARIOS),
            Kind::Watchful => Some(watchful_app::ERROR_SCENARIOS),
        }
    }

    /// Serves on `listener` until the process is killed: a current-thread tokio runtime
    /// (one worker) for the tokio-based servers, one worker for actix-web.
    pub fn serve(self, listener: std::net::TcpListener) -> Result<(), Box<dyn std::error::Error>> {
        listener.set_nonblocking(true)?;
        if self == Kind::Actix {
            return Ok(actix_app::serve(listener)?);
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            match self {
                Kind::Hyper => hyper_raw::serve(listener).await?,
                Kind::Axum => axum_app::serve(listener).await?,
                Kind::Watchful => watchful_app::serve(listener).await?,
                Kind::Actix => unreachable!("served above"),
            }
            Ok(())
        })
    }
}
