#![no_main]
//! Two CSV inputs whose first lines may be pandas' default names or data,
//! through the whole `loss` command: see `mlloss::fuzzing::pair_first_lines`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mlloss::fuzzing::pair_first_lines(data));
