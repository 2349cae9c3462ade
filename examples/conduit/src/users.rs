//! Accounts: registration, login, reading and updating the current user.
//!
//! Email addresses and usernames are unique. The database enforces it; on a violation the
//! repository looks up which of the two is taken, so the answer names the field even when two
//! registrations race.

use sqlx::FromRow;

use crate::db::{Db, DbError, is_unique_violation};
use crate::password::{PasswordError, Passwords};

/// A user's database id, as carried in their token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UserId(pub i64);

/// A registered user, without the password hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// The id.
    pub id: UserId,
    /// The email address, unique.
    pub email: String,
    /// The username, unique.
    pub username: String,
    /// A short biography; `None` until the user sets one.
    pub bio: Option<String>,
    /// The URL of an avatar; `None` until the user sets one.
    pub image: Option<String>,
}

/// What registration needs.
#[derive(Clone, Copy, Debug)]
pub struct NewUser<'a> {
    /// The username.
    pub username: &'a str,
    /// The email address.
    pub email: &'a str,
    /// The password in clear; only its hash is stored.
    pub password: &'a str,
}

/// The fields to change on the current user; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct UserUpdate {
    /// A new email address.
    pub email: Option<String>,
    /// A new username.
    pub username: Option<String>,
    /// A new password, in clear.
    pub password: Option<String>,
    /// A new biography.
    pub bio: Option<String>,
    /// A new avatar URL.
    pub image: Option<String>,
}

/// A field that must be unique across users.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UniqueField {
    /// The email address.
    Email,
    /// The username.
    Username,
}

impl UniqueField {
    /// The field's name as the API spells it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Username => "username",
        }
    }
}

/// Why a user operation failed.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// No user has this id (e.g. the account was deleted after the token was issued).
    #[error("no such user")]
    NotFound,
    /// Another user already has this email address or username.
    #[error("{} has already been taken", .field.name())]
    Taken {
        /// The field in conflict (the email address when both are).
        field: UniqueField,
    },
    /// Login failed: no user has this email address, or the password is wrong. One variant
    /// for both, so the answer does not reveal which addresses are registered.
    #[error("email or password is invalid")]
    InvalidCredentials,
    /// Hashing or verifying the password failed.
    #[error("password hashing failed")]
    Password(#[from] PasswordError),
    /// The database failed.
    #[error("the user store failed")]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for UserError {
    fn from(err: sqlx::Error) -> Self {
        Self::Db(DbError::Query(err))
    }
}

#[derive(FromRow)]
struct UserRow {
    id: i64,
    email: String,
    username: String,
    bio: Option<String>,
    image: Option<String>,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        Self {
            id: UserId(row.id),
            email: row.email,
            username: row.username,
            bio: row.bio,
            image: row.image,
        }
    }
}

/// A user with the stored hash of their password, for login only.
#[derive(FromRow)]
struct CredentialsRow {
    #[sqlx(flatten)]
    user: UserRow,
    password_hash: String,
}

const USER_COLUMNS: &str = "id, email, username, bio, image";

/// Registers a user and returns them.
pub async fn register(db: &Db, passwords: &Passwords, new: NewUser<'_>) -> Result<User, UserError> {
    let hash = passwords.hash(new.password).await?;
    let sql = format!(
        "INSERT INTO users (email, username, password_hash) VALUES ($1, $2, $3) \
         RETURNING {USER_COLUMNS}"
    );
    let inserted = sqlx::query_as::<_, UserRow>(&sql)
        .bind(new.email)
        .bind(new.username)
        .bind(hash)
        .fetch_one(db.writer())
        .await;
    match inserted {
        Ok(row) => Ok(row.into()),
        Err(err) => Err(conflict(db, err, Some(new.email), Some(new.username), None).await),
    }
}

/// Returns the user with this email address if `password` is theirs.
pub async fn login(
    db: &Db,
    passwords: &Passwords,
    email: &str,
    password: &str,
) -> Result<User, UserError> {
    let sql = format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = $1");
    let row = sqlx::query_as::<_, CredentialsRow>(&sql)
        .bind(email)
        .fetch_optional(db.pool())
        .await?;
    let Some(CredentialsRow {
        user,
        password_hash: hash,
    }) = row
    else {
        return Err(UserError::InvalidCredentials);
    };
    if passwords.verify(password, &hash).await? {
        Ok(user.into())
    } else {
        Err(UserError::InvalidCredentials)
    }
}

/// Returns the user with this id.
pub async fn find(db: &Db, id: UserId) -> Result<User, UserError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    sqlx::query_as::<_, UserRow>(&sql)
        .bind(id.0)
        .fetch_optional(db.pool())
        .await?
        .map(User::from)
        .ok_or(UserError::NotFound)
}

/// Changes the given fields of user `id` and returns the user as updated.
pub async fn update(
    db: &Db,
    passwords: &Passwords,
    id: UserId,
    update: UserUpdate,
) -> Result<User, UserError> {
    let hash = match &update.password {
        Some(password) => Some(passwords.hash(password).await?),
        None => None,
    };
    let sql = format!(
        "UPDATE users SET \
           email = COALESCE($2, email), \
           username = COALESCE($3, username), \
           password_hash = COALESCE($4, password_hash), \
           bio = COALESCE($5, bio), \
           image = COALESCE($6, image) \
         WHERE id = $1 RETURNING {USER_COLUMNS}"
    );
    let updated = sqlx::query_as::<_, UserRow>(&sql)
        .bind(id.0)
        .bind(update.email.as_deref())
        .bind(update.username.as_deref())
        .bind(hash)
        .bind(update.bio)
        .bind(update.image)
        .fetch_optional(db.writer())
        .await;
    match updated {
        Ok(Some(row)) => Ok(row.into()),
        Ok(None) => Err(UserError::NotFound),
        Err(err) => {
            let (email, username) = (update.email.as_deref(), update.username.as_deref());
            Err(conflict(db, err, email, username, Some(id)).await)
        }
    }
}

/// Turns a failed write into [`UserError::Taken`] naming the field that another user (other
/// than `except`) holds, or into a database error when it was not a uniqueness violation.
async fn conflict(
    db: &Db,
    err: sqlx::Error,
    email: Option<&str>,
    username: Option<&str>,
    except: Option<UserId>,
) -> UserError {
    if !is_unique_violation(&err) {
        return err.into();
    }
    match taken(db, "email", email, except).await {
        Ok(true) => {
            return UserError::Taken {
                field: UniqueField::Email,
            };
        }
        Ok(false) => {}
        Err(lookup) => return lookup.into(),
    }
    match taken(db, "username", username, except).await {
        Ok(true) => UserError::Taken {
            field: UniqueField::Username,
        },
        Ok(false) => err.into(),
        Err(lookup) => lookup.into(),
    }
}

/// Whether a user other than `except` has `value` in `column`.
async fn taken(
    db: &Db,
    column: &'static str,
    value: Option<&str>,
    except: Option<UserId>,
) -> Result<bool, sqlx::Error> {
    let Some(value) = value else {
        return Ok(false);
    };
    let sql = format!("SELECT COUNT(*) FROM users WHERE {column} = $1 AND id <> $2");
    let (count,): (i64,) = sqlx::query_as(&sql)
        .bind(value)
        .bind(except.map_or(-1, |id| id.0))
        .fetch_one(db.pool())
        .await?;
    Ok(count > 0)
}
