//! Profiles, the public face of a user, and following.
//!
//! A profile is seen by a viewer (or by nobody, when the request is anonymous): `following`
//! says whether the viewer follows its owner. Articles and comments embed their author's
//! profile through the same columns (`profile_columns`).

use sqlx::FromRow;

use crate::db::{Db, DbError};
use crate::users::UserId;

/// A user as others see them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    /// The username.
    pub username: String,
    /// The biography, if set.
    pub bio: Option<String>,
    /// The avatar URL, if set.
    pub image: Option<String>,
    /// Whether the viewer follows this user (always false for an anonymous viewer).
    pub following: bool,
}

/// Why a profile operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// No user has this username.
    #[error("no such profile")]
    NotFound,
    /// A user tried to follow themselves.
    #[error("a user cannot follow themselves")]
    FollowSelf,
    /// The database failed.
    #[error("the profile store failed")]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for ProfileError {
    fn from(err: sqlx::Error) -> Self {
        Self::Db(DbError::Query(err))
    }
}

/// The columns that make a [`ProfileRow`], for a query in which `u` is the `users` row and the
/// placeholder `viewer` holds the viewer's id (or NULL).
pub(crate) fn profile_columns(viewer: &str) -> String {
    format!(
        "u.username, u.bio, u.image, \
         CASE WHEN EXISTS (SELECT 1 FROM follows f \
                           WHERE f.follower_id = {viewer} AND f.followee_id = u.id) \
              THEN 1 ELSE 0 END AS following"
    )
}

/// A profile as selected by [`profile_columns`].
#[derive(FromRow)]
pub(crate) struct ProfileRow {
    username: String,
    bio: Option<String>,
    image: Option<String>,
    following: i64,
}

impl From<ProfileRow> for Profile {
    fn from(row: ProfileRow) -> Self {
        Self {
            username: row.username,
            bio: row.bio,
            image: row.image,
            following: row.following != 0,
        }
    }
}

/// A profile with its owner's id, to act on the owner.
#[derive(FromRow)]
struct TargetRow {
    id: i64,
    #[sqlx(flatten)]
    profile: ProfileRow,
}

async fn find(db: &Db, viewer: Option<UserId>, username: &str) -> Result<TargetRow, ProfileError> {
    let sql = format!(
        "SELECT u.id, {} FROM users u WHERE u.username = $1",
        profile_columns("$2")
    );
    sqlx::query_as::<_, TargetRow>(&sql)
        .bind(username)
        .bind(viewer.map(|id| id.0))
        .fetch_optional(db.pool())
        .await?
        .ok_or(ProfileError::NotFound)
}

/// The profile of `username` as `viewer` sees it.
pub async fn get(db: &Db, viewer: Option<UserId>, username: &str) -> Result<Profile, ProfileError> {
    Ok(find(db, viewer, username).await?.profile.into())
}

/// Makes `follower` follow `username`; following twice is the same as once.
pub async fn follow(db: &Db, follower: UserId, username: &str) -> Result<Profile, ProfileError> {
    let target = find(db, Some(follower), username).await?;
    if target.id == follower.0 {
        return Err(ProfileError::FollowSelf);
    }
    sqlx::query(
        "INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2) \
         ON CONFLICT DO NOTHING",
    )
    .bind(follower.0)
    .bind(target.id)
    .execute(db.writer())
    .await?;
    Ok(Profile {
        following: true,
        ..target.profile.into()
    })
}

/// Makes `follower` stop following `username`; not following is not an error.
pub async fn unfollow(db: &Db, follower: UserId, username: &str) -> Result<Profile, ProfileError> {
    let target = find(db, Some(follower), username).await?;
    sqlx::query("DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2")
        .bind(follower.0)
        .bind(target.id)
        .execute(db.writer())
        .await?;
    Ok(Profile {
        following: false,
        ..target.profile.into()
    })
}
