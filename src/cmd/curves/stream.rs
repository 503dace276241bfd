//! The units' text written while they are walked. Each unit is laid out
//! on the thread that walked it as soon as its last element is seen
//! ([`units::Streaming`]), and sent here with its place in the output;
//! this thread writes the texts in that order, holding the ones that come
//! early. So the formatting runs on every walk thread, the writing
//! overlaps the walk, and only a few units' points and text are held at
//! once, not the whole output (890 MB of CSV on 1M × 50 logits).
//!
//! A unit whose walk did not end with all of its counted elements (none
//! does today; a safeguard) is returned by the walk with its points and
//! written in its place once the walk is over.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError, mpsc};

use super::args::Args;
use super::units::{self, Streaming, Unit};
use super::write::Layout;
use crate::cmd::metrics::Collected;
use crate::output::Output;

/// The text buffers kept for reuse.
const SPARE_BUFFERS: usize = 4;

/// Walks the selected units (or the pooled one), writing each unit's text
/// to `out` as it comes, in order; returns the units (all written), their
/// points kept only for `--plot`.
pub(super) fn walk_and_write(
    args: &Args,
    collected: &Collected,
    selected: &[usize],
    layout: &mut Layout,
    out: &mut Output,
) -> anyhow::Result<Vec<Unit>> {
    let (sender, received) = mpsc::channel();
    let spare = Arc::new(Mutex::new(Vec::new()));
    let streaming = Streaming {
        layout: *layout,
        sender,
        keep_points: args.plot.is_some(),
        spare: Arc::clone(&spare),
    };
    let (units, written) = std::thread::scope(|scope| {
        let walk = scope.spawn(move || units::compute(args, collected, selected, Some(streaming)));
        // The sender's last copy goes with the walk's sinks: the loop ends
        // when the walk has returned.
        let written = write_in_order(received, layout, out, &spare);
        let units = walk.join().expect("the walk's thread does not panic");
        (units, written)
    });
    let mut units = units?;
    let (mut early, next) = written?;
    for (place, unit) in units.iter_mut().enumerate().skip(next) {
        let text = early
            .remove(&place)
            .unwrap_or_else(|| layout.unit(&unit.name, &unit.points));
        layout.put(out, &text)?;
        unit.sent = true;
    }
    Ok(units)
}

/// Writes the texts received in their places' order, from place 0 on;
/// returns the texts that could not be written in order (after a place
/// that never came) and that place.
fn write_in_order(
    received: mpsc::Receiver<(usize, Vec<u8>)>,
    layout: &mut Layout,
    out: &mut Output,
    spare: &Mutex<Vec<Vec<u8>>>,
) -> std::io::Result<(BTreeMap<usize, Vec<u8>>, usize)> {
    let mut early = BTreeMap::new();
    let mut next = 0;
    for (place, text) in received {
        early.insert(place, text);
        while let Some(mut text) = early.remove(&next) {
            layout.put(out, &text)?;
            next += 1;
            // Given back for the next units: a few, as many as are in
            // flight (fresh pages for 890 MB of text cost a third of a
            // second of page faults).
            text.clear();
            let mut spare = spare.lock().unwrap_or_else(PoisonError::into_inner);
            if spare.len() < SPARE_BUFFERS {
                spare.push(text);
            }
        }
    }
    Ok((early, next))
}
