//! `--output-format npy` and `-o x.npy`: the result as `np.load` reads it,
//! holding exactly the numbers the CSV output prints.

use ndarray::ArrayD;
use ndarray_npy::ReadNpyExt;

use crate::harness::{Workdir, fixture, numbers, success};

fn read_f64(bytes: &[u8]) -> ArrayD<f64> {
    ArrayD::<f64>::read_npy(bytes).expect("a .npy of float64")
}

/// A workdir with the containers fixture's logits and targets.
fn dir() -> Workdir {
    let dir = Workdir::new();
    for name in ["logits.csv", "targets.csv", "labels.csv"] {
        dir.write(
            name,
            std::fs::read(fixture(&format!("containers/{name}"))).unwrap(),
        );
    }
    dir
}

#[test]
fn every_reduction_writes_its_values_and_shape() {
    let dir = dir();
    let cases: [(&str, &[usize]); 5] = [
        ("none", &[40, 4]),
        ("row", &[40]),
        ("class", &[4]),
        ("mean", &[]),
        ("sum", &[]),
    ];
    for (reduction, shape) in cases {
        let args = ["loss", "-r", reduction, "logits.csv", "targets.csv"];
        let csv = numbers(&success(&dir.run(&args)));
        let want: Vec<u64> = csv.iter().flatten().map(|v| v.to_bits()).collect();
        // To a file by its extension, and to stdout (a pipe) by the option.
        let mut file_args = args.to_vec();
        file_args.extend(["-o", "out.npy"]);
        success(&dir.run(&file_args));
        let from_file = std::fs::read(dir.path("out.npy")).unwrap();
        let mut stdout_args = args.to_vec();
        stdout_args.extend(["--output-format", "npy"]);
        let out = dir.run(&stdout_args);
        assert!(out.status.success());
        assert_eq!(out.stdout, from_file, "{reduction}");
        let array = read_f64(&from_file);
        assert_eq!(array.shape(), shape, "{reduction}");
        let got: Vec<u64> = array.iter().map(|v| v.to_bits()).collect();
        assert_eq!(got, want, "{reduction}");
        // Aligned as np.save aligns its data.
        let header = u16::from_le_bytes([from_file[8], from_file[9]]) as usize;
        assert_eq!((10 + header) % 64, 0);
    }
}

/// An array's result has PyTorch's shape: (2, 3, 4) logits give (2, 3, 4)
/// element losses and (2, 3) per-sample losses; a 1-D array is one sample.
#[test]
fn array_inputs_keep_their_shape() {
    let dir = Workdir::new();
    let shapes = fixture("shapes");
    let shapes = shapes.to_str().unwrap();
    let x3 = format!("{shapes}/x3.npy");
    let y3 = format!("{shapes}/y3.npy");
    let x1 = format!("{shapes}/x1.npy");
    let y1 = format!("{shapes}/y1.npy");
    let cases: [(&[&str], &[usize]); 4] = [
        (&["-r", "none", &x3, &y3], &[2, 3, 4]),
        (&["-r", "row", &x3, &y3], &[2, 3]),
        (&["-r", "none", &x1, &y1], &[5]),
        (&["--kind", "mlsm", "-r", "none", &x1, &y1], &[]),
    ];
    for (args, shape) in cases {
        let mut args = [&["loss"], args].concat();
        let csv = numbers(&success(&dir.run(&args)));
        args.extend(["-o", "out.npy"]);
        success(&dir.run(&args));
        let array = read_f64(&std::fs::read(dir.path("out.npy")).unwrap());
        assert_eq!(array.shape(), shape, "{args:?}");
        let want: Vec<f64> = csv.into_iter().flatten().collect();
        assert_eq!(array.iter().copied().collect::<Vec<_>>(), want, "{args:?}");
    }
}

/// binarize writes uint8, which `binarize --inverse` reads back to the
/// same label lists.
#[test]
fn binarize_writes_uint8_that_reads_back() {
    let dir = dir();
    let csv = success(&dir.run(&["binarize", "labels.csv"]));
    success(&dir.run(&["binarize", "labels.csv", "-o", "b.npy"]));
    let bytes = std::fs::read(dir.path("b.npy")).unwrap();
    let array = ArrayD::<u8>::read_npy(&bytes[..]).expect("a .npy of uint8");
    assert_eq!(array.shape(), &[5, 3]);
    let text: Vec<String> = array
        .rows()
        .into_iter()
        .map(|r| r.iter().map(u8::to_string).collect::<Vec<_>>().join(","))
        .collect();
    assert_eq!(text.join("\n") + "\n", csv);
    dir.write("b.csv", &csv);
    let inverse =
        |file| success(&dir.run(&["binarize", "--inverse", "--classes", "bird,cat,dog", file]));
    assert_eq!(inverse("b.npy"), inverse("b.csv"));
    assert_eq!(inverse("b.npy"), "cat,dog\ndog\n\nbird,cat\nbird,dog\n");
    // Label lists are text, which a .npy cannot hold.
    let out = dir.run(&[
        "binarize",
        "--inverse",
        "--classes",
        "bird,cat,dog",
        "b.npy",
        "-o",
        "l.npy",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

/// `--output-format` wins over the extension; other extensions choose
/// their format too; a failed command leaves no .npy, and prints none.
#[test]
fn the_format_comes_from_the_option_then_the_extension() {
    let dir = dir();
    let base = ["loss", "-r", "class", "logits.csv", "targets.csv"];
    let csv = success(&dir.run(&base));
    let run_to = |name: &str, extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend(["-o", name]);
        args.extend(extra);
        success(&dir.run(&args));
        std::fs::read(dir.path(name)).unwrap()
    };
    assert_eq!(run_to("x.npy", &["--output-format", "csv"]), csv.as_bytes());
    assert_eq!(run_to("x.tsv", &[]), csv.replace(',', "\t").as_bytes());
    assert!(run_to("x.json", &[]).starts_with(b"["));
    dir.write("bad.csv", "a,b,c,d\n1,2,3,4\n1,x,3,4\n");
    let bad = ["loss", "-r", "none", "bad.csv", "targets.csv"];
    let out = dir.run(&[&bad[..], &["-o", "bad.npy"]].concat());
    assert_eq!(out.status.code(), Some(1));
    assert!(!dir.path("bad.npy").exists());
    let out = dir.run(&[&bad[..], &["--output-format", "npy"]].concat());
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "a partial array was printed");
}

#[test]
fn merge_writes_npy() {
    let dir = dir();
    let partial = success(&dir.run(&["loss", "--partial", "logits.csv", "targets.csv"]));
    dir.write("p.json", partial);
    let csv = numbers(&success(&dir.run(&["merge", "-r", "class", "p.json"])));
    success(&dir.run(&["merge", "-r", "class", "p.json", "-o", "m.npy"]));
    let array = read_f64(&std::fs::read(dir.path("m.npy")).unwrap());
    assert_eq!(array.shape(), &[4]);
    assert_eq!(array.iter().copied().collect::<Vec<_>>(), csv[0]);
}
