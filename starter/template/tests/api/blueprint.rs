//! `check()` runs every check `build()` runs: a missing constructor, an error without a
//! handler, two routes for the same path, ... fail this test, with a report naming each
//! problem. It builds nothing: no singleton constructor runs, so no database is opened and no
//! secret is read from `cargo test`.

use starter_template::blueprint::blueprint;
use starter_template::config::{Config, Profile};
use watchful::testing::capture;

use crate::helpers::config_dir;

#[tokio::test]
async fn the_blueprint_passes_every_check_without_warnings_in_every_profile() {
    // See `test_app`: no event may be emitted without a subscriber.
    let (_telemetry, _guard) = capture();
    for profile in Profile::ALL {
        let config = Config::load_from(&config_dir(), profile)
            .unwrap_or_else(|error| panic!("profile {profile}: {error}"));
        let warnings = blueprint(&config)
            .check()
            .unwrap_or_else(|error| panic!("profile {profile}:\n{error}"));
        assert!(warnings.is_empty(), "profile {profile}: {warnings:#?}");
    }
}
