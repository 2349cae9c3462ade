//! `/api/profiles/{username}`: read a profile (auth optional), follow and unfollow it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use watchful::extract::PathParams;
use watchful::response::Json;
use watchful::{delete, get, post};

use super::auth::{CurrentUser, MaybeUser};
use crate::db::Db;
use crate::profiles::{self, Profile, ProfileError};

/// The spec's `Profile`; articles and comments embed it as their `author`.
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

/// The `{username}` of these routes.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct UsernamePath {
    username: String,
}

/// `GET /api/profiles/{username}`: 404 for an unknown username.
#[get("/profiles/{username}")]
pub async fn get_profile(
    PathParams(path): PathParams<UsernamePath>,
    viewer: &MaybeUser,
    db: &Db,
) -> Result<Json<ProfileResponse>, ProfileError> {
    let profile = profiles::get(db, viewer.id(), &path.username).await?;
    Ok(Json(profile.into()))
}

/// `POST /api/profiles/{username}/follow`: 422 for following oneself.
#[post("/profiles/{username}/follow")]
pub async fn follow(
    PathParams(path): PathParams<UsernamePath>,
    me: &CurrentUser,
    db: &Db,
) -> Result<Json<ProfileResponse>, ProfileError> {
    let profile = profiles::follow(db, me.id, &path.username).await?;
    Ok(Json(profile.into()))
}

/// `DELETE /api/profiles/{username}/follow`.
#[delete("/profiles/{username}/follow")]
pub async fn unfollow(
    PathParams(path): PathParams<UsernamePath>,
    me: &CurrentUser,
    db: &Db,
) -> Result<Json<ProfileResponse>, ProfileError> {
    let profile = profiles::unfollow(db, me.id, &path.username).await?;
    Ok(Json(profile.into()))
}
