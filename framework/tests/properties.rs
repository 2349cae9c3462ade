//! Property tests of the code that parses what clients send: path parameters (raw and typed),
//! query strings, url-encoded bodies, cookies, the request id, and the router with arbitrary
//! paths. Whatever the input, no panic and no 5xx; where an input can be encoded, what the
//! handler reads back is what was encoded.
//!
//! Each property drives a real app through `TestClient`, so that what is tested is the parsing
//! a request meets, with the framework's own error responses.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use proptest::prelude::*;
use watchful::extract::{PathParams, QueryParams, RequestCookies, UrlEncodedBody};
use watchful::http::StatusCode;
use watchful::request::{RawPathParams, RequestId};
use watchful::testing::{TestClient, TestResponse};
use watchful::{App, Blueprint, get, post};

#[get("/raw/{value}")]
pub fn raw(params: &RawPathParams) -> String {
    params.get("value").unwrap_or_default().to_owned()
}

#[get("/number/{value}")]
pub fn number(PathParams(value): PathParams<u32>) -> String {
    value.to_string()
}

#[derive(serde::Deserialize)]
pub struct Pair {
    text: String,
    count: u32,
}

#[get("/query")]
pub fn query(QueryParams(pair): QueryParams<Pair>) -> String {
    format!("{}|{}", pair.count, pair.text)
}

#[get("/query-map")]
pub fn query_map(QueryParams(map): QueryParams<BTreeMap<String, String>>) -> String {
    map.len().to_string()
}

#[post("/form")]
pub fn form(UrlEncodedBody(pair): UrlEncodedBody<Pair>) -> String {
    format!("{}|{}", pair.count, pair.text)
}

#[get("/cookie")]
pub fn cookie(cookies: RequestCookies) -> String {
    cookies.get("probe").unwrap_or("(none)").to_owned()
}

#[get("/id")]
pub fn id(id: &RequestId) -> String {
    id.as_str().to_owned()
}

#[get("/nested/{a}/x/{*rest}")]
pub fn nested(params: &RawPathParams) -> String {
    params.iter().map(|(k, v)| format!("{k}={v};")).collect()
}

/// One app and one runtime for every case of every property.
fn client() -> &'static (tokio::runtime::Runtime, TestClient) {
    static CLIENT: OnceLock<(tokio::runtime::Runtime, TestClient)> = OnceLock::new();
    CLIENT.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut bp = Blueprint::new();
        for route in [RAW, NUMBER, QUERY, QUERY_MAP, COOKIE, ID, NESTED] {
            bp.route(route);
        }
        bp.route(FORM);
        let app: App = runtime.block_on(bp.build()).unwrap();
        (runtime, TestClient::new(app))
    })
}

fn send(request: watchful::testing::TestRequest) -> TestResponse {
    let response = client().0.block_on(request.send());
    assert!(
        !response.status().is_server_error(),
        "{}: {}",
        response.status(),
        response.text()
    );
    response
}

fn get_path(path: &str) -> TestResponse {
    send(client().1.get(path))
}

/// Percent-encodes every byte but the unreserved ones (RFC 3986 §2.3).
fn encode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn cases() -> ProptestConfig {
    ProptestConfig::with_cases(64)
}

