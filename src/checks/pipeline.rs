//! Checks over a streamed snapshot: one thread reads the objects a chunk at a time while
//! the others check the chunks read so far, so reading and checking overlap and memory
//! holds a few chunks of parsed objects, never the whole snapshot.

use std::sync::Mutex;
use std::sync::mpsc;

use super::engine::{Engine, Tally};
use super::exceptions::Annotated;
use super::report::{Report, SourceInfo};
use super::snapshot::{Snapshot, SourceError};
use super::stream::Stream;

/// Objects in one chunk: enough that a chunk's views fill the evaluation threads, few
/// enough that the parsed chunks in flight stay a small part of the snapshot's size.
pub const CHUNK: usize = 256;

/// What a worker sends back: the chunk's number, its tallies and its views' warnings.
type Done = (usize, Vec<Tally>, Vec<String>);

impl Engine<'_> {
    /// Runs every compiled check over a streamed snapshot; the report is the one
    /// [`Engine::run`] gives over the same objects held in memory. The stream is
    /// consumed so that its index is freed before the findings are gathered; its
    /// annotated objects are handed back, for exceptions.
    pub fn run_stream(
        &self,
        stream: Stream,
        source: SourceInfo,
    ) -> Result<(Report, Annotated), SourceError> {
        let workers = std::thread::available_parallelism()
            .map_or(1, std::num::NonZero::get)
            .clamp(1, 8);
        let (chunks, inbox) = mpsc::sync_channel::<(usize, Snapshot)>(1);
        let inbox = Mutex::new(inbox);
        let (finished, results) = mpsc::channel::<Done>();
        let stream_ref = &stream;
        let read = std::thread::scope(|s| {
            for _ in 0..workers {
                let finished = finished.clone();
                let inbox = &inbox;
                s.spawn(move || {
                    loop {
                        let next = inbox.lock().ok().and_then(|r| r.recv().ok());
                        let Some((n, chunk)) = next else {
                            break;
                        };
                        let (tallies, warnings) = self.tally(&chunk, &stream_ref.index);
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
                // A send fails only when every worker has gone, which the count below
                // reports.
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
            warnings: read_warnings,
            unavailable,
            ..
        } = stream;
        drop(index);
        let mut done: Vec<Done> = results.into_iter().collect();
        done.sort_by_key(|d| d.0);
        let mut total: Vec<Tally> = self.checks.iter().map(|_| Tally::default()).collect();
        for (c, t) in total.iter_mut().enumerate() {
            let count = done
                .iter()
                .filter_map(|d| d.1.get(c))
                .map(|t| t.findings.len())
                .sum();
            t.findings.reserve_exact(count);
        }
        let mut warnings = read_warnings;
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
        let report = self.report(total, objects, &unavailable, warnings, source);
        Ok((report, annotated))
    }
}
