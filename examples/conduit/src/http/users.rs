//! `/api/users` (register), `/api/users/login` and `/api/user` (read and update the signed-in
//! user). Bodies are validated by request-scoped constructors, so that a handler only runs
//! with input that follows the spec's rules, and an invalid body is a [`ValidationError`].

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use watchful::extract::JsonBody;
use watchful::http::StatusCode;
use watchful::request::RequestId;
use watchful::response::Json;
use watchful::{error_handler, get, post, put, request_scoped};

use super::auth::CurrentUser;
use super::errors::{ErrorResponse, GenericErrorModel, ValidationError, token_error, user_error};
use crate::db::Db;
use crate::password::Passwords;
use crate::token::{TokenError, Tokens};
use crate::users::{self, NewUser, User, UserError, UserUpdate};

/// `{"user": {…}}`: a user and their token.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UserResponse {
    user: UserJson,
}

/// A user, with the token to act as them.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "User")]
struct UserJson {
    email: String,
    token: String,
    username: String,
    bio: Option<String>,
    image: Option<String>,
}

impl UserResponse {
    fn new(user: User, token: String) -> Self {
        Self {
            user: UserJson {
                email: user.email,
                token,
                username: user.username,
                bio: user.bio,
                image: user.image,
            },
        }
    }
}

/// `{"user": {…}}`.
// The spec's `NewUserRequest`, `LoginUserRequest` and `UpdateUserRequest`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(rename = "{T}Request")]
pub struct UserEnvelope<T> {
    user: T,
}

/// A new user: every field required.
// Optional so that `registration` reports every missing one; the schema says what the API
// requires. (Doc comments of these types are their schemas' descriptions.)
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(rename = "NewUser")]
pub struct RegisterFields {
    #[schemars(required)]
    username: Option<String>,
    #[schemars(required)]
    email: Option<String>,
    #[schemars(required)]
    password: Option<String>,
}

/// A valid registration.
#[derive(Debug)]
pub struct Registration {
    username: String,
    email: String,
    password: String,
}

/// Reads and checks the body of `POST /api/users`.
#[request_scoped]
pub fn registration(
    JsonBody(body): JsonBody<UserEnvelope<RegisterFields>>,
) -> Result<Registration, ValidationError> {
    let RegisterFields {
        username,
        email,
        password,
    } = body.user;
    ValidationError::require(&[
        ("username", username.as_deref()),
        ("email", email.as_deref()),
        ("password", password.as_deref()),
    ])?;
    Ok(Registration {
        username: username.unwrap_or_default(),
        email: email.unwrap_or_default(),
        password: password.unwrap_or_default(),
    })
}

/// Credentials: both fields required.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(rename = "LoginUser")]
pub struct LoginFields {
    #[schemars(required)]
    email: Option<String>,
    #[schemars(required)]
    password: Option<String>,
}

/// Credentials to check.
#[derive(Debug)]
pub struct Credentials {
    email: String,
    password: String,
}

/// Reads and checks the body of `POST /api/users/login`.
#[request_scoped]
pub fn credentials(
    JsonBody(body): JsonBody<UserEnvelope<LoginFields>>,
) -> Result<Credentials, ValidationError> {
    let LoginFields { email, password } = body.user;
    ValidationError::require(&[
        ("email", email.as_deref()),
        ("password", password.as_deref()),
    ])?;
    Ok(Credentials {
        email: email.unwrap_or_default(),
        password: password.unwrap_or_default(),
    })
}

/// What to change: any of the fields, at least one.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(rename = "UpdateUser")]
pub struct UpdateFields {
    email: Option<String>,
    username: Option<String>,
    password: Option<String>,
    bio: Option<String>,
    image: Option<String>,
}

/// Reads and checks the body of `PUT /api/user`: at least one field, and the email address,
/// username and password, when given, not blank.
#[request_scoped]
pub fn user_update(
    JsonBody(body): JsonBody<UserEnvelope<UpdateFields>>,
) -> Result<UserUpdate, ValidationError> {
    let UpdateFields {
        email,
        username,
        password,
        bio,
        image,
    } = body.user;
    let required: Vec<_> = [
        ("email", &email),
        ("username", &username),
        ("password", &password),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.as_deref().map(|v| (name, Some(v))))
    .collect();
    ValidationError::require(&required)?;
    if [&email, &username, &password, &bio, &image]
        .iter()
        .all(|field| field.is_none())
    {
        return Err(ValidationError::new(
            "user must have at least one field to update",
        ));
    }
    Ok(UserUpdate {
        email,
        username,
        password,
        bio,
        image,
    })
}

/// Registration and login fail on the account or on issuing its token.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The account: taken name, wrong credentials, database.
    #[error(transparent)]
    User(#[from] UserError),
    /// The token could not be signed.
    #[error(transparent)]
    Token(#[from] TokenError),
}

/// Answers as each concern's own handler does: the statuses of [`user_error`] and
/// [`token_error`].
#[error_handler(responses(
    401 = GenericErrorModel,
    404 = GenericErrorModel,
    422 = GenericErrorModel,
    500 = GenericErrorModel,
))]
pub fn account_error(error: &AccountError, request_id: &RequestId) -> ErrorResponse {
    match error {
        AccountError::User(error) => user_error(error, request_id),
        AccountError::Token(error) => token_error(error, request_id),
    }
}

/// Registers a user.
///
/// Answers the user and a token to act as them; 422 when the username or the email address
/// is taken.
#[post("/users", status = 201)]
pub async fn register(
    new: Registration,
    db: &Db,
    passwords: &Passwords,
    tokens: &Tokens,
) -> Result<(StatusCode, Json<UserResponse>), AccountError> {
    let user = users::register(
        db,
        passwords,
        NewUser {
            username: &new.username,
            email: &new.email,
            password: &new.password,
        },
    )
    .await?;
    let token = tokens.issue(user.id)?;
    Ok((StatusCode::CREATED, Json(UserResponse::new(user, token))))
}

/// Logs in.
///
/// Answers the user and a fresh token; 401 for wrong credentials.
#[post("/users/login")]
pub async fn login(
    credentials: Credentials,
    db: &Db,
    passwords: &Passwords,
    tokens: &Tokens,
) -> Result<Json<UserResponse>, AccountError> {
    let user = users::login(db, passwords, &credentials.email, &credentials.password).await?;
    let token = tokens.issue(user.id)?;
    Ok(Json(UserResponse::new(user, token)))
}

/// The signed-in user.
///
/// Answers the user with the token they presented.
#[get("/user")]
pub async fn get_current_user(me: CurrentUser, db: &Db) -> Result<Json<UserResponse>, UserError> {
    let user = users::find(db, me.id).await?;
    Ok(Json(UserResponse::new(user, me.token)))
}

/// Updates the signed-in user.
///
/// Changes the given fields and answers the user as updated.
#[put("/user")]
pub async fn update_current_user(
    me: CurrentUser,
    update: UserUpdate,
    db: &Db,
    passwords: &Passwords,
) -> Result<Json<UserResponse>, UserError> {
    let user = users::update(db, passwords, me.id, update).await?;
    Ok(Json(UserResponse::new(user, me.token)))
}
