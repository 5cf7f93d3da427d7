//! Re-ranks the best candidates. First each typed word whose tokens appear next to each
//! other (`169.254.169.254`, `pods/exec`) adds its phrase score; then each candidate is
//! scaled by how many of the typed words it matches (the classic coordination factor): a
//! document with every word beats one that matches a single word very well. BM25 alone
//! ranks `Static pods` above `Resource hijacking` for `xmrig pod`, because `pod` is rare
//! among names. Each document's prior (by kind, set by the indexer) scales its score last.

use tantivy::columnar::Column;
use tantivy::query::{EnableScoring, Query, Scorer};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, DocSet, Score, Searcher, TERMINATED, Term};

use super::SearchError;
use super::schema::PRIOR;

/// How many candidates to re-rank for `limit` hits.
pub fn pool(limit: usize) -> usize {
    limit.max(10) * 3
}

/// Adds the `adjacent` bonuses, multiplies each candidate's score by the share of `words`
/// it matches and by its prior, then sorts best first (equal scores keep index order) and
/// keeps `limit`.
pub fn coordinate(
    searcher: &Searcher,
    words: &[Vec<Term>],
    adjacent: &[Box<dyn Query>],
    mut candidates: Vec<(Score, DocAddress)>,
    limit: usize,
) -> Result<Vec<(Score, DocAddress)>, SearchError> {
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by_key(|&i| candidates[i].1);
    for query in adjacent {
        let weight = query.weight(EnableScoring::enabled_from_searcher(searcher))?;
        let mut current: Option<(u32, Box<dyn Scorer>)> = None;
        for &i in &order {
            let address = candidates[i].1;
            let scorer = match &mut current {
                Some((segment, scorer)) if *segment == address.segment_ord => scorer,
                _ => {
                    let reader = searcher.segment_reader(address.segment_ord);
                    let scorer = weight.scorer(reader, 1.0)?;
                    &mut current.insert((address.segment_ord, scorer)).1
                }
            };
            if scorer.doc() < address.doc_id {
                scorer.seek(address.doc_id);
            }
            if scorer.doc() == address.doc_id {
                candidates[i].0 += scorer.score();
            }
        }
    }
    if words.len() > 1 {
        let matched = matched_words(searcher, words, &candidates, &order)?;
        #[allow(clippy::cast_precision_loss)] // a handful of words
        let total = words.len() as Score;
        for ((score, _), count) in candidates.iter_mut().zip(matched) {
            #[allow(clippy::cast_precision_loss)]
            let share = count as Score / total;
            *score *= share;
        }
    }
    let mut column: Option<(u32, Column<u64>)> = None;
    for (score, address) in &mut candidates {
        let priors = match &column {
            Some((segment, priors)) if *segment == address.segment_ord => priors,
            _ => {
                let reader = searcher.segment_reader(address.segment_ord);
                let priors = reader.fast_fields().u64(PRIOR)?;
                &column.insert((address.segment_ord, priors)).1
            }
        };
        #[allow(clippy::cast_precision_loss)] // a percentage
        let prior = priors.first(address.doc_id).unwrap_or(100) as Score / 100.0;
        *score *= prior;
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    candidates.truncate(limit);
    Ok(candidates)
}

/// For each candidate, the number of `words` with a term in it, read straight from the
/// postings (`order` lists the candidates by address).
fn matched_words(
    searcher: &Searcher,
    words: &[Vec<Term>],
    candidates: &[(Score, DocAddress)],
    order: &[usize],
) -> Result<Vec<usize>, SearchError> {
    let mut counts = vec![0; candidates.len()];
    let mut hit = vec![false; candidates.len()];
    for terms in words {
        hit.fill(false);
        for term in terms {
            let mut current: Option<(u32, Option<tantivy::postings::SegmentPostings>)> = None;
            for &i in order {
                if hit[i] {
                    continue;
                }
                let address = candidates[i].1;
                let postings = match &mut current {
                    Some((segment, postings)) if *segment == address.segment_ord => postings,
                    _ => {
                        let reader = searcher.segment_reader(address.segment_ord);
                        let postings = reader
                            .inverted_index(term.field())?
                            .read_postings(term, IndexRecordOption::Basic)?;
                        &mut current.insert((address.segment_ord, postings)).1
                    }
                };
                let Some(postings) = postings else {
                    continue;
                };
                if postings.doc() != TERMINATED && postings.doc() < address.doc_id {
                    postings.seek(address.doc_id);
                }
                if postings.doc() == address.doc_id {
                    hit[i] = true;
                }
            }
        }
        for (count, hit) in counts.iter_mut().zip(&hit) {
            *count += usize::from(*hit);
        }
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::{SearchDoc, SearchIndex, SearchOptions};

    fn doc(kind: &str, id: &str, name: &str, summary: &str) -> SearchDoc {
        SearchDoc {
            kind: kind.into(),
            id: id.into(),
            name: name.into(),
            summary: summary.into(),
            ..SearchDoc::default()
        }
    }

    fn ids(index: &SearchIndex, query: &str) -> Vec<String> {
        index
            .search(query, &SearchOptions::default())
            .expect("search")
            .into_iter()
            .map(|h| h.id)
            .collect()
    }

    #[test]
    fn each_candidate_is_scaled_by_the_share_of_words_it_matches() {
        let index = SearchIndex::build(&[
            doc("technique", "A", "Pods", "pods everywhere"),
            doc(
                "technique",
                "B",
                "Resource hijacking",
                "an xmrig miner in a pod",
            ),
        ])
        .expect("index");
        let searcher = &index.searcher;
        let summary = index.fields.summary;
        let word = |stem: &str| vec![Term::from_field_text(summary, stem)];
        let words = [word("xmrig"), word("pod")];
        let (a, b) = (DocAddress::new(0, 0), DocAddress::new(0, 1));
        let ranked = coordinate(searcher, &words, &[], vec![(2.0, a), (1.5, b)], 10).expect("rank");
        assert_eq!(ranked, [(1.5, b), (1.0, a)]);
        let one =
            coordinate(searcher, &words[1..], &[], vec![(2.0, a), (1.5, b)], 1).expect("rank");
        assert_eq!(
            one,
            [(2.0, a)],
            "one word: no coordination, the limit applies"
        );
    }

    #[test]
    fn on_equal_evidence_a_technique_outranks_its_mitigation() {
        let index = SearchIndex::build(&[
            doc("mitigation", "M", "Exec", "kubectl exec"),
            doc("technique", "T", "Exec", "kubectl exec"),
        ])
        .expect("index");
        assert_eq!(ids(&index, "kubectl exec "), ["T", "M"]);
    }

    #[test]
    fn equal_scores_keep_index_order() {
        let index = SearchIndex::build(&[
            doc("technique", "first", "Same", "words"),
            doc("technique", "second", "Same", "words"),
        ])
        .expect("index");
        assert_eq!(ids(&index, "same words "), ["first", "second"]);
    }

    #[test]
    fn the_pool_is_wider_than_the_page() {
        for limit in [1, 3, 10, 50] {
            assert!(pool(limit) >= limit * 3);
        }
    }
}
