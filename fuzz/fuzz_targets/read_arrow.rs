#![no_main]
//! Arrow IPC (file and stream) read as a numeric matrix in chunks of every
//! size, and as label lists: see `mlloss::fuzzing::table`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mlloss::fuzzing::table(mlloss::fuzzing::format_named("arrow"), data));
