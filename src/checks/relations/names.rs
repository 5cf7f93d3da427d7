//! Interned names: the relations index keeps each distinct namespace, kind and object
//! name once and refers to it by number, so a snapshot of a hundred thousand objects
//! does not hold three owned strings for each of them in every table.

use std::collections::HashMap;

use foldhash::fast::RandomState;

/// A number standing for one distinct string.
pub type Name = u32;

/// Strings by number and numbers by string.
#[derive(Debug, Default)]
pub struct Names {
    ids: HashMap<Box<str>, Name, RandomState>,
    /// `String`s rather than `Box<str>`, so that relation values can lend them out as
    /// the fast evaluator's strings are lent (`&String`).
    strings: Vec<String>,
}

impl Names {
    /// The number of `s`, given a new one the first time.
    pub fn intern(&mut self, s: &str) -> Name {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        // More than four billion distinct names cannot come from a snapshot that
        // fits the size limit; the last number is shared rather than wrapping.
        let id = Name::try_from(self.strings.len()).unwrap_or(Name::MAX);
        self.strings.push(s.to_owned());
        self.ids.insert(s.into(), id);
        id
    }

    /// The number of `s`, if it was ever interned.
    pub fn get(&self, s: &str) -> Option<Name> {
        self.ids.get(s).copied()
    }

    /// Every string, in the order of their numbers.
    pub fn strings(&self) -> impl Iterator<Item = &str> {
        self.strings.iter().map(String::as_str)
    }

    /// The string a number stands for.
    pub fn str(&self, id: Name) -> &str {
        self.string(id)
    }

    /// [`Names::str`], as the `String` it is kept in.
    pub fn string(&self, id: Name) -> &String {
        static NONE: String = String::new();
        self.strings.get(id as usize).unwrap_or(&NONE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_keeps_its_number() {
        let mut names = Names::default();
        let a = names.intern("team-a");
        let b = names.intern("team-b");
        assert_ne!(a, b);
        assert_eq!(names.intern("team-a"), a);
        assert_eq!(names.get("team-b"), Some(b));
        assert_eq!(names.get("team-c"), None);
        assert_eq!((names.str(a), names.str(b)), ("team-a", "team-b"));
    }
}
