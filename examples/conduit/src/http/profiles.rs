//! `/api/profiles/{username}`: read a profile (auth optional), follow and unfollow it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use watchful::extract::PathParams;
use watchful::response::Json;
use watchful::{delete, get, post};

use super::auth::{CurrentUser, MaybeUser};
use crate::db::Db;
use crate::profiles::{self, Profile, ProfileError};

/// A user's public profile; articles and comments embed their author's.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "Profile")]
pub struct ProfileJson {
    username: String,
    bio: Option<String>,
    image: Option<String>,
    following: bool,
}

impl From<Profile> for ProfileJson {
    fn from(profile: Profile) -> Self {
        Self {
            username: profile.username,
            bio: profile.bio,
            image: profile.image,
            following: profile.following,
        }
    }
}

/// `{"profile": {…}}`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ProfileResponse {
    profile: ProfileJson,
}

impl From<Profile> for ProfileResponse {
    fn from(profile: Profile) -> Self {
        Self {
            profile: profile.into(),
        }
    }
}

/// A username.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct UsernamePath {
    username: String,
}

/// A user's profile.
///
/// 404 for an unknown username. Signing in is optional: it says whether the user follows
/// them.
#[get("/profiles/{username}")]
pub async fn get_profile(
    PathParams(path): PathParams<UsernamePath>,
    viewer: &MaybeUser,
    db: &Db,
) -> Result<Json<ProfileResponse>, ProfileError> {
    let profile = profiles::get(db, viewer.id(), &path.username).await?;
    Ok(Json(profile.into()))
}

/// Follows a user.
///
/// Answers their profile; 422 for following oneself.
#[post("/profiles/{username}/follow")]
pub async fn follow_profile(
    PathParams(path): PathParams<UsernamePath>,
    me: &CurrentUser,
    db: &Db,
) -> Result<Json<ProfileResponse>, ProfileError> {
    let profile = profiles::follow(db, me.id, &path.username).await?;
    Ok(Json(profile.into()))
}

/// Unfollows a user.
///
/// Answers their profile.
#[delete("/profiles/{username}/follow")]
pub async fn unfollow_profile(
    PathParams(path): PathParams<UsernamePath>,
    me: &CurrentUser,
    db: &Db,
) -> Result<Json<ProfileResponse>, ProfileError> {
    let profile = profiles::unfollow(db, me.id, &path.username).await?;
    Ok(Json(profile.into()))
}
