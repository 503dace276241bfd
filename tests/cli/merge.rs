//! Sharded runs: `loss --partial` on pieces of the inputs, `merge` of the
//! states, and the result byte for byte the unsharded run's.

use crate::harness::{Workdir, success};

fn shards(dir: &Workdir, rows: usize, pieces: usize) {
    let mut next = crate::harness::uniform(0x2545_F491_4F6C_DD1Du64);
    let mut logits = Vec::new();
    let mut targets = Vec::new();
    for _ in 0..rows {
        let x: Vec<String> = (0..6)
            .map(|_| format!("{:?}", 20.0 * next() - 10.0))
            .collect();
        let y: Vec<String> = (0..6)
            .map(|_| match next() {
                v if v < 0.1 => "-1".to_owned(),
                v if v < 0.4 => "1".to_owned(),
                _ => "0".to_owned(),
            })
            .collect();
        logits.push(x.join(",") + "\n");
        targets.push(y.join(",") + "\n");
    }
    dir.write("x.csv", logits.concat())
        .write("y.csv", targets.concat());
    let per = rows.div_ceil(pieces);
    for (i, (x, y)) in logits.chunks(per).zip(targets.chunks(per)).enumerate() {
        dir.write(&format!("x{i}.csv"), x.concat())
            .write(&format!("y{i}.csv"), y.concat());
    }
}

#[test]
fn merged_shards_print_exactly_the_unsharded_result() {
    let dir = Workdir::new();
    shards(&dir, 5000, 4);
    let option_sets: [&[&str]; 4] = [
        &["-k", "bce", "--ignore-value=-1"],
        &["-k", "mlsm", "--ignore-value=-1"],
        &[
            "-k",
            "focal",
            "--ignore-value=-1",
            "--weight",
            "1,2,3,4,5,6",
        ],
        &["-k", "bce", "--ignore-value=-1", "--label-smoothing", "0.1"],
    ];
    for options in option_sets {
        let mut parts = Vec::new();
        for i in 0..4 {
            let (x, y, part) = (
                format!("x{i}.csv"),
                format!("y{i}.csv"),
                format!("part{i}.json"),
            );
            let mut args = vec!["loss", "--partial", "-o", &part];
            args.extend(options);
            args.extend([x.as_str(), y.as_str()]);
            success(&dir.run(&args));
            parts.push(part);
        }
        for reduction in ["mean", "sum", "class"] {
            let mut whole = vec!["loss", "-r", reduction];
            whole.extend(options);
            whole.extend(["x.csv", "y.csv"]);
            let want = success(&dir.run(&whole));
            let mut merge = vec!["merge", "-r", reduction];
            // Any order of the states gives the same bytes.
            merge.extend(parts.iter().rev().map(String::as_str));
            assert_eq!(success(&dir.run(&merge)), want, "{options:?} {reduction}");
        }
    }
}

#[test]
fn states_of_different_losses_do_not_merge() {
    let dir = Workdir::new();
    shards(&dir, 100, 2);
    let a = success(&dir.run(&["loss", "--partial", "--ignore-value=-1", "x0.csv", "y0.csv"]));
    let b = success(&dir.run(&[
        "loss",
        "--partial",
        "-k",
        "mlsm",
        "--ignore-value=-1",
        "x1.csv",
        "y1.csv",
    ]));
    dir.write("a.json", a)
        .write("b.json", b)
        .write("bad.json", "{\"mlloss_partial\": 7}");
    let out = dir.run(&["merge", "a.json", "b.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("b.json: computed with another loss"));
    let out = dir.run(&["merge", "a.json", "bad.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("mlloss: error: bad.json:1:"));
    assert_eq!(dir.run(&["merge"]).status.code(), Some(2));
}

/// `merge -`: any number of states on stdin, one per line, as a pipeline
/// of `--partial` runs gives them; stdin read once; located errors.
#[test]
fn merge_reads_every_state_on_stdin() {
    let dir = Workdir::new();
    shards(&dir, 3000, 3);
    let whole = success(&dir.run(&["loss", "--ignore-value=-1", "-r", "class", "x.csv", "y.csv"]));
    let mut states = String::new();
    for i in [2, 0, 1] {
        let (x, y) = (format!("x{i}.csv"), format!("y{i}.csv"));
        states += &success(&dir.run(&["loss", "--partial", "--ignore-value=-1", &x, &y]));
    }
    assert_eq!(states.lines().count(), 3);
    let merged = dir.run_with_stdin(&["merge", "-r", "class", "-"], states.as_bytes());
    assert_eq!(success(&merged), whole);
    // A file of several states, and a state file beside stdin.
    dir.write("all.json", &states);
    assert_eq!(
        success(&dir.run(&["merge", "-r", "class", "all.json"])),
        whole
    );
    let first = states.lines().next().unwrap().to_owned() + "\n";
    let rest: String = states
        .lines()
        .skip(1)
        .map(|l| l.to_owned() + "\n")
        .collect();
    dir.write("first.json", first);
    let out = dir.run_with_stdin(
        &["merge", "-r", "class", "first.json", "-"],
        rest.as_bytes(),
    );
    assert_eq!(success(&out), whole);
    // Metrics states too.
    let metrics = [
        "metrics",
        "--ignore-value=-1",
        "--metric",
        "f1,lrap",
        "--average",
        "samples",
    ];
    let whole = success(&dir.run(&[&metrics[..], &["x.csv", "y.csv"]].concat()));
    let mut states = String::new();
    for i in 0..3 {
        let (x, y) = (format!("x{i}.csv"), format!("y{i}.csv"));
        states += &success(&dir.run(&[&metrics[..], &["--partial", &x, &y]].concat()));
    }
    assert_eq!(
        success(&dir.run_with_stdin(&["merge", "-"], states.as_bytes())),
        whole
    );
    // Errors: a bad line is located; no state at all; stdin twice.
    let bad = states.lines().next().unwrap().to_owned() + "\n{\"mlloss_partial\": 2,\n";
    let out = dir.run_with_stdin(&["merge", "-"], bad.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("mlloss: error: <stdin>:3: EOF while parsing"),
        "{err}"
    );
    let out = dir.run_with_stdin(&["merge", "-"], b"\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no partial state"));
    let out = dir.run_with_stdin(&["merge", "-", "-"], states.as_bytes());
    assert_eq!(out.status.code(), Some(2));
}

/// `--version` names the commit the binary was built from, when built
/// from a git checkout (as the tests are).
#[test]
fn version_names_the_commit() {
    let out = success(&crate::harness::mlloss().arg("--version").output().unwrap());
    assert!(
        out.starts_with(&format!("mlloss {}", env!("CARGO_PKG_VERSION"))),
        "{out}"
    );
    let root = env!("CARGO_MANIFEST_DIR");
    let head = std::process::Command::new("git")
        .args(["-C", root, "rev-parse", "--short=12", "HEAD"])
        .output();
    match head {
        Ok(head) if head.status.success() && std::path::Path::new(root).join(".git").exists() => {
            let commit = String::from_utf8_lossy(&head.stdout).trim().to_owned();
            assert!(
                out.contains(&format!("(commit {commit}")),
                "{out} lacks {commit}"
            );
        }
        _ => eprintln!("skipped: not a git checkout, so no commit to name"),
    }
}
