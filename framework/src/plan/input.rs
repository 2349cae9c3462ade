//! Where each input of a call comes from, and how it is passed.

use std::any::Any;

use crate::di::Primitive;

/// Clones a value of a known type behind `dyn Any`.
#[doc(hidden)]
pub type Cloner = fn(&(dyn Any + Send + Sync)) -> Box<dyn Any + Send + Sync>;

/// Where an input's value lives.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Source {
    /// The app's singleton at this index.
    Singleton(usize),
    /// The request's slot at this index, filled by a construction step.
    Slot(usize),
    /// A value the framework provides to every request.
    Primitive(Primitive),
}

/// How an input receives its value.
#[derive(Clone, Copy)]
pub(crate) enum Access {
    Borrow,
    /// Move it out: this is the value's only use in the route.
    Take,
    /// Clone it: the value is used elsewhere too (or is a singleton).
    Clone(Cloner),
}

/// One input of one call.
#[derive(Clone, Copy)]
pub(crate) struct InputPlan {
    source: Source,
    access: Access,
}

impl InputPlan {
    pub(crate) fn new(source: Source, access: Access) -> Self {
        Self { source, access }
    }

    pub(crate) fn source(&self) -> Source {
        self.source
    }

    pub(crate) fn access(&self) -> Access {
        self.access
    }
}
