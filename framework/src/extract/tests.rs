//! Each extractor over good and bad inputs: the value, or the rejection's status, body and
//! message.

use std::collections::BTreeMap;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, Version};
use http_body_util::BodyExt;
use serde::Deserialize;

use super::*;
use crate::error::BoxError;
use crate::request::{RawPathParams, RequestBody, RequestHead};
use crate::testing::chunked_body;

fn head(uri: &str, headers: &[(&str, &str)]) -> RequestHead {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    RequestHead {
        method: Method::GET,
        uri: uri.parse::<Uri>().unwrap(),
        version: Version::HTTP_11,
        headers: map,
        extensions: Default::default(),
    }
}

/// The parameters of `path` matched against `template`.
fn params(template: &str, path: &str) -> RawPathParams {
    crate::request::decode_path(template, path).unwrap()
}

/// The default response's status and body, checking its content type on the way.
async fn rejected<R: Rejection>(rejection: &R) -> (StatusCode, String) {
    let response = rejection.problem().into_text_response();
    assert_eq!(
        response.headers()[CONTENT_TYPE],
        "text/plain; charset=utf-8"
    );
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

#[derive(Debug, Deserialize, PartialEq)]
struct UserPath {
    id: u32,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Color {
    Red,
    Blue,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Paint {
    id: u32,
    color: Color,
}

#[tokio::test]
async fn path_params_parse_structs_tuples_and_single_values() {
    let got =
        PathParams::<UserPath>::from_request_head(&head("/", &[]), &params("/u/{id}", "/u/7"));
    assert_eq!(got.unwrap().0, UserPath { id: 7 });

    let p = params("/u/{id}/{name}", "/u/7/a%20b");
    let got = PathParams::<(u32, String)>::from_request_head(&head("/", &[]), &p).unwrap();
    assert_eq!(got.0, (7, "a b".to_owned()));

    let p = params("/p/{id}/{color}", "/p/3/blue");
    let got = PathParams::<Paint>::from_request_head(&head("/", &[]), &p).unwrap();
    assert_eq!(
        got.0,
        Paint {
            id: 3,
            color: Color::Blue
        }
    );

    let p = params("/p/{flag}", "/p/true");
    assert!(
        PathParams::<bool>::from_request_head(&head("/", &[]), &p)
            .unwrap()
            .0
    );
    let got = PathParams::<BTreeMap<String, String>>::from_request_head(&head("/", &[]), &p);
    assert_eq!(got.unwrap().0["flag"], "true");
    let _ = Color::Red;
}

#[tokio::test]
async fn path_params_rejections_name_the_parameter() {
    fn path<T: serde::de::DeserializeOwned + std::fmt::Debug + Send + Sync + 'static>(
        template: &str,
        path: &str,
    ) -> PathParamsError {
        PathParams::<T>::from_request_head(&head("/", &[]), &params(template, path)).unwrap_err()
    }
    let long = "z".repeat(100);
    let capped = format!("{}…", "z".repeat(64));
    let cases = [
        (
            path::<UserPath>("/u/{id}", "/u/abc"),
            "`id`: invalid digit found in string".to_owned(),
        ),
        (
            path::<(u32,)>("/u/{id}", "/u/-1"),
            "`id`: invalid digit found in string".to_owned(),
        ),
        (
            path::<Paint>("/p/{id}/{color}", "/p/1/green"),
            "`color`: unknown variant `green`, expected `red` or `blue`".to_owned(),
        ),
        (
            path::<bool>("/p/{flag}", "/p/yes"),
            "`flag`: provided string was not `true` or `false`".to_owned(),
        ),
        (
            path::<Paint>("/p/{id}/{color}", &format!("/p/1/{long}")),
            format!("`color`: unknown variant `{capped}`, expected `red` or `blue`"),
        ),
        (
            path::<(u32, u32)>("/p/{a}/{b}", "/p/1/2.5"),
            "`b`: invalid digit found in string".to_owned(),
        ),
    ];
    for (error, body) in cases {
        assert_eq!(rejected(&error).await, (StatusCode::BAD_REQUEST, body));
    }
    let error = path::<UserPath>("/u/{id}", "/u/x");
    assert_eq!(error.to_string(), "`id`: invalid digit found in string");
    assert_eq!(error.param(), Some("id"));
    assert_eq!(error.message(), "invalid digit found in string");
}

#[test]
fn path_params_check_the_route_when_built() {
    assert_eq!(PathParams::<UserPath>::check_route(&["id"]), Ok(()));
    assert_eq!(PathParams::<Paint>::check_route(&["color", "id"]), Ok(()));
    assert_eq!(
        PathParams::<(u32, String)>::check_route(&["a", "b"]),
        Ok(())
    );
    assert_eq!(PathParams::<u32>::check_route(&["a"]), Ok(()));
    assert_eq!(
        PathParams::<BTreeMap<String, String>>::check_route(&[]),
        Ok(())
    );

    let error = PathParams::<Paint>::check_route(&["id"]).unwrap_err();
    assert!(
        error.ends_with(
            "the field `color` is not a route parameter (the route's parameters are `id`)"
        ),
        "{error}"
    );
    let error = PathParams::<(u32, String)>::check_route(&["id"]).unwrap_err();
    assert!(
        error.ends_with("a tuple of 2 for 1 route parameter(s) (the route's parameters are `id`)"),
        "{error}"
    );
    let error = PathParams::<u32>::check_route(&[]).unwrap_err();
    assert!(
        error.ends_with(
            "a single value needs a route with exactly one parameter (the route has no parameters)"
        ),
        "{error}"
    );
}

#[derive(Debug, Deserialize, PartialEq)]
struct Search {
    q: String,
    #[serde(default)]
    tag: Vec<String>,
    page: Option<u32>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Optional {
    page: Option<u32>,
}

fn query<T: serde::de::DeserializeOwned + Send + Sync + 'static>(
    uri: &str,
) -> Result<QueryParams<T>, QueryParamsError> {
    QueryParams::from_request_head(&head(uri, &[]), &RawPathParams::default())
}

#[tokio::test]
async fn query_params_decode_and_collect_repeated_keys() {
    let got = query::<Search>("/s?q=a%20b+c&tag=x&tag=y&page=2")
        .unwrap()
        .0;
    let expected = Search {
        q: "a b c".into(),
        tag: vec!["x".into(), "y".into()],
        page: Some(2),
    };
    assert_eq!(got, expected);
    assert_eq!(query::<Optional>("/s").unwrap().0, Optional { page: None });

    let none = Option::<QueryParams<Search>>::from_request_head(
        &head("/s", &[]),
        &RawPathParams::default(),
    );
    assert!(none.unwrap().is_none());
    let none = Option::<QueryParams<Search>>::from_request_head(
        &head("/s?", &[]),
        &RawPathParams::default(),
    );
    assert!(none.unwrap().is_none());
    let some = Option::<QueryParams<Search>>::from_request_head(
        &head("/s?q=x", &[]),
        &RawPathParams::default(),
    );
    assert_eq!(some.unwrap().unwrap().0.q, "x");
    let bad = Option::<QueryParams<Search>>::from_request_head(
        &head("/s?page=1", &[]),
        &RawPathParams::default(),
    );
    assert!(bad.is_err());
}

#[tokio::test]
async fn query_params_rejections_name_the_field() {
    let cases = [
        ("/s", "invalid query string: missing field `q`"),
        (
            "/s?q=x&page=two",
            "invalid query string at `page`: invalid digit found in string",
        ),
        (
            "/s?q=x&page=1&page=2",
            "invalid query string at `page`: the key is repeated, expected a single value",
        ),
        (
            "/s?q=a%zzb",
            "malformed query string: invalid percent-encoding at byte 3",
        ),
        (
            "/s?q=%",
            "malformed query string: invalid percent-encoding at byte 2",
        ),
        (
            "/s?q=%ff",
            "malformed query string: not valid UTF-8 once percent-decoded",
        ),
    ];
    for (uri, body) in cases {
        let error = query::<Search>(uri).unwrap_err();
        assert_eq!(
            rejected(&error).await,
            (StatusCode::BAD_REQUEST, body.to_owned()),
            "{uri}"
        );
    }
    let error = query::<Search>("/s?q=%ff").unwrap_err();
    assert_eq!(error.to_string(), "malformed query string");
    assert!(std::error::Error::source(&error).is_some());
}

const JSON: (&str, &str) = ("content-type", "application/json");
const LIMIT: BodySizeLimit = BodySizeLimit::Enabled { max_bytes: 256 };

#[derive(Debug, Deserialize, PartialEq)]
struct NewUser {
    name: String,
    age: u8,
}

async fn json(headers: &[(&str, &str)], body: RequestBody) -> Result<NewUser, JsonBodyError> {
    JsonBody::<NewUser>::from_request_body(&head("/", headers), body, LIMIT)
        .await
        .map(JsonBody::into_inner)
}

fn broken(chunks: &[&'static str]) -> RequestBody {
    let mut frames: Vec<Result<Bytes, BoxError>> = chunks
        .iter()
        .map(|c| Ok(Bytes::from_static(c.as_bytes())))
        .collect();
    frames.push(Err(Box::new(std::io::Error::other("connection reset"))));
    chunked_body(frames)
}

fn chunked(chunks: &[&'static str]) -> RequestBody {
    chunked_body(
        chunks
            .iter()
            .map(|c| Ok(Bytes::from_static(c.as_bytes())))
            .collect(),
    )
}

#[tokio::test]
async fn json_body_accepts_json_content_types() {
    let body = r#"{"name": "Ada", "age": 36}"#;
    let expected = NewUser {
        name: "Ada".into(),
        age: 36,
    };
    for content_type in [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/vnd.api+json",
    ] {
        let got = json(
            &[("content-type", content_type)],
            RequestBody::from_bytes(body),
        )
        .await;
        assert_eq!(got.unwrap(), expected, "{content_type}");
    }
    let got = json(&[JSON], chunked(&[r#"{"name": "#, r#""Ada", "age": 36}"#])).await;
    assert_eq!(got.unwrap(), expected);
}

#[tokio::test]
async fn json_body_rejections() {
    let long = "y".repeat(100);
    let wrong_type = format!(r#"{{"name": "Ada", "age": "{long}"}}"#);
    let capped = format!("{}…", "y".repeat(64));
    type Case = (
        Vec<(&'static str, &'static str)>,
        RequestBody,
        StatusCode,
        String,
    );
    let cases: Vec<Case> = vec![
        (
            vec![],
            RequestBody::from_bytes("{}"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected `Content-Type: application/json`, the request has none".into(),
        ),
        (
            vec![("content-type", "text/plain")],
            RequestBody::from_bytes("{}"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected `Content-Type: application/json`, got `text/plain`".into(),
        ),
        (
            vec![("content-type", "application/+json")],
            RequestBody::from_bytes("{}"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected `Content-Type: application/json`, got `application/+json`".into(),
        ),
        (
            vec![JSON],
            RequestBody::from_bytes(""),
            StatusCode::BAD_REQUEST,
            "empty body, expected JSON".into(),
        ),
        (
            vec![JSON],
            RequestBody::from_bytes("{\"name\": }"),
            StatusCode::BAD_REQUEST,
            "malformed JSON: expected value at line 1 column 10".into(),
        ),
        (
            vec![JSON],
            RequestBody::from_bytes("{\"name\": \"A\",\n\"age\": 3"),
            StatusCode::BAD_REQUEST,
            "malformed JSON: EOF while parsing an object at line 2 column 8".into(),
        ),
        (
            vec![JSON],
            RequestBody::from_bytes("{\"name\": \"A\", \"age\": 3} x"),
            StatusCode::BAD_REQUEST,
            "malformed JSON: trailing characters at line 1 column 25".into(),
        ),
        (
            vec![JSON],
            RequestBody::from_bytes("{\"name\": \"A\"}"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid JSON: missing field `age` at line 1 column 13".into(),
        ),
        (
            vec![JSON],
            RequestBody::from_bytes(wrong_type),
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "invalid JSON at `age`: invalid type: string \"{capped}\", expected u8 at line 1 column 125"
            ),
        ),
        (
            vec![JSON, ("content-length", "257")],
            RequestBody::from_bytes("{}"),
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body is larger than the limit of 256 bytes".into(),
        ),
        (
            vec![JSON],
            chunked_body(vec![
                Ok(Bytes::from("x".repeat(200))),
                Ok(Bytes::from("x".repeat(200))),
            ]),
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body is larger than the limit of 256 bytes".into(),
        ),
        (
            vec![JSON],
            broken(&["{"]),
            StatusCode::BAD_REQUEST,
            "the request body could not be read: connection reset".into(),
        ),
    ];
    for (headers, body, status, text) in cases {
        let error = json(&headers, body).await.unwrap_err();
        assert_eq!(rejected(&error).await, (status, text.clone()), "{error:?}");
    }
}

#[tokio::test]
async fn json_errors_keep_their_source() {
    let error = json(
        &[JSON],
        RequestBody::from_bytes("{\"name\": 1, \"age\": 2}"),
    )
    .await
    .unwrap_err();
    assert_eq!(error.to_string(), "invalid JSON at `name`");
    let source = std::error::Error::source(&error).unwrap();
    assert!(source.is::<serde_json::Error>());
}

#[derive(Debug, Deserialize, PartialEq)]
struct Login {
    user: String,
    #[serde(default)]
    roles: Vec<String>,
}

async fn form(headers: &[(&str, &str)], body: &'static str) -> Result<Login, UrlEncodedBodyError> {
    UrlEncodedBody::<Login>::from_request_body(
        &head("/", headers),
        RequestBody::from_bytes(body),
        LIMIT,
    )
    .await
    .map(UrlEncodedBody::into_inner)
}

const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

#[tokio::test]
async fn url_encoded_body() {
    let got = form(&[FORM], "user=ada+l%C3%B6&roles=a&roles=b")
        .await
        .unwrap();
    assert_eq!(
        got,
        Login {
            user: "ada lö".into(),
            roles: vec!["a".into(), "b".into()]
        }
    );

    let cases = [
        (
            vec![],
            "user=a",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected `Content-Type: application/x-www-form-urlencoded`, the request has none",
        ),
        (
            vec![JSON],
            "user=a",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected `Content-Type: application/x-www-form-urlencoded`, got `application/json`",
        ),
        (
            vec![FORM],
            "user=%G0",
            StatusCode::BAD_REQUEST,
            "malformed form body: invalid percent-encoding at byte 5",
        ),
        (
            vec![FORM],
            "",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid form: missing field `user`",
        ),
        (
            vec![FORM],
            "user=a&user=b",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid form at `user`: the key is repeated, expected a single value",
        ),
    ];
    for (headers, body, status, text) in cases {
        let error = form(&headers, body).await.unwrap_err();
        assert_eq!(rejected(&error).await, (status, text.to_owned()), "{body}");
    }
}

async fn buffered(
    headers: &[(&str, &str)],
    body: RequestBody,
    limit: BodySizeLimit,
) -> Result<Bytes, BufferedBodyError> {
    BufferedBody::from_request_body(&head("/", headers), body, limit)
        .await
        .map(BufferedBody::into_bytes)
}

#[tokio::test]
async fn buffered_body_reads_within_the_limit() {
    let tight = BodySizeLimit::Enabled { max_bytes: 8 };
    assert_eq!(
        buffered(&[], chunked(&["1234", "5678"]), tight)
            .await
            .unwrap(),
        "12345678"
    );
    assert_eq!(
        buffered(&[], RequestBody::from_bytes(""), tight)
            .await
            .unwrap(),
        ""
    );
    let big = "x".repeat(3 * 1024 * 1024);
    let got = buffered(
        &[],
        RequestBody::from_bytes(big.clone()),
        BodySizeLimit::Disabled,
    )
    .await;
    assert_eq!(got.unwrap().len(), big.len());
}

#[tokio::test]
async fn buffered_body_rejections() {
    let tight = BodySizeLimit::Enabled { max_bytes: 8 };
    let too_large = (
        StatusCode::PAYLOAD_TOO_LARGE,
        "the request body is larger than the limit of 8 bytes".to_owned(),
    );
    // A declared length over the limit is rejected before reading: the broken body is not read.
    let error = buffered(&[("content-length", "9")], broken(&[]), tight)
        .await
        .unwrap_err();
    assert_eq!(rejected(&error).await, too_large);
    // A body with a known size over the limit is too, even without the header.
    let error = buffered(&[], RequestBody::from_bytes("123456789"), tight)
        .await
        .unwrap_err();
    assert_eq!(rejected(&error).await, too_large);
    // A chunked body stops being read once past the limit: the error after it is not reached.
    let error = buffered(&[], broken(&["12345", "6789"]), tight)
        .await
        .unwrap_err();
    assert_eq!(rejected(&error).await, too_large);

    let error = buffered(&[], broken(&["12"]), tight).await.unwrap_err();
    assert_eq!(
        rejected(&error).await,
        (
            StatusCode::BAD_REQUEST,
            "the request body could not be read: connection reset".to_owned()
        )
    );
    assert_eq!(
        std::error::Error::source(&error).unwrap().to_string(),
        "connection reset"
    );
}

#[tokio::test]
async fn typed_headers() {
    use headers::authorization::{Authorization, Bearer};
    use headers::{ContentType, UserAgent};

    let none = RawPathParams::default();
    let h = head(
        "/",
        &[("authorization", "Bearer abc"), ("user-agent", "curl/8")],
    );
    let Header(auth) = Header::<Authorization<Bearer>>::from_request_head(&h, &none).unwrap();
    assert_eq!(auth.token(), "abc");
    let agent = Option::<Header<UserAgent>>::from_request_head(&h, &none).unwrap();
    assert_eq!(agent.unwrap().as_str(), "curl/8");
    assert!(
        Option::<Header<ContentType>>::from_request_head(&h, &none)
            .unwrap()
            .is_none()
    );

    // Other typed headers: 400, no challenge.
    let cases = [
        (head("/", &[]), "missing header `content-type`"),
        (
            head("/", &[("content-type", "not a mime")]),
            "malformed header `content-type`: invalid HTTP header",
        ),
    ];
    for (h, text) in cases {
        let error = Header::<ContentType>::from_request_head(&h, &none).unwrap_err();
        assert!(matches!(
            error,
            HeaderError::Missing(_) | HeaderError::Malformed { .. }
        ));
        let problem = error.problem();
        assert!(
            !problem
                .into_text_response()
                .headers()
                .contains_key("www-authenticate")
        );
        assert_eq!(
            rejected(&error).await,
            (StatusCode::BAD_REQUEST, text.to_owned())
        );
        assert_eq!(error.name(), "content-type");
    }
}

#[tokio::test]
async fn bearer_tokens_are_challenged_with_401() {
    use headers::authorization::{Authorization, Bearer};

    let none = RawPathParams::default();
    let missing = Header::<Authorization<Bearer>>::from_request_head(&head("/", &[]), &none);
    let missing = missing.unwrap_err();
    assert!(matches!(missing, HeaderError::MissingBearerToken));
    let malformed = head("/", &[("authorization", "Basic c2VjcmV0")]);
    let error = Header::<Authorization<Bearer>>::from_request_head(&malformed, &none).unwrap_err();
    assert!(matches!(error, HeaderError::MalformedBearerToken(_)));
    // Present but malformed is rejected even when the token is optional.
    let optional = Option::<Header<Authorization<Bearer>>>::from_request_head(&malformed, &none);
    assert!(matches!(
        optional,
        Err(HeaderError::MalformedBearerToken(_))
    ));

    let cases = [
        (
            missing,
            "Bearer",
            "missing header `authorization`, expected a bearer token",
        ),
        (
            error,
            r#"Bearer error="invalid_request""#,
            "malformed header `authorization`, expected `Bearer <token>`: invalid HTTP header",
        ),
    ];
    for (error, challenge, text) in cases {
        assert_eq!(error.name(), "authorization");
        let response = error.problem().into_text_response();
        assert_eq!(response.headers()["www-authenticate"], challenge);
        assert_eq!(
            rejected(&error).await,
            (StatusCode::UNAUTHORIZED, text.to_owned())
        );
    }
}

#[test]
fn request_cookies_skip_malformed_pairs_with_a_warning() {
    let (capture, _guard) = crate::testing::capture();
    let h = head(
        "/",
        &[
            ("cookie", "a=1; novalue; b=x%20y"),
            ("cookie", "=anon; c=3"),
        ],
    );
    let cookies = RequestCookies::from_request_head(&h, &RawPathParams::default()).unwrap();
    let pairs: Vec<(&str, &str)> = cookies.iter().map(|c| (c.name(), c.value())).collect();
    assert_eq!(pairs, [("a", "1"), ("b", "x y"), ("c", "3")]);
    assert_eq!(cookies.get("b"), Some("x y"));
    assert_eq!(cookies.get("zz"), None);

    let warnings: Vec<_> = capture
        .events()
        .into_iter()
        .filter(|e| e.level == tracing::Level::WARN)
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    assert_eq!(warnings[0].field("cookie"), Some("`novalue`"));
    assert!(capture.error_events().is_empty());
}
