//! `GET /api/tags`.

use serde_json::json;
use watchful::http::StatusCode;

use super::TestApp;
use crate::common::TestDb;

async fn tags_are_listed_most_used_first(t: TestDb) {
    let app = TestApp::new(t).await;
    let empty = app.ok(app.client.get("/api/tags"), StatusCode::OK).await;
    assert_eq!(empty, json!({ "tags": [] }));

    let jake = app.register("jake").await;
    app.article(&jake, "One", &["rust", "web"]).await;
    app.article(&jake, "Two", &["web"]).await;
    let tags = app.ok(app.client.get("/api/tags"), StatusCode::OK).await;
    assert_eq!(tags, json!({ "tags": ["web", "rust"] }));
}

on_both_databases!(tags_are_listed_most_used_first);
