//! Checks a chunk of objects at a time on every core. Over a streamed snapshot one
//! thread reads the chunks while the others check the chunks read so far, so reading and
//! checking overlap and memory holds a few chunks of parsed objects, never the whole
//! snapshot. Over objects in memory the chunks are slices, taken by whichever thread is
//! free: a chunk's views are small enough to stay in cache, where a whole snapshot's
//! were not.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};

use super::engine::{Engine, Tally};
use super::exceptions::Annotated;
use super::relations::Index;
use super::report::{Report, SourceInfo};
use super::snapshot::{Object, Snapshot, SourceError};
use super::stream::Stream;

/// Objects in one chunk: enough to amortise building a chunk's views, few enough that
/// the parsed chunks in flight stay a small part of the snapshot's size and that a
/// chunk's objects and views stay in the core's cache (of 32, 64, 128 and 256 objects,
/// 64 and 128 checked the synthetic snapshot fastest).
pub const CHUNK: usize = 128;

/// A checked chunk: its number, its tallies (one per check) and its views' warnings.
type Done = (usize, Vec<Tally>, Vec<String>);

pub(super) fn workers() -> usize {
    std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .clamp(1, 8)
}

impl Engine<'_> {
    /// Every check over `objects`, a chunk at a time on every core: the checked chunks,
    /// and how many there were.
    pub(super) fn tally_chunks(&self, objects: &[Object], index: &Index) -> (Vec<Done>, usize) {
        let chunks: Vec<&[Object]> = objects.chunks(CHUNK).collect();
        let next = AtomicUsize::new(0);
        let done: Vec<Done> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..workers().min(chunks.len()))
                .map(|_| {
                    s.spawn(|| {
                        let mut done = Vec::new();
                        loop {
                            let n = next.fetch_add(1, Ordering::Relaxed);
                            let Some(chunk) = chunks.get(n) else {
                                break;
                            };
                            let (tallies, warnings) = self.tally(chunk, index);
                            done.push((n, tallies, warnings));
                        }
                        done
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        });
        (done, chunks.len())
    }

    /// Runs every compiled check over a streamed snapshot; the report is the one
    /// [`Engine::run`] gives over the same objects held in memory. The stream is
    /// consumed so that its index is freed before the findings are gathered; its
    /// annotated objects are handed back, for exceptions.
    pub fn run_stream(
        &self,
        stream: Stream,
        source: SourceInfo,
    ) -> Result<(Report, Annotated), SourceError> {
        let (chunks, inbox) = mpsc::sync_channel::<(usize, Snapshot)>(1);
        let inbox = Mutex::new(inbox);
        let (finished, results) = mpsc::channel::<Done>();
        let stream_ref = &stream;
        let read = std::thread::scope(|s| {
            for _ in 0..workers() {
                let finished = finished.clone();
                let inbox = &inbox;
                s.spawn(move || {
                    loop {
                        let next = inbox.lock().ok().and_then(|r| r.recv().ok());
                        let Some((n, chunk)) = next else {
                            break;
                        };
                        let (tallies, warnings) = self.tally(&chunk.objects, &stream_ref.index);
                        drop(chunk);
                        if finished.send((n, tallies, warnings)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(finished);
            let mut n = 0;
            let read = stream_ref.chunks(CHUNK, &mut |chunk| {
                // A send fails only when every worker has gone, which `merge` reports.
                let _ = chunks.send((n, chunk));
                n += 1;
            });
            drop(chunks);
            read.map(|()| n)
        });
        let sent = read?;
        let Stream {
            index,
            annotated,
            objects,
            warnings,
            unavailable,
            ..
        } = stream;
        drop(index);
        let done = results.into_iter().collect();
        let report = self.merge(done, sent, objects, &unavailable, warnings, source);
        Ok((report, annotated))
    }

    /// The report of `sent` checked chunks, in chunk order; a chunk missing from `done`
    /// (its thread failed) makes every check unknown rather than pass.
    pub(super) fn merge(
        &self,
        mut done: Vec<Done>,
        sent: usize,
        objects: usize,
        unavailable: &std::collections::BTreeMap<String, String>,
        mut warnings: Vec<String>,
        source: SourceInfo,
    ) -> Report {
        done.sort_by_key(|d| d.0);
        let mut total: Vec<Tally> = self.checks.iter().map(|_| Tally::default()).collect();
        // Every finding is moved once, straight into the report: check by check, and
        // within a check chunk by chunk.
        let count = done
            .iter()
            .flat_map(|d| &d.1)
            .map(|t| t.findings.len())
            .sum();
        let mut findings = Vec::with_capacity(count);
        let mut found = vec![0; total.len()];
        for (c, n) in found.iter_mut().enumerate() {
            for d in &mut done {
                if let Some(t) = d.1.get_mut(c) {
                    *n += t.findings.len();
                    findings.append(&mut t.findings);
                }
            }
        }
        if done.len() != sent {
            warnings.push(format!(
                "{} of {sent} chunks of objects could not be checked (an evaluation thread failed); results are incomplete",
                sent - done.len()
            ));
            for t in &mut total {
                t.errors += 1;
                t.first_error
                    .get_or_insert_with(|| "an evaluation thread failed".to_owned());
            }
        }
        for (_, tallies, view_warnings) in done {
            for (t, later) in total.iter_mut().zip(tallies) {
                t.add(later);
            }
            warnings.extend(view_warnings);
        }
        self.report(
            total,
            (findings, &found),
            objects,
            unavailable,
            warnings,
            source,
        )
    }
}
