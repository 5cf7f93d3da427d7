//! Checks: find the traces of techniques in Kubernetes objects.
//!
//! Fetch apart from judge: `snapshot` reads objects (manifests, `kubectl get -o json`
//! dumps), `views` turns them into the items checks look at, `engine` compiles each
//! check's CEL expression once and evaluates it over the items, `report` is the result.
//! A large `kubectl get -o json` dump is read by `stream` and checked a chunk at a time
//! by `pipeline`, so its parsed form is never held whole.

pub mod celjson;
pub mod engine;
pub mod eval;
pub mod evidence;
pub mod exceptions;
pub mod fast;
pub mod json;
pub mod kinds;
pub mod overlay;
pub mod pipeline;
pub mod regex;
pub mod relations;
pub mod report;
pub mod sarif;
pub mod snapshot;
pub mod stream;
pub mod synthetic;
pub mod views;

pub use engine::{Engine, validate_checks};
pub use report::{CheckStatus, Finding, Report};
pub use snapshot::{Object, Snapshot};
