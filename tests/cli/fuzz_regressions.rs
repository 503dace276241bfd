//! Every input the fuzzers once failed on (`fuzz/regressions/<target>/`)
//! and every seed (`fuzz/seeds/<target>/`), through the same entry points
//! the fuzz targets call (`mlloss::fuzzing`), which panic on a bug.

use std::path::Path;

use mlloss::fuzzing;

fn target(name: &str) -> fn(&[u8]) {
    match name {
        "read_csv" => |d| fuzzing::matrix(fuzzing::format_named("csv"), d),
        "read_tsv" => |d| fuzzing::matrix(fuzzing::format_named("tsv"), d),
        "read_json" => |d| fuzzing::matrix(fuzzing::format_named("json"), d),
        "read_jsonl" => |d| fuzzing::matrix(fuzzing::format_named("jsonl"), d),
        "read_npy" => |d| fuzzing::matrix(fuzzing::format_named("npy"), d),
        "read_containers" => fuzzing::containers,
        "read_parquet" => |d| fuzzing::table(fuzzing::format_named("parquet"), d),
        "read_arrow" => |d| fuzzing::table(fuzzing::format_named("arrow"), d),
        "read_labels" => fuzzing::labels,
        "loss" => fuzzing::loss,
        "binarize" => fuzzing::binarize,
        "records_and_target_labels" => fuzzing::records_and_target_labels,
        "pair_first_lines" => fuzzing::pair_first_lines,
        "pandas_meta" => fuzzing::pandas_meta,
        "weight_shapes" => fuzzing::weight_shapes,
        other => panic!("no fuzz target named {other}"),
    }
}

#[test]
fn fuzz_regressions_and_seeds_pass() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut inputs = 0;
    for folder in ["regressions", "seeds"] {
        for dir in std::fs::read_dir(root.join(folder)).unwrap() {
            let dir = dir.unwrap().path();
            let run = target(dir.file_name().unwrap().to_str().unwrap());
            for file in std::fs::read_dir(&dir).unwrap() {
                let file = file.unwrap().path();
                let data = std::fs::read(&file).unwrap();
                let outcome = std::panic::catch_unwind(|| run(&data));
                assert!(outcome.is_ok(), "{} failed", file.display());
                inputs += 1;
            }
        }
    }
    assert!(inputs >= 20, "only {inputs} inputs found");
}
