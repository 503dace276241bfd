//! Files as pandas and NumPy write them where their layout must be read,
//! not guessed: pandas' `to_json()` orients and `np.savetxt`'s tabs. (What
//! reads right is in fixtures/tables/, run by golden.rs; here, what is
//! refused and why.)

use crate::harness::{Workdir, fixture, success};

fn tables(name: &str) -> String {
    fixture(&format!("tables/{name}")).display().to_string()
}

/// `pd.DataFrame(a).to_json()`: the keys are 0, 1, … outside and inside,
/// so orient "columns" and orient "index" (rows and columns swapped) read
/// alike; refused, naming the orients that say which.
#[test]
fn an_object_of_objects_with_no_telling_index_is_refused() {
    let dir = Workdir::new();
    let out = dir.run(&[
        "loss",
        &tables("logits-numbered.json"),
        &tables("targets.txt"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "logits-numbered.json: a JSON object of objects, as pandas' to_json() writes with \
             orient \"columns\" (the default) and with orient \"index\", rows and columns \
             swapped; both its keys and its objects' keys are 0, 1, …, so the file does not say \
             which it is: write it with to_json(orient=\"records\") or orient=\"split\", which \
             mlloss reads"
        ),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1);
    // orient="index" over a default index: its keys are 0, 1, …, as
    // to_json() of a frame whose columns are 0, 1, … and whose index is ids.
    let out = dir.run(&["loss", &tables("logits-index.json"), &tables("targets.txt")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "its keys are 0, 1, …: orient \"index\" over pandas' default index, or orient \
             \"columns\" of columns named 0, 1, …, so the file does not say which it is"
        ),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Named rows and columns: neither side is pandas' default index.
    dir.write(
        "named.json",
        r#"{"cat": {"a": 0.5, "b": 1.0}, "dog": {"a": 2.0, "b": -1.0}}"#,
    )
    .write("y.csv", "1,0\n0,1\n");
    let out = dir.run(&["loss", "named.json", "y.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("neither its keys nor its objects' keys"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The orient read: `"split"`, which says which are rows and which
/// columns; it gives what its records give, its index not a class. The
/// default orient `"columns"` over a default index writes what `"index"`
/// of a frame with named rows and columns 0, 1, … writes: refused.
#[test]
fn pandas_orients_read_as_their_records() {
    let dir = Workdir::new();
    dir.write(
        "columns.json",
        r#"{"cat":{"0":0.5,"1":-1.0},"dog":{"0":2.0,"1":0.25}}"#,
    )
    .write(
        "index.json",
        r#"{"s0":{"0":0.5,"1":2.0},"s1":{"0":-1.0,"1":0.25}}"#,
    )
    .write(
        "split.json",
        r#"{"columns":["cat","dog"],"index":[0,1],"data":[[0.5,2.0],[-1.0,0.25]]}"#,
    )
    .write(
        "split-no-index.json",
        r#"{"columns":["cat","dog"],"data":[[0.5,2.0],[-1.0,0.25]]}"#,
    )
    .write(
        "records.json",
        r#"[{"cat":0.5,"dog":2.0},{"cat":-1.0,"dog":0.25}]"#,
    )
    .write("y.csv", "cat,dog\n1,0\n0,1\n");
    let want = success(&dir.run(&["loss", "-r", "none", "records.json", "y.csv"]));
    for file in ["split.json", "split-no-index.json"] {
        let out = dir.run(&["loss", "-r", "none", file, "y.csv"]);
        assert_eq!(success(&out), want, "{file}");
    }
    for file in ["columns.json", "index.json"] {
        let out = dir.run(&["loss", file, "y.csv"]);
        assert_eq!(out.status.code(), Some(1), "{file}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(
                "its objects' keys are 0, 1, …: orient \"columns\" (the default) over pandas' \
                 default index, or orient \"index\" of columns named 0, 1, …"
            ),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A tab-separated `.txt` (`np.savetxt(delimiter="\t")`) reads as its
/// blank-separated twin; a tab-separated line with an empty cell is still
/// refused rather than shifted.
#[test]
fn tab_separated_savetxt_reads_as_the_blank_separated() {
    let dir = Workdir::new();
    dir.write("x.txt", "5.0e-01\t-1.0e+00\n2.0e+00\t2.5e-01\n")
        .write("x-blank.txt", "5.0e-01 -1.0e+00\n2.0e+00 2.5e-01\n")
        .write("y.txt", "1 0\n0 1\n")
        .write("holes.txt", "5.0e-01\t-1.0e+00\n\t2.5e-01\n");
    let want = success(&dir.run(&["loss", "-r", "none", "x-blank.txt", "y.txt"]));
    assert_eq!(
        success(&dir.run(&["loss", "-r", "none", "x.txt", "y.txt"])),
        want
    );
    // Names between tabs first (`to_csv(sep="\t")` into a `.txt`): a header.
    dir.write(
        "named.txt",
        "cat\tdog\n5.0e-01\t-1.0e+00\n2.0e+00\t2.5e-01\n",
    )
    .write("y.csv", "dog,cat\n0,1\n1,0\n");
    let out = dir.run(&["loss", "-r", "none", "named.txt", "y.csv"]);
    assert_eq!(success(&out), want);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let out = dir.run(&["loss", "-r", "none", "holes.txt", "y.txt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("holes.txt:2:1: empty cell"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
