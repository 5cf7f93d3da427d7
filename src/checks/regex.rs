//! CEL's `matches` with compiled patterns kept per thread: the stock function compiles
//! its regular expression on every call, which dominated check runs over real charts.

use std::cell::RefCell;
use std::collections::HashMap;

use cel::common::types::{CelBool, CelString};
use cel::{Env, ExecutionError};
use regex::Regex;

/// Patterns kept per thread; a check catalogue holds a few dozen.
const CACHE_LIMIT: usize = 512;

thread_local! {
    static CACHE: RefCell<HashMap<String, Regex>> = RefCell::new(HashMap::new());
}

/// Whether `text` matches `pattern`, compiling the pattern once per thread; the error is
/// the pattern's when it does not compile.
pub fn is_match(text: &str, pattern: &str) -> Result<bool, regex::Error> {
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(compiled) = cache.get(pattern) {
            return Ok(compiled.is_match(text));
        }
        let compiled = Regex::new(pattern)?;
        let result = compiled.is_match(text);
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(pattern.to_owned(), compiled);
        Ok(result)
    })
}

fn matches(this: &CelString<'_>, re: &CelString<'_>) -> Result<CelBool, ExecutionError> {
    is_match(this.inner(), re.inner())
        .map(CelBool::from)
        .map_err(|err| ExecutionError::FunctionError {
            function: "matches".to_owned(),
            message: format!("'{}' is not a valid regular expression: {err}", re.inner()),
        })
}

/// Registers `matches(string, string)` and `string.matches(string)`; false when the
/// environment already declares them.
pub fn register(env: &mut Env) -> bool {
    macros::register(env)
}

mod macros {
    // The overload macros name CEL types by their short names.
    use cel::Env;
    use cel::common::types::{CelBool, CelString as String};

    use super::matches;

    pub(super) fn register(env: &mut Env) -> bool {
        cel::add_overload!(env, fn matches: (String, String) -> Result<CelBool>, id = "matches")
            .is_ok()
            && cel::add_member_overload!(env, fn matches: (String, String) -> Result<CelBool>)
                .is_ok()
    }
}
