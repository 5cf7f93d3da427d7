//! Building the index of objects held in memory on every core: each thread indexes a
//! contiguous part of the snapshot, and the parts are merged in snapshot order, so the
//! index is the one [`Index::observe`] would build object by object.

use super::{Index, Name};

#[cfg(test)]
mod tests;
use crate::checks::snapshot::Object;

impl Index {
    /// The index of `objects`, built in `parts` contiguous parts on as many threads: the
    /// same index as [`Index::new`] gives.
    pub fn build(objects: &[Object], parts: usize) -> Self {
        let parts = parts.clamp(1, objects.len().max(1));
        let hasher = foldhash::fast::RandomState::default();
        // One hasher for every part, so that their `present` hashes agree.
        let index_of = |part: &[Object]| {
            let mut index = Index {
                hasher: hasher.clone(),
                ..Index::default()
            };
            // Every object is in `present`: sized once rather than grown by doubling.
            index.present.reserve(part.len());
            for o in part {
                index.observe(o);
            }
            index
        };
        if parts == 1 {
            return index_of(objects);
        }
        let size = objects.len().div_ceil(parts);
        let built: Vec<Option<Index>> = std::thread::scope(|s| {
            let handles: Vec<_> = objects
                .chunks(size)
                .map(|part| std::thread::Builder::new().spawn_scoped(s, move || index_of(part)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.ok().and_then(|h| h.join().ok()))
                .collect()
        });
        let mut index: Option<Index> = None;
        for (part, built) in objects.chunks(size).zip(built) {
            // A part whose thread failed or could not start is indexed here instead.
            let built = built.unwrap_or_else(|| index_of(part));
            match &mut index {
                None => {
                    let mut built = built;
                    built.present.reserve(objects.len() - part.len());
                    index = Some(built);
                }
                Some(index) => index.absorb(built),
            }
        }
        index.unwrap_or_else(|| index_of(&[]))
    }

    /// Appends the index of the objects that come after this index's.
    fn absorb(&mut self, later: Index) {
        let names: Vec<Name> = later
            .names
            .strings()
            .map(|s| self.names.intern(s))
            .collect();
        let name = |n: Name| names.get(n as usize).copied().unwrap_or(Name::MAX);
        let roles_before = self.role_list.len();
        for mut role in later.role_list {
            role.name = name(role.name);
            self.role_list.push(role);
        }
        // Later roles of the same identity replace earlier ones, as in `observe`.
        for ((k, ns, n), at) in later.roles {
            self.roles
                .insert((name(k), name(ns), name(n)), at + roles_before);
        }
        self.cluster_roles
            .extend(later.cluster_roles.into_iter().map(|at| at + roles_before));
        let bindings_before = u32::try_from(self.bindings.len()).unwrap_or(u32::MAX);
        for mut b in later.bindings {
            b.kind = name(b.kind);
            b.name = name(b.name);
            b.namespace = name(b.namespace);
            b.role = b.role.map(|(k, n)| (name(k), name(n)));
            self.bindings.push(b);
        }
        for ((ns, sa), list) in later.sa_bindings {
            self.sa_bindings
                .entry((name(ns), name(sa)))
                .or_default()
                .extend(
                    list.into_iter()
                        .map(|at| at.saturating_add(bindings_before)),
                );
        }
        for ((ns, sa), list) in later.sa_users {
            self.sa_users
                .entry((name(ns), name(sa)))
                .or_default()
                .extend(list.into_iter().map(|(k, n)| (name(k), name(n))));
        }
        for (ns, list) in later.workload_labels {
            let list = list.into_iter().map(|mut w| {
                w.kind = name(w.kind);
                w.name = name(w.name);
                for (key, _) in &mut w.labels {
                    *key = name(*key);
                }
                w
            });
            self.workload_labels
                .entry(name(ns))
                .or_default()
                .extend(list);
        }
        for (ns, list) in later.policies {
            self.policies.entry(ns).or_default().extend(list);
        }
        self.clusterwide.extend(later.clusterwide);
        self.present.extend(later.present);
    }
}
