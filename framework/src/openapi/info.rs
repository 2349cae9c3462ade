//! The document's `info` object.

use serde_json::{Value, json};

/// What the document says about the API itself: its title, version and description
/// (OpenAPI's Info Object). Set with [`Blueprint::openapi_info`](crate::Blueprint::openapi_info).
///
/// ```
/// use watchful::openapi::Info;
///
/// let info = Info::new("Notes", env!("CARGO_PKG_VERSION")).description("Notes, shared.");
/// ```
#[derive(Debug, Clone)]
pub struct Info {
    title: String,
    version: String,
    description: Option<String>,
}

impl Info {
    /// An API called `title`, at `version` (the API's version, not OpenAPI's).
    pub fn new(title: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            version: version.into(),
            description: None,
        }
    }

    /// A longer description; CommonMark.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    pub(crate) fn to_json(&self) -> Value {
        let mut info = json!({"title": self.title, "version": self.version});
        if let Some(description) = &self.description {
            info["description"] = json!(description);
        }
        info
    }
}

/// `API`, version `0.0.0`: a document without `openapi_info` still validates.
impl Default for Info {
    fn default() -> Self {
        Self::new("API", "0.0.0")
    }
}
