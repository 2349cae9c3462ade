//! `build()` checks the whole graph: a missing constructor, an error without a handler, two
//! routes for the same path, ... fail this test, with a report naming each problem.

use starter_template::blueprint::blueprint;
use starter_template::config::{Config, Profile};
use watchful::testing::capture;

use crate::helpers::config_dir;

#[tokio::test]
async fn the_blueprint_builds_without_warnings_in_every_profile() {
    // See `test_app`: no event may be emitted without a subscriber.
    let (_telemetry, _guard) = capture();
    for profile in Profile::ALL {
        let config = Config::load_from(&config_dir(), profile)
            .unwrap_or_else(|error| panic!("profile {profile}: {error}"));
        let app = blueprint(&config)
            .build()
            .await
            .unwrap_or_else(|error| panic!("profile {profile}:\n{error}"));
        assert!(app.warnings().is_empty(), "{:#?}", app.warnings());
    }
}