proptest! {
    #![proptest_config(cases())]

    #[test]
    fn a_path_parameter_decodes_to_what_was_encoded(value in any::<String>().prop_filter("non-empty", |v| !v.is_empty())) {
        let response = get_path(&format!("/raw/{}", encode(value.as_bytes())));
        prop_assert_eq!(response.status(), StatusCode::OK);
        prop_assert_eq!(response.text(), value);
    }

    #[test]
    fn a_path_parameter_of_any_bytes_is_served_or_a_400(bytes in proptest::collection::vec(any::<u8>(), 1..24)) {
        let response = get_path(&format!("/raw/{}", encode(&bytes)));
        match String::from_utf8(bytes) {
            Ok(text) => {
                prop_assert_eq!(response.status(), StatusCode::OK);
                prop_assert_eq!(response.text(), text);
            }
            Err(_) => prop_assert_eq!(response.status(), StatusCode::BAD_REQUEST),
        }
    }

    #[test]
    fn a_typed_path_parameter_parses_exactly_when_from_str_does(value in "[0-9+-]{0,12}|[^/?#]{1,8}") {
        let response = get_path(&format!("/number/{}", encode(value.as_bytes())));
        match value.parse::<u32>() {
            _ if value.is_empty() => prop_assert_eq!(response.status(), StatusCode::NOT_FOUND),
            Ok(number) => {
                prop_assert_eq!(response.status(), StatusCode::OK);
                prop_assert_eq!(response.text(), number.to_string());
            }
            Err(_) => prop_assert_eq!(response.status(), StatusCode::BAD_REQUEST),
        }
    }

    #[test]
    fn query_params_round_trip(text in any::<String>(), count in any::<u32>()) {
        let path = format!("/query?text={}&count={count}", encode(text.as_bytes()));
        let response = get_path(&path);
        prop_assert_eq!(response.status(), StatusCode::OK);
        prop_assert_eq!(response.text(), format!("{count}|{text}"));
    }

    #[test]
    fn any_query_string_is_served_or_a_400(query in "[a-zA-Z0-9=&%+;._~-]{0,40}") {
        for path in [format!("/query?{query}"), format!("/query-map?{query}")] {
            let response = get_path(&path);
            prop_assert!(
                matches!(response.status().as_u16(), 200 | 400),
                "{} for {}", response.status(), path
            );
        }
    }

    #[test]
    fn url_encoded_bodies_round_trip(text in any::<String>(), count in any::<u32>()) {
        let body = format!("count={count}&text={}", encode(text.as_bytes()));
        let request = client().1.post("/form")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        let response = send(request);
        prop_assert_eq!(response.status(), StatusCode::OK);
        prop_assert_eq!(response.text(), format!("{count}|{text}"));
    }

    #[test]
    fn any_url_encoded_body_is_served_or_a_4xx(body in proptest::collection::vec(any::<u8>(), 0..48)) {
        let request = client().1.post("/form")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        let response = send(request);
        prop_assert!(matches!(response.status().as_u16(), 200 | 400 | 422), "{}", response.status());
    }

    #[test]
    fn cookies_round_trip(value in "[!#-+--:<-\\[\\]-~]{0,24}", before in "[a-z]{1,6}=[a-z0-9]{0,6}") {
        let header = format!("{before}; probe={}", encode(value.as_bytes()));
        let response = send(client().1.get("/cookie").header("cookie", &header));
        prop_assert_eq!(response.status(), StatusCode::OK);
        prop_assert_eq!(response.text(), value);
    }

    #[test]
    fn any_cookie_header_is_served(header in "[ -~]{0,60}") {
        let response = send(client().1.get("/cookie").header("cookie", &header));
        prop_assert_eq!(response.status(), StatusCode::OK);
    }

    #[test]
    fn a_request_id_is_kept_exactly_when_well_formed(id in "[ -~]{0,140}") {
        let response = send(client().1.get("/id").header(RequestId::HEADER, &id));
        let echoed = response.header(RequestId::HEADER).unwrap().to_owned();
        prop_assert_eq!(response.text(), echoed.as_str());
        let well_formed = (1..=RequestId::MAX_LEN).contains(&id.len())
            && id.bytes().all(|b| b.is_ascii_graphic());
        if well_formed {
            prop_assert_eq!(echoed, id);
        } else {
            prop_assert_eq!(echoed.len(), 33);
        }
    }

    #[test]
    fn the_router_serves_or_rejects_any_path(path in "(/[a-zA-Z0-9._~%{}*:-]{0,8}){0,6}") {
        let path = if path.is_empty() { "/".to_owned() } else { path };
        let response = get_path(&path);
        prop_assert!(
            matches!(response.status().as_u16(), 200 | 400 | 404 | 405),
            "{} for {}", response.status(), path
        );
    }

    #[test]
    fn a_catch_all_parameter_keeps_every_segment(a in "[a-z]{1,6}", rest in proptest::collection::vec("[a-z0-9]{1,6}", 1..5)) {
        let rest = rest.join("/");
        let response = get_path(&format!("/nested/{a}/x/{rest}"));
        prop_assert_eq!(response.status(), StatusCode::OK);
        prop_assert_eq!(response.text(), format!("a={a};rest={rest};"));
    }
}
